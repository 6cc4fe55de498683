// The decision diff of a replay: per alert, the original decision beside the replayed one, and
// a summary a reviewer (or a policy repository's CI) can act on.
import type { DecisionView, ReplayRow } from "./replay.js";

export interface ForbiddenTransition { alertId: string; why: string }

export interface ReplaySummary {
  alerts: number;
  replayed: number;
  failed: number;
  changed: number;
  /** "ACTION/mode → ACTION/mode": how many alerts moved that way. */
  transitions: Record<string, number>;
  newlyAutomatic: number;
  newlyNeedingApproval: number;
  forbidden: ForbiddenTransition[];
}

/**
 * Transitions a policy must never produce, whatever it says: a tainted alert run automatically
 * or closed, a critical asset isolated without a person, a block or isolation without a target.
 */
export function forbiddenWhy(r: DecisionView): string | null {
  if (r.tainted && r.mode === "auto") return "a tainted alert would run automatically";
  if (r.tainted && r.action === "CLOSE_FALSE_POSITIVE") return "a tainted alert would be closed as a false positive";
  if (r.action === "ISOLATE_HOST" && r.mode === "auto" && r.rules.includes("asset.critical")) return "a critical asset would be isolated without approval";
  if ((r.action === "BLOCK_IP" || r.action === "ISOLATE_HOST") && !r.target) return `${r.action} without a target`;
  return null;
}

const label = (v: DecisionView | null) => (v ? `${v.action}/${v.mode}` : "(none)");

export function summarize(rows: ReplayRow[]): ReplaySummary {
  const s: ReplaySummary = { alerts: rows.length, replayed: 0, failed: 0, changed: 0, transitions: {}, newlyAutomatic: 0, newlyNeedingApproval: 0, forbidden: [] };
  for (const r of rows) {
    if (!r.replayed) { s.failed++; continue; }
    s.replayed++;
    const why = forbiddenWhy(r.replayed);
    if (why) s.forbidden.push({ alertId: r.alertId, why });
    if (!r.changed) continue;
    s.changed++;
    const key = `${label(r.original)} → ${label(r.replayed)}`;
    s.transitions[key] = (s.transitions[key] ?? 0) + 1;
    if (r.replayed.mode === "auto" && r.original?.mode !== "auto") s.newlyAutomatic++;
    if (r.replayed.mode === "approval" && r.original?.mode !== "approval") s.newlyNeedingApproval++;
  }
  return s;
}

const COLUMNS = ["alertId", "sourceId", "changed", "orig_action", "orig_target", "orig_mode", "orig_analyst", "new_action", "new_target", "new_mode", "new_analyst", "execution", "error"] as const;

function cells(r: ReplayRow): string[] {
  const o = r.original, n = r.replayed;
  return [r.alertId, r.sourceId ?? "", r.changed ? "yes" : "", o?.action ?? "", o?.target ?? "", o?.mode ?? "", o?.analyst ?? "", n?.action ?? "", n?.target ?? "", n?.mode ?? "", n?.analyst ?? "", r.execution ?? "", r.error ?? ""];
}

/** RFC 4180 CSV; a cell that starts like a formula is prefixed with ' so a spreadsheet shows it as text. */
export function toCsv(rows: ReplayRow[]): string[] {
  const esc = (c: string) => {
    const safe = /^[=+\-@\t\r]/.test(c) ? `'${c}` : c;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return [COLUMNS.join(","), ...rows.map((r) => cells(r).map(esc).join(","))];
}

/** A plain-text table (control characters of alert text are shown escaped), then the summary. */
export function toTable(rows: ReplayRow[], s: ReplaySummary, opts: { all?: boolean } = {}): string[] {
  const clean = (c: string) => JSON.stringify(c).slice(1, -1).slice(0, 40);
  const shown = rows.filter((r) => opts.all || r.changed || r.error);
  const head = ["alert", "source id", "original (action target mode analyst)", "replayed (action target mode analyst)", "note"];
  const body = shown.map((r) => {
    const v = (d: typeof r.original) => (d ? [d.action, d.target ?? "-", d.mode, d.analyst].map(clean).join(" ") : "(none)");
    return [r.alertId, clean(r.sourceId ?? "-"), v(r.original), r.replayed ? v(r.replayed) : "(failed)", clean(r.error ?? (r.changed ? "changed" : ""))];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join("  ").trimEnd();
  const out = shown.length ? [line(head), ...body.map(line), ""] : [];
  out.push(`${s.alerts} alerts, ${s.replayed} replayed, ${s.failed} failed, ${s.changed} changed${opts.all ? "" : " (only changed and failed alerts are listed; --all lists every alert)"}`);
  for (const [k, n] of Object.entries(s.transitions).sort((a, b) => b[1] - a[1])) out.push(`  ${String(n).padStart(5)}  ${k}`);
  out.push(`newly automatic: ${s.newlyAutomatic}; newly needing approval: ${s.newlyNeedingApproval}; forbidden transitions: ${s.forbidden.length}`);
  for (const f of s.forbidden) out.push(`  FORBIDDEN ${f.alertId}: ${f.why}`);
  return out;
}
