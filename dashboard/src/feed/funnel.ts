// The triage funnel: what the pipeline did with the alerts received in a window, and the same
// outcomes over time. Counted from the index's summaries, so it agrees with the list and search.
import type { AlertSummary } from "./alert-index.js";
import { QueryError } from "./query.js";

export const FUNNEL_OUTCOMES = ["auto_closed", "blocked", "isolated", "ticketed", "to_humans", "shadow", "failed", "in_flight"] as const;
export type FunnelOutcome = (typeof FUNNEL_OUTCOMES)[number];

/** Which single outcome an alert counts under (an alert is in exactly one). */
export function outcomeOf(s: AlertSummary): FunnelOutcome {
  if (s.stage === "failed" || s.executionStatus === "failed") return "failed";
  if (s.stage === "awaiting_approval" || s.action === "MANUAL_REVIEW" || s.status === "rejected" || s.status === "expired") return "to_humans";
  if (s.stage !== "executed") return "in_flight";
  if (s.executionStatus === "shadow") return "shadow";
  switch (s.action) {
    case "CLOSE_FALSE_POSITIVE": return "auto_closed";
    case "BLOCK_IP": return "blocked";
    case "ISOLATE_HOST": return "isolated";
    case "CREATE_TICKET": return "ticketed";
    default: return "to_humans";
  }
}

export interface Funnel {
  from: string;
  to: string;
  received: number;
  outcomes: Record<FunnelOutcome, number>;
  /** Of those, undone afterwards by a person. */
  undone: number;
  /** Approved by a person before it ran (counted in its outcome too). */
  approvedByPerson: number;
  bucketMs: number;
  histogram: { start: string; received: number; outcomes: Record<FunnelOutcome, number> }[];
}

const zero = () => Object.fromEntries(FUNNEL_OUTCOMES.map((o) => [o, 0])) as Record<FunnelOutcome, number>;

export function parseWindow(q: Record<string, unknown>, now: number): { from: number; to: number; buckets: number } {
  const span = q.since === undefined || q.since === "" ? "24h" : String(q.since);
  const m = /^(\d{1,5})(m|h|d)$/.exec(span);
  if (!m) throw new QueryError(`since=${JSON.stringify(span.slice(0, 32))} is not accepted: expected a span such as 15m, 24h or 7d`);
  const to = now;
  const from = to - Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "m" | "h" | "d"];
  const b = q.buckets === undefined || q.buckets === "" ? 48 : Number(q.buckets);
  if (!Number.isInteger(b) || b < 1 || b > 500) throw new QueryError(`buckets=${JSON.stringify(String(q.buckets).slice(0, 16))} is not accepted: expected a whole number from 1 to 500`);
  return { from, to, buckets: b };
}

export function funnel(summaries: Iterable<AlertSummary>, w: { from: number; to: number; buckets: number }, match: (s: AlertSummary) => boolean = () => true): Funnel {
  const bucketMs = Math.max(1, Math.ceil((w.to - w.from) / w.buckets));
  const histogram = Array.from({ length: w.buckets }, (_, n) => ({ start: new Date(w.from + n * bucketMs).toISOString(), received: 0, outcomes: zero() }));
  const outcomes = zero();
  let received = 0;
  let undone = 0;
  let approvedByPerson = 0;
  for (const s of summaries) {
    const t = Date.parse(s.receivedAt);
    if (!(t >= w.from && t <= w.to) || !match(s)) continue;
    const o = outcomeOf(s);
    received++;
    outcomes[o]++;
    if (s.undone) undone++;
    if (s.waitMs !== null) approvedByPerson++;
    const b = histogram[Math.min(w.buckets - 1, Math.floor((t - w.from) / bucketMs))]!;
    b.received++;
    b.outcomes[o]++;
  }
  return { from: new Date(w.from).toISOString(), to: new Date(w.to).toISOString(), received, outcomes, undone, approvedByPerson, bucketMs, histogram };
}
