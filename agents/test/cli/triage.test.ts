// `secops triage`: normalize, enrich, investigate and decide offline, one JSON line per alert.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CanonicalAlert, Decision, Enrichment, Investigation } from "@secops/contracts";
import { command as triage } from "../../src/cli/commands/triage.js";
import { main } from "../../src/cli/main.js";
import { capturingIo } from "../normalize/cli-io.js";
import { SAMPLES_DIR, EXPECTED_ACTION } from "../e2e/samples.js";
import { refusedUrl, startFakeLlm, type FakeLlm } from "../fakes/fake-llm-server.js";

let llm: FakeLlm;
let down: string;
let dir: string;
beforeAll(async () => {
  llm = await startFakeLlm();
  down = await refusedUrl();
  dir = mkdtempSync(join(tmpdir(), "triage-"));
});
afterAll(async () => {
  await llm?.close();
  rmSync(dir, { recursive: true, force: true });
});

const lines = (io: { outLines: string[] }) => io.outLines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe("secops triage", () => {
  it("prints alert, enrichment, investigation and decision for every sample with the rules analyst", async () => {
    const io = capturingIo("", { LLM_API_URL: down });
    expect(await triage.run(["--analyst", "rules", SAMPLES_DIR], io)).toBe(0);
    const out = lines(io);
    expect(out).toHaveLength(5);
    for (const l of out) {
      const file = String(l.input).split("/").pop()!;
      CanonicalAlert.parse(l.alert);
      Enrichment.parse(l.enrichment);
      const inv = Investigation.parse(l.investigation);
      const d = Decision.parse(l.decision);
      expect(inv.analyst).toBe("rules");
      expect(d.action).toBe(EXPECTED_ACTION[file]);
    }
  });

  it("uses the LLM by default when LLM_API_URL answers, and says which analyst it chose", async () => {
    const io = capturingIo("", { LLM_API_URL: llm.url, LLM_TIMEOUT_SECONDS: "5" });
    expect(await triage.run([join(SAMPLES_DIR, "sample_alert4.json")], io)).toBe(0);
    expect(io.errLines.join("\n")).toMatch(/analyst: llm/);
    const [l] = lines(io);
    expect(Investigation.parse(l!.investigation).analyst).toBe("llm");
    expect(Decision.parse(l!.decision).proposedBy).toBe("llm");
  });

  it("falls back to the rules analyst by default when no LLM answers", async () => {
    const io = capturingIo("", { LLM_API_URL: down });
    expect(await triage.run([join(SAMPLES_DIR, "sample_alert1.json")], io)).toBe(0);
    expect(io.errLines.join("\n")).toMatch(/analyst: rules \(no LLM answers at/);
  });

  it("reads stdin, reports unreadable inputs as error lines and exits 1", async () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, '{"alert_id": "SEC-X", "name": ');
    const io = capturingIo('{"title": "Okta MFA push flood", "severity": "high", "user": "bob@example.com", "src_ip": "203.0.113.50"}', { LLM_API_URL: down });
    expect(await triage.run(["--analyst", "rules", "-", bad, join(dir, "missing.json")], io)).toBe(1);
    const out = lines(io);
    expect(out).toHaveLength(3);
    expect(out[0]!.decision).toBeDefined();
    expect(out[1]).toMatchObject({ input: expect.stringContaining("bad.json") });
    expect(String(out[1]!.error)).toMatch(/JSON/);
    expect(String(out[2]!.error)).toMatch(/no such file/);
  });

  it("refuses an unknown analyst and unknown commands with what is accepted", async () => {
    const io = capturingIo();
    expect(await triage.run(["--analyst", "oracle", SAMPLES_DIR], io)).toBe(2);
    expect(io.errLines.join("\n")).toMatch(/--analyst oracle: unknown analyst \(accepted: rules, llm\)/);
    const io2 = capturingIo();
    expect(await main(["triagee"], io2)).toBe(2);
    expect(io2.errLines.join("\n")).toMatch(/unknown command "triagee" \(accepted: publish, normalize, triage, approve, reject, undo, audit, connectors[,)]/);
  });
});
