// The ids people see, resolved to the ids the commands act on. The terminal and the dashboard
// show vendor ids (SEC-2026-0101), alert ids (al-…), approval ids (APR-…), record ids (TKT-…,
// CLS-…, REV-…) and action ids (64 hex, or undo-<action id>); every command that takes an id
// accepts any of them and says which alert, approval or action it meant when it is not unique.
import { DeliverPolicy, type JetStreamClient, type JsMsg } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Topology } from "@secops/contracts";
import { getJson, listJson } from "../state/kv.js";
import { ApprovalRecord, LedgerEntry, ReviewRecord } from "../state/records.js";
import { isApprovalId, parseRecordId } from "../shared/ids.js";

/** Where each kind of id comes from, for help texts and errors. */
export const ID_SOURCES = {
  alert: "the alert id al-… (dashboard, `secops publish`, `secops audit`)",
  source: "the vendor's own alert id, e.g. SEC-2026-0101 (the id `npm run demo` prints; the alert's sourceId)",
  approval: "the approval id APR-… (printed by `npm start` as \"npx secops approve APR-…\", the dashboard's Pending approvals, GET /api/approvals)",
  record: "a ticket, closure or review id TKT-…, CLS-…, REV-… (the execution summary, GET /api/tickets, /api/closures, /api/reviews)",
  action: "the action id, 64 hex characters (execution.actionId on the dashboard and in `secops audit`)",
} as const;

export class IdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IdError";
  }
}

export type IdKind = "alert" | "approval" | "record" | "action" | "source";

export function classifyId(id: string): IdKind {
  if (/^al-[0-9a-f]{24}$/.test(id)) return "alert";
  if (isApprovalId(id)) return "approval";
  if (parseRecordId(id)) return "record";
  if (/^(undo-)?[0-9a-f]{64}(\.w\d+)?$/.test(id)) return "action";
  return "source";
}

export interface IdContext {
  nc: NatsConnection;
  js: JetStreamClient;
  topo: Topology;
  /** Only stream messages at or after this time (ms since the epoch) are read. */
  sinceMs?: number;
}

async function bucket(ctx: IdContext, name: string): Promise<KV | null> {
  try {
    return await new Kvm(ctx.nc).open(name);
  } catch {
    return null; // not provisioned yet: nothing to find there
  }
}

/**
 * Reads the stream from the start (or sinceMs) up to the last message there is now, on one
 * subject filter (nats-server 2.9 takes only one), and calls visit for each. It never waits for messages that do not exist.
 */
export async function scanStream(ctx: IdContext, subject: string, visit: (m: JsMsg) => void | Promise<void>, opts: { startMs?: number; stopAfterMs?: number } = {}): Promise<void> {
  const jsm = await ctx.js.jetstreamManager();
  const last = (await jsm.streams.info(ctx.topo.stream)).state.last_seq;
  if (last === 0) return;
  const startMs = Math.max(ctx.sinceMs ?? 0, opts.startMs ?? 0);
  const consumer = await ctx.js.consumers.get(ctx.topo.stream, startMs > 0
    ? { filter_subjects: subject, deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(startMs).toISOString() }
    : { filter_subjects: subject, deliver_policy: DeliverPolicy.All });
  // Filtered subjects may have nothing left after our start: ask how much is pending first.
  const info = await consumer.info();
  if (info.num_pending === 0) return;
  const messages = await consumer.consume();
  // A stream trimmed while we read could leave the last sequence unreachable: never hang.
  const guard = setTimeout(() => messages.stop(), 120_000);
  try {
    for await (const m of messages) {
      const ms = m.info.timestampNanos / 1e6;
      if (opts.stopAfterMs !== undefined && ms > opts.stopAfterMs) break;
      // The server's own start time is not enough: nats-server 2.9 starts at the beginning for
      // a time past 2262 (it overflows nanoseconds), so the time is checked here too.
      if (ms >= Math.floor(startMs)) await visit(m);
      if (m.seq >= last || m.info.pending === 0) break;
    }
  } finally {
    clearTimeout(guard);
    messages.stop();
  }
}

