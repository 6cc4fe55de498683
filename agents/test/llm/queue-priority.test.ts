// Critical first in the replica's queue for an LLM slot too: calls waiting for a slot are sent
// highest priority first (the investigator passes the alert's severity rank), in arrival order
// within a priority, so a critical alert does not wait behind the low ones already queued.
import { describe, expect, it } from "vitest";
import { AdaptiveConcurrency } from "../../src/llm/concurrency.js";

describe("the LLM slot queue", () => {
  it("admits waiting calls by priority, oldest first within one", async () => {
    const a = new AdaptiveConcurrency({ min: 1, max: 1, initial: 1 });
    const started: string[] = [];
    const release: (() => void)[] = [];
    const call = (name: string, priority: number) => a.run(() => {
      started.push(name);
      return new Promise<void>((r) => release.push(r));
    }, priority);
    // The first call measures the no-load latency alone; let it answer so the limit is 1.
    const first = a.begin();
    a.answered(first);
    const all = [call("low-1", 1), call("low-2", 1), call("medium-1", 2), call("low-3", 1), call("critical-1", 4), call("high-1", 3), call("critical-2", 4)];
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual(["low-1"]); // it had the free slot
    while (started.length < all.length) {
      release.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    release.shift()!();
    await Promise.all(all);
    expect(started).toEqual(["low-1", "critical-1", "critical-2", "high-1", "medium-1", "low-2", "low-3"]);
  });
});
