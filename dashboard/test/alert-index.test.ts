// The in-memory index on its own: bounds, stage precedence and dead letters.
import { describe, expect, it } from "vitest";
import { AlertIndex } from "../src/feed/alert-index.js";
import { buildChain, buildDlq } from "./fixtures.js";

const t = "2026-11-23T10:00:00.000Z";

describe("AlertIndex", () => {
  it("keeps only the newest alerts when full", () => {
    const index = new AlertIndex(2);
    ["a1", "a2", "a3"].forEach((id, i) => index.applyStage("enriched", buildChain({ alertId: id }).enriched, i + 1, t));
    expect(index.list({ limit: 10 }).map((s) => s.alertId)).toEqual(["a3", "a2"]);
    expect(index.get("a1")).toBeNull();
    expect(index.stats().alerts).toBe(2);
  });

  it("refuses a bound that is not a positive whole number", () => {
    expect(() => new AlertIndex(0)).toThrow(/whole number/);
  });

  it("lets the furthest stage win even when an earlier stage is seen later", () => {
    const index = new AlertIndex(10);
    const c = buildChain({ alertId: "x", approval: true });
    expect(index.applyStage("executed", c.executed, 5, t)?.stage).toBe("executed");
    expect(index.applyStage("decided", c.decided[0]!, 6, t)).toBeNull();
    expect(index.get("x")?.summary.stage).toBe("executed");
    expect(index.get("x")?.refs).toEqual({ enriched: null, investigated: null, decided: [6], executed: 5 });
  });

  it("moves from awaiting approval to decided with a later decision", () => {
    const index = new AlertIndex(10);
    const c = buildChain({ alertId: "y", approval: true });
    expect(index.applyStage("decided", c.decided[0]!, 3, t)?.stage).toBe("awaiting_approval");
    expect(index.applyStage("decided", c.decided[1]!, 4, t)).toMatchObject({ stage: "decided", status: "approved", firstSeq: 3, seq: 4 });
  });

  it("marks a known unfinished alert failed on a dead letter, and leaves executed ones alone", () => {
    const index = new AlertIndex(10);
    const a = buildChain({ alertId: "open" });
    const b = buildChain({ alertId: "done" });
    index.applyStage("investigated", a.investigated, 1, t);
    index.applyStage("executed", b.executed, 2, t);
    expect(index.applyDlq(buildDlq({ alertId: "open", reason: "boom", original: "{}" }), 3, t).summary).toMatchObject({ stage: "failed", dlqReason: "boom" });
    expect(index.applyDlq(buildDlq({ alertId: "done", reason: "late", original: "{}" }), 4, t).summary).toBeNull();
    expect(index.stats()).toMatchObject({ dlq: 2, failed: 1, executed: 1 });
  });

  it("counts a failed execution as failed, not executed", () => {
    const index = new AlertIndex(10);
    index.applyStage("executed", buildChain({ alertId: "f", executionStatus: "failed" }).executed, 1, t);
    expect(index.stats()).toMatchObject({ failed: 1, executed: 0, executedByAction: {} });
  });
});
