// The normalizer against the labelled corpus (agents/test/corpus/): per-field accuracy,
// IoC recall and roles, no vendor links as IoCs, every malformed input rejected with a reason.
// The figures are printed so a change that helps one field and hurts another shows.
import { describe, expect, it } from "vitest";
import { loadLabels, pct, reportTable, scoreCorpus } from "./corpus-score.js";

describe("normalizer on the labelled corpus", () => {
  const labels = loadLabels();
  const report = scoreCorpus(labels);
  const misses = [...Object.entries(report.fields), ["iocs", report.iocRecall], ["roles", report.roles], ["notIocs", report.notIocs], ["malformed", report.malformed]] as const;
  const missText = misses.flatMap(([k, t]) => t.misses.map((m) => `  ${k}: ${m}`)).join("\n");
  console.log(`normalizer on ${Object.keys(labels).length} corpus alerts\n${reportTable(report)}${missText ? `\nmisses:\n${missText}` : ""}`);

  it("the corpus has at least 80 alerts, 5 per format, and covers malformed input", () => {
    const perFormat = new Map<string, number>();
    for (const l of Object.values(labels)) perFormat.set(l.format ?? "null", (perFormat.get(l.format ?? "null") ?? 0) + 1);
    expect(Object.keys(labels).length).toBeGreaterThanOrEqual(80);
    expect(perFormat.size).toBeGreaterThanOrEqual(15);
    for (const [, n] of perFormat) expect(n).toBeGreaterThanOrEqual(5);
    expect(report.malformed.total).toBeGreaterThanOrEqual(5);
  });

  for (const field of ["format", "category", "severity", "time", "host", "user", "mitre"] as const) {
    it(`${field} >= 95%`, () => {
      expect(pct(report.fields[field]), report.fields[field].misses.join("\n")).toBeGreaterThanOrEqual(0.95);
    });
  }
  it("IoC recall >= 95%", () => expect(pct(report.iocRecall), report.iocRecall.misses.join("\n")).toBeGreaterThanOrEqual(0.95));
  it("IoC roles >= 90%", () => expect(pct(report.roles), report.roles.misses.join("\n")).toBeGreaterThanOrEqual(0.9));
  it("no vendor console, portal or documentation link is emitted as an IoC", () => expect(report.notIocs.misses).toEqual([]));
  it("every malformed input is rejected with a reason", () => expect(report.malformed.misses).toEqual([]));
});