interface SourceMatch { alertId: string; title: string; format: string }

/** Alerts whose vendor id (alert.sourceId) is `sourceId`, from the enriched messages in the stream. */
export async function alertsBySourceId(ctx: IdContext, sourceId: string): Promise<SourceMatch[]> {
  const found = new Map<string, SourceMatch>();
  const visit = (m: JsMsg) => {
    try {
      const body = m.json<{ alertId?: string; alert?: { sourceId?: string | null; title?: string; format?: string } }>();
      if (body.alertId && body.alert?.sourceId === sourceId && !found.has(body.alertId)) {
        found.set(body.alertId, { alertId: body.alertId, title: body.alert.title ?? "", format: body.alert.format ?? "" });
      }
    } catch { /* not JSON */ }
  };
  // Every priority subject, then the single subject of releases before the split.
  await scanStream(ctx, ctx.topo.subjects.enrichedAll, visit);
  await scanStream(ctx, ctx.topo.subjects.enrichedLegacy, visit);
  return [...found.values()];
}

async function ledgerEntries(ctx: IdContext): Promise<LedgerEntry[]> {
  const kv = await bucket(ctx, ctx.topo.buckets.ledger);
  return kv ? (await listJson(kv, LedgerEntry)).map((e) => e.value) : [];
}

/** TKT-/CLS-/REV- ids lead back to the action that made the record (shared/ids.ts recordIdFor). */
async function actionForRecord(ctx: IdContext, id: string): Promise<LedgerEntry> {
  const r = parseRecordId(id);
  if (r && "unexecuted" in r) {
    throw new IdError(`${id} is a review of a decision the responder could not carry out: no action ran, so there is none to name or undo (the review names its alert: GET /api/reviews)`);
  }
  const window = (actionId: string) => Number(/\.w(\d+)$/.exec(actionId)?.[1] ?? 0);
  const hits = r ? (await ledgerEntries(ctx)).filter((e) => e.actionId.startsWith(r.actionPrefix) && window(e.actionId) === r.window) : [];
  if (hits.length === 0) throw new IdError(`no action made ${id} (looked in the action ledger ${ctx.topo.buckets.ledger})`);
  return hits[0]!;
}

/** The alert a record id is about: the alert of the action that made it, or of the review itself. */
async function alertForRecord(ctx: IdContext, id: string): Promise<string> {
  const r = parseRecordId(id);
  if (r && "unexecuted" in r) {
    const kv = await bucket(ctx, ctx.topo.buckets.reviews);
    const e = kv ? await getJson(kv, id.toUpperCase(), ReviewRecord) : null;
    if (!e) throw new IdError(`no review has the id ${id} (looked in ${ctx.topo.buckets.reviews})`);
    return e.value.alertId;
  }
  return (await actionForRecord(ctx, id)).alertId;
}

function ambiguous(id: string, what: string, options: string[]): IdError {
  return new IdError(`${id} names ${options.length} ${what}; give one of: ${options.join(", ")}`);
}

