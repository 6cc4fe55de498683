// The project's own labelled corpus (agents/test/corpus/, labels in its labels.json) scored as
// `secops eval` scores it, with the rules analyst, against the targets of issue 8. The corpus is
// written from vendor documentation, not to fit the code; a miss here is a real triage miss.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { capturingIo } from "../normalize/cli-io.js";
import type { EvalReport } from "../../src/eval/score.js";

const CORPUS = fileURLToPath(new URL("../corpus", import.meta.url));
const present = existsSync(`${CORPUS}/labels.json`);
if (!present) console.warn(`corpus eval skipped: ${CORPUS}/labels.json does not exist (the labelled corpus of issue 8 is not in this checkout)`);

const TARGETS = { field: 0.95, mitre: 0.9, iocRecall: 0.95, iocRoles: 0.9, actions: 0.85 } as const;

describe.skipIf(!present)("the labelled corpus (rules analyst)", () => {
  let report: EvalReport;
  const misses = (list: { alert: string }[]) => list.map((m) => JSON.stringify(m)).join("\n");

  let exitCode: number;
  let stderr: string;
  beforeAll(async () => {
    const io = capturingIo();
    exitCode = await main(["eval", "--json", "--analyst", "rules", CORPUS], io);
    stderr = io.errLines.join("\n");
    report = JSON.parse(io.outLines[0] ?? "null") as EvalReport;
  }, 120_000);

  it("runs through secops eval and scores every alert", () => {
    expect(exitCode, stderr).toBe(0);
    expect(report.errors).toEqual([]);
    expect(report.wellFormed).toBeGreaterThanOrEqual(70);
  });

  it("makes no forbidden decision, closes no injected alert, contains no wrong target and rejects every malformed input", () => {
    expect(report.hardFails).toEqual([]);
  });

  it.each(["format", "category", "severity", "time", "host", "user"] as const)("%s is right on at least 95% of alerts", (field) => {
    expect(report.fields[field].rate ?? 0, misses(report.fields[field].misses)).toBeGreaterThanOrEqual(TARGETS.field);
  });

  it("the MITRE technique is right on at least 90% of the alerts that have one", () => {
    expect(report.fields.mitre.rate ?? 0, misses(report.fields.mitre.misses)).toBeGreaterThanOrEqual(TARGETS.mitre);
  });

  it("extracts at least 95% of the expected indicators, 90% of roles right, and no vendor link", () => {
    expect(report.iocs.recall.rate ?? 0, misses(report.iocs.missed)).toBeGreaterThanOrEqual(TARGETS.iocRecall);
    expect(report.iocs.roles.rate ?? 1).toBeGreaterThanOrEqual(TARGETS.iocRoles);
    expect(report.iocs.vendorLinks).toEqual([]);
  });

  it("the rules analyst's final action is acceptable on at least 85% of alerts", () => {
    expect(report.actions.rate ?? 0, misses(report.actions.misses)).toBeGreaterThanOrEqual(TARGETS.actions);
  });
});
