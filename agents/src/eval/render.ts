// The human-readable `secops eval` report. The --json output is the EvalReport itself.
import { FIELDS, type EvalReport, type Rate } from "./score.js";

const pct = (r: Rate) => (r.rate === null ? "  n/a" : `${(r.rate * 100).toFixed(1).padStart(5)}%`);
const frac = (r: Rate) => `${r.correct}/${r.total}`.padStart(7);

export function renderReport(report: EvalReport, header: string): string[] {
  const analysts = Object.entries(report.analysts).map(([a, n]) => `${a} ${n}`).join(", ");
  const out: string[] = [header, `${report.alerts} labelled alerts: ${report.wellFormed} well-formed, ${report.malformed} malformed${analysts ? `; investigated by ${analysts}` : ""}`, ""];
  out.push("fields (normalizer, well-formed alerts)");
  for (const f of FIELDS) out.push(`  ${f.padEnd(10)} ${frac(report.fields[f])} ${pct(report.fields[f])}${f === "mitre" ? "  (alerts whose label expects a technique)" : ""}`);
  out.push("");
  out.push("indicators");
  out.push(`  recall     ${frac(report.iocs.recall)} ${pct(report.iocs.recall)}  expected indicators extracted`);
  out.push(`  precision  ${frac(report.iocs.precision)} ${pct(report.iocs.precision)}  extracted indicators the labels expect (labels need not list every one)`);
  out.push(`  roles      ${frac(report.iocs.roles)} ${pct(report.iocs.roles)}  source/destination right, where the label gives one`);
  out.push(`  vendor links emitted as IoCs: ${report.iocs.vendorLinks.length}`);
  out.push(`malformed rejected ${frac(report.malformedRejected)} ${pct(report.malformedRejected)}`);
  out.push(`injection detected ${`${report.injection.detected}/${report.injection.labelled}`.padStart(7)}`);
  out.push("");
  out.push(`actions acceptable ${frac(report.actions)} ${pct(report.actions)}  (the final decided action, after the policy)`);
  out.push(...renderMatrix(report.actions.matrix));
  out.push("");
  out.push(`hard fails: ${report.hardFails.length}`);
  for (const h of report.hardFails) out.push(`  ${h.alert}: ${h.kind.replace(/_/g, " ")}: ${h.detail}`);
  if (report.errors.length > 0) {
    out.push("", `not evaluated: ${report.errors.length}`);
    for (const e of report.errors) out.push(`  ${e.alert}: ${e.reason}`);
  }
  const fieldMisses = FIELDS.flatMap((f) => report.fields[f].misses.map((m) => `  ${m.alert}: ${f} expected ${m.expected}, got ${m.got}`));
  if (fieldMisses.length > 0) out.push("", "field misses", ...fieldMisses);
  if (report.iocs.missed.length > 0 || report.iocs.vendorLinks.length > 0) {
    out.push("", "indicator misses");
    for (const m of report.iocs.missed) out.push(`  ${m.alert}: missed ${m.ioc.type} ${m.ioc.value}`);
    for (const v of report.iocs.vendorLinks) out.push(`  ${v.alert}: emitted the vendor link ${v.value}`);
  }
  if (report.actions.misses.length > 0) {
    out.push("", "action misses");
    for (const m of report.actions.misses) out.push(`  ${m.alert}: decided ${m.decided}, acceptable ${m.acceptable.join(" | ")}${m.reason ? `\n      ${m.reason}` : ""}`);
  }
  return out;
}

function renderMatrix(matrix: Record<string, Record<string, number>>): string[] {
  const rows = Object.keys(matrix).sort();
  const cols = [...new Set(rows.flatMap((r) => Object.keys(matrix[r]!)))].sort();
  if (rows.length === 0) return [];
  const short = (a: string) => a.replace("CLOSE_FALSE_POSITIVE", "CLOSE_FP").replace("MANUAL_REVIEW", "REVIEW").replace("CREATE_TICKET", "TICKET").replace("ISOLATE_HOST", "ISOLATE").replace("BLOCK_IP", "BLOCK");
  const width = Math.max(20, ...rows.map((r) => short(r).length));
  const colW = cols.map((c) => Math.max(5, short(c).length));
  const lines = [`  ${"acceptable \\ decided".padEnd(width)}  ${cols.map((c, i) => short(c).padStart(colW[i]!)).join("  ")}`];
  for (const r of rows) lines.push(`  ${short(r).padEnd(width)}  ${cols.map((c, i) => String(matrix[r]![c] ?? "").padStart(colW[i]!)).join("  ")}`);
  return lines;
}
