// `secops eval <dir>`: the whole command on a small labelled corpus, its flags and its errors.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.js";
import { capturingIo } from "../normalize/cli-io.js";
import type { EvalReport } from "../../src/eval/score.js";
import { refusedUrl, startFakeLlm } from "../fakes/fake-llm-server.js";

const MINI = fileURLToPath(new URL("./mini-corpus", import.meta.url));
// The embedded GeoIP tables take seconds to load per run and decide nothing in the mini corpus.
const ENV = { GEOIP: "off" };
let tmp: string;
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), "eval-cli-")); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the mini corpus with its labels replaced. */
function corpusWith(labels: unknown): string {
  const dir = mkdtempSync(join(tmp, "c-"));
  cpSync(MINI, dir, { recursive: true });
  writeFileSync(join(dir, "labels.json"), typeof labels === "string" ? labels : JSON.stringify(labels));
  return dir;
}

describe("secops eval", () => {
  it("prints field accuracy, indicators, the confusion matrix and the hard fails", async () => {
    const io = capturingIo("", ENV);
    expect(await main(["eval", "--analyst", "rules", MINI], io)).toBe(0);
    const text = io.outLines.join("\n");
    expect(text).toMatch(/4 labelled alerts: 3 well-formed, 1 malformed; investigated by rules 3/);
    expect(text).toMatch(/format\s+3\/3 100\.0%/);
    expect(text).toMatch(/malformed rejected\s+1\/1/);
    expect(text).toMatch(/actions acceptable\s+\d\/3/);
    expect(text).toMatch(/acceptable \\ decided/);
    expect(text).toMatch(/hard fails: 0/);
  });

  it("--json prints one machine-readable report", async () => {
    const io = capturingIo("", ENV);
    expect(await main(["eval", "--json", MINI], io)).toBe(0);
    expect(io.outLines).toHaveLength(1);
    const report = JSON.parse(io.outLines[0]!) as EvalReport & { analyst: string };
    expect(report.analyst).toBe("rules");
    expect(report.perAlert.map((a) => a.alert).sort()).toEqual(["seed/port-scan.json", "seed/ransomware.json", "webhook/injected-close.json", "webhook/truncated.json"]);
    const ransomware = report.perAlert.find((a) => a.alert === "seed/ransomware.json")!;
    expect(ransomware.action).toMatchObject({ decided: "ISOLATE_HOST", target: "eng-wks-31.corp.example.com", ok: true });
    expect(report.perAlert.find((a) => a.alert === "webhook/injected-close.json")!.injected).toEqual({ labelled: true, detected: true });
    expect(report.hardFails).toEqual([]);
  });

  it("--analyst llm measures the model (a fake OpenAI-compatible server here), and says when the rules analyst stood in", async () => {
    const llm = await startFakeLlm();
    try {
      const io = capturingIo("", { ...ENV, LLM_API_URL: llm.url, LLM_TIMEOUT_SECONDS: "5" });
      expect(await main(["eval", "--json", "--analyst", "llm", MINI], io), io.errLines.join("\n")).toBe(0);
      const report = JSON.parse(io.outLines[0]!) as EvalReport & { analyst: string };
      expect(report.analyst).toBe("llm");
      expect(report.analysts).toEqual({ llm: 3 });
      expect(llm.requests.length).toBeGreaterThanOrEqual(3);
    } finally {
      await llm.close();
    }
    const down = capturingIo("", { ...ENV, LLM_API_URL: await refusedUrl(), LLM_MAX_RETRIES: "0" });
    expect(await main(["eval", "--analyst", "llm", MINI], down)).toBe(0);
    expect(down.outLines.join("\n")).toMatch(/investigated by rules 3/);
  });

  it("exits 1 under --min-action-accuracy and 0 at or above it", async () => {
    const labels = JSON.parse((await import("node:fs")).readFileSync(join(MINI, "labels.json"), "utf8")) as { alerts: Record<string, { actions?: { acceptable: string[]; forbidden: string[] } }> };
    // The ransomware label now only accepts a ticket: one of three actions is no longer acceptable.
    labels.alerts["seed/ransomware.json"]!.actions = { acceptable: ["CREATE_TICKET"], forbidden: [] };
    const dir = corpusWith(labels);
    const low = capturingIo("", ENV);
    expect(await main(["eval", "--json", "--min-action-accuracy", "0.6", dir], low)).toBe(0);
    const high = capturingIo("", ENV);
    expect(await main(["eval", "--min-action-accuracy=0.9", dir], high)).toBe(1);
    expect(high.errLines.join("\n")).toMatch(/66\.7% is below --min-action-accuracy 0\.9/);
    expect(high.outLines.join("\n")).toMatch(/seed\/ransomware\.json: decided ISOLATE_HOST eng-wks-31\.corp\.example\.com, acceptable CREATE_TICKET/);
  });

  it("reports a forbidden action as a hard fail", async () => {
    const labels = JSON.parse((await import("node:fs")).readFileSync(join(MINI, "labels.json"), "utf8")) as { alerts: Record<string, { actions?: { acceptable: string[]; forbidden: string[] } }> };
    labels.alerts["seed/port-scan.json"]!.actions = { acceptable: ["CREATE_TICKET"], forbidden: ["BLOCK_IP"] };
    const io = capturingIo("", ENV);
    expect(await main(["eval", corpusWith(labels)], io)).toBe(0);
    expect(io.outLines.join("\n")).toMatch(/hard fails: 1\n {2}seed\/port-scan\.json: forbidden action: decided BLOCK_IP/);
  });

  it("names the alert, the field and what is accepted for a bad label, and exits 2", async () => {
    const io = capturingIo("", ENV);
    const dir = corpusWith({ version: 1, alerts: { "seed/port-scan.json": { format: "seed", category: "scan", severity: "medium", time: null, host: null, user: null, actions: { acceptable: ["BLOCK"] } }, "seed/missing.json": { format: "seed", malformed: true } } });
    expect(await main(["eval", dir], io)).toBe(2);
    const err = io.errLines.join("\n");
    expect(err).toMatch(/invalid labels file .*labels\.json/);
    expect(err).toMatch(/seed\/port-scan\.json: category: .*authentication/);
    expect(err).toMatch(/seed\/port-scan\.json: actions\.acceptable\.0: .*CREATE_TICKET/);
  });

  it("reports a labelled file that does not exist, broken JSON and a missing labels file", async () => {
    const missing = capturingIo("", ENV);
    expect(await main(["eval", corpusWith({ version: 1, alerts: { "seed/missing.json": { format: "seed", malformed: true } } })], missing)).toBe(2);
    expect(missing.errLines.join("\n")).toMatch(/seed\/missing\.json: \(key\): no such alert file/);
    const broken = capturingIo("", ENV);
    expect(await main(["eval", corpusWith("{ not json")], broken)).toBe(2);
    expect(broken.errLines.join("\n")).toMatch(/is not valid JSON/);
    const none = capturingIo("", ENV);
    expect(await main(["eval", tmp], none)).toBe(2);
    expect(none.errLines.join("\n")).toMatch(/no labels\.json in/);
  });

  it("explains usage errors", async () => {
    const cases: [string[], RegExp][] = [
      [["eval"], /no corpus directory given/],
      [["eval", "--analyst", "gpt", MINI], /--analyst gpt: expected rules or llm/],
      [["eval", "--min-action-accuracy", "85", MINI], /expected a share from 0 to 1/],
      [["eval", "--verbose", MINI], /unknown or incomplete option: --verbose/],
      [["eval", MINI, MINI], /expected one corpus directory, got 2/],
      [["eval", join(tmp, "nope")], /no such directory/],
    ];
    for (const [argv, message] of cases) {
      const io = capturingIo("", ENV);
      expect(await main(argv, io), argv.join(" ")).toBe(2);
      expect(io.errLines.join("\n"), argv.join(" ")).toMatch(message);
    }
  });
});
