/**
 * What a replay or an audit reads back from stream ALERTS: per alert, the raw message it came
 * from, its enriched, investigated and first decided message. Reading uses ephemeral consumers
 * only (cli/ids.ts scanStream): nothing is published and no bucket is written.
 */
import { AlertFormat, stageOfSubject, type DecidedMessage, type EnrichedMessage, type InvestigatedMessage } from "@secops/contracts";
import type { JsMsg } from "@nats-io/jetstream";
import { scanStream, type IdContext } from "../cli/ids.js";
import { alertIdFor, normalizeAlert } from "../enricher/normalize/index.js";

export interface RawRecord {
  seq: number;
  timeMs: number;
  data: Uint8Array;
  headers: Record<string, string>;
}

export interface AlertHistory {
  alertId: string;
  enriched: EnrichedMessage;
  enrichedAtMs: number;
  investigated: InvestigatedMessage | null;
  /** The decider's decision: the first decided message of the alert (later ones are approval outcomes). */
  decided: DecidedMessage | null;
  raw: RawRecord | null;
}

export interface Selection {
  sinceMs?: number;
  untilMs?: number;
  alertIds?: Set<string>;
  /** Words that must all occur (case-insensitively) in the alert's normalized JSON. */
  query?: string;
}

const headersOf = (m: JsMsg) => Object.fromEntries([...(m.headers ?? [])].map(([k, v]) => [k, v[0] ?? ""]));

function matchesQuery(e: EnrichedMessage, query: string): boolean {
  const text = JSON.stringify(e.alert).toLowerCase();
  return query.toLowerCase().split(/\s+/).filter(Boolean).every((w) => text.includes(w));
}

/** The alerts the selection names, in the order they reached the stream. */
export async function readHistory(ctx: IdContext, sel: Selection, opts: { withRaw?: boolean } = {}): Promise<AlertHistory[]> {
  const { topo } = ctx;
  const byId = new Map<string, AlertHistory>();
  const rawByMs = new Map<number, RawRecord[]>();
  const scanCtx: IdContext = { ...ctx, ...(sel.sinceMs !== undefined ? { sinceMs: sel.sinceMs } : {}) };
  await scanStream(scanCtx, topo.all, (m) => {
    const timeMs = Math.floor(m.info.timestampNanos / 1e6);
    if (m.subject === topo.subjects.raw) {
      if (opts.withRaw) {
        const list = rawByMs.get(timeMs) ?? [];
        list.push({ seq: m.seq, timeMs, data: m.data, headers: headersOf(m) });
        rawByMs.set(timeMs, list);
      }
      return;
    }
    let body: { alertId?: string };
    try { body = m.json(); } catch { return; }
    const alertId = body.alertId;
    if (typeof alertId !== "string") return;
    if (stageOfSubject(topo, m.subject) === "enriched") {
      if (byId.has(alertId)) return; // a redelivery's copy
      if (sel.untilMs !== undefined && timeMs > sel.untilMs) return;
      if (sel.alertIds && !sel.alertIds.has(alertId)) return;
      const e = body as EnrichedMessage;
      if (sel.query && !matchesQuery(e, sel.query)) return;
      byId.set(alertId, { alertId, enriched: e, enrichedAtMs: timeMs, investigated: null, decided: null, raw: null });
      return;
    }
    const h = byId.get(alertId);
    if (!h) return;
    if (m.subject === topo.subjects.investigated && !h.investigated) h.investigated = body as InvestigatedMessage;
    if (m.subject === topo.subjects.decided && !h.decided) h.decided = body as DecidedMessage;
  });
  const out = [...byId.values()];
  if (opts.withRaw) {
    for (const h of out) {
      const ms = Date.parse(h.enriched.timestamps.received);
      const candidates = rawByMs.get(ms) ?? [];
      h.raw = candidates.find((r) => {
        if (r.headers["Alert-Id"] === h.alertId) return true;
        const forced = AlertFormat.safeParse(r.headers["Alert-Format"]?.trim().toLowerCase());
        const n = normalizeAlert(r.data, { receivedAt: new Date(ms), ...(forced.success ? { format: forced.data } : {}) });
        return n.ok && alertIdFor(n.alert) === h.alertId;
      }) ?? (candidates.length === 1 ? candidates[0]! : null);
    }
  }
  return out;
}