/** The alert ids an id names: one for al-, approval, record and action ids; any number for a vendor id. */
export async function alertIdsFor(ctx: IdContext, id: string): Promise<{ alertIds: string[]; via: IdKind }> {
  const kind = classifyId(id);
  switch (kind) {
    case "alert": return { alertIds: [id], via: kind };
    case "approval": {
      const kv = await bucket(ctx, ctx.topo.buckets.approvals);
      const e = kv ? await getJson(kv, id, ApprovalRecord) : null;
      if (!e) throw new IdError(`no approval has the id ${id}`);
      return { alertIds: [e.value.alertId], via: kind };
    }
    case "record": return { alertIds: [await alertForRecord(ctx, id)], via: kind };
    case "action": {
      const kv = await bucket(ctx, ctx.topo.buckets.ledger);
      const e = kv ? await getJson(kv, id, LedgerEntry) : null;
      if (!e) throw new IdError(`no action has the id ${id}`);
      return { alertIds: [e.value.alertId], via: kind };
    }
    case "source": {
      const hits = await alertsBySourceId(ctx, id);
      if (hits.length === 0) {
        throw new IdError(`no alert in stream ${ctx.topo.stream} has the id ${id}${ctx.sinceMs ? ` since ${new Date(ctx.sinceMs).toISOString()}` : ""} (accepted: ${Object.values(ID_SOURCES).join("; ")})`);
      }
      return { alertIds: hits.map((h) => h.alertId), via: kind };
    }
  }
}

async function oneAlert(ctx: IdContext, id: string, what: string): Promise<string> {
  if (classifyId(id) === "source") {
    const hits = await alertsBySourceId(ctx, id);
    if (hits.length === 0) throw new IdError(`no ${what} has the id ${id}, and no alert in stream ${ctx.topo.stream} has it as its vendor id`);
    if (hits.length > 1) throw ambiguous(id, "alerts", hits.map((h) => `${h.alertId} (${h.format}: ${h.title.slice(0, 40)})`));
    return hits[0]!.alertId;
  }
  const { alertIds } = await alertIdsFor(ctx, id);
  return alertIds[0]!;
}

/** The approval an id names: an APR- id as it is; for an alert, its one pending approval. */
export async function approvalIdFor(ctx: IdContext, id: string): Promise<string> {
  if (classifyId(id) === "approval") return id;
  const kv = await bucket(ctx, ctx.topo.buckets.approvals);
  const alertId = await oneAlert(ctx, id, "approval");
  const all = kv ? (await listJson(kv, ApprovalRecord)).map((e) => e.value).filter((r) => r.alertId === alertId) : [];
  const pending = all.filter((r) => r.status === "pending");
  if (pending.length === 1) return pending[0]!.id;
  if (pending.length > 1) throw ambiguous(id, "pending approvals", pending.map((r) => `${r.id} (${r.action})`));
  if (all.length > 0) throw new IdError(`alert ${alertId}${alertId === id ? "" : ` (${id})`} has no pending approval: ${all.map((r) => `${r.id} is ${r.status}`).join(", ")}`);
  throw new IdError(`alert ${alertId}${alertId === id ? "" : ` (${id})`} has no approval: its action ran without one, or it is still in the pipeline`);
}

/** The action an id names: an action id as it is; for a record, the action that made it; for an alert, its one undoable action. */
export async function actionIdForId(ctx: IdContext, id: string): Promise<string> {
  const kind = classifyId(id);
  if (kind === "action") return id;
  if (kind === "record") return (await actionForRecord(ctx, id)).actionId;
  const alertId = await oneAlert(ctx, id, "action");
  const mine = (await ledgerEntries(ctx)).filter((e) => e.alertId === alertId && e.mode !== "undo");
  const undoable = mine.filter((e) => e.state === "done" && e.mode !== "shadow" && e.compensation && !e.undone);
  if (undoable.length === 1) return undoable[0]!.actionId;
  if (undoable.length > 1) throw ambiguous(id, "actions", undoable.map((e) => `${e.actionId} (${e.action}${e.target ? ` ${e.target}` : ""})`));
  if (mine.length > 0) {
    throw new IdError(`alert ${alertId}${alertId === id ? "" : ` (${id})`} has nothing to undo: ${mine.map((e) => `${e.action} ${e.undone ? "already undone" : e.mode === "shadow" ? "ran in shadow mode" : e.state}`).join(", ")}`);
  }
  throw new IdError(`alert ${alertId}${alertId === id ? "" : ` (${id})`} has no executed action (an action another alert already took is that alert's to undo)`);
}
