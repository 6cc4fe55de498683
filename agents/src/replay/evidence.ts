/**
 * The evidence of alerts, read back from stream ALERTS and the KV buckets: every stage message
 * (the raw message as published, normalized/enriched, investigation, decision, approval
 * outcomes, execution, dead letters), the KV records that mention the alert (approvals: who,
 * when, digest; the ledger: connector references, undo), and the full text of every policy
 * version its decisions name. `secops audit` prints it; `secops audit --export` and the
 * dashboard's /api/alerts/:id/export write it as a bundle with a sha256 manifest (bundle.ts).
 */
import { Kvm } from "@nats-io/kv";
import type { JsMsg } from "@nats-io/jetstream";
import { AlertFormat, stageOfSubject, type Topology } from "@secops/contracts";
import { scanStream, type IdContext } from "../cli/ids.js";
import { alertIdFor, normalizeAlert } from "../enricher/normalize/index.js";
import type { z } from "zod";
import { getJson } from "../state/kv.js";
import { ApprovalRecord, BlockRecord, ClosureRecord, IsolationRecord, LedgerEntry, ReviewRecord, SuppressionRecord, TicketRecord } from "../state/records.js";
import type { BundleFile } from "./bundle.js";
import { policyKey, policyVersionText, type PolicyVersionRecord } from "../state/policy-versions.js";

export interface Entry {
  seq: number;
  subject: string;
  time: string;
  summary: string;
  message: Record<string, unknown>;
  /** Set on raw entries, whose message carries no alert id: the alert it normalizes to. */
  alertId?: string;
}

/** The stage an entry's subject carries (every alerts.enriched.<severity> is "enriched"; reviews say so). */
function entryStage(topo: Topology, subject: string): string {
  if (subject === topo.subjects.enrichedReview) return "enriched-review";
  if (subject === topo.subjects.investigatedReview) return "investigated-review";
  return stageOfSubject(topo, subject) ?? subject.split(".").pop() ?? subject;
}

/** One line a person can read for each stage message. */
function summarize(topo: Topology, subject: string, m: Record<string, unknown>): string {
  const get = (path: string) => path.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), m);
  const stage = entryStage(topo, subject);
  switch (stage) {
    case "enriched-review": return `queued for the LLM to look at again (decided by rules because of the LLM backlog)`;
    case "investigated-review": return `LLM review of the backlog decision: ${get("investigation.verdict")} ${get("investigation.severity")} ${get("investigation.confidence")}`;
    case "enriched": return `${get("alert.format")}/${get("alert.category")} ${get("alert.severity")}: ${(get("alert.iocs") as unknown[] | undefined)?.length ?? 0} indicators`;
    case "investigated": return `${get("investigation.analyst")} analyst: ${get("investigation.verdict")} ${get("investigation.severity")} ${get("investigation.confidence")}`;
    case "decided": return `${get("decision.action")} ${get("decision.mode")} ${get("decision.status")}${get("decision.approval.approvers") ? ` approvers=${((get("decision.approval.approvers") as { by: string }[]) ?? []).map((a) => a.by).join("+") || "-"}` : ""}`;
    case "executed": return `${get("execution.action")} ${get("execution.status")} via ${get("execution.connector")}: ${get("execution.summary")}`;
    case "dlq": return `dead letter from ${get("stage")}: ${get("reason")}`;
    case "raw": return `raw alert as published (${get("bytes")} bytes${get("format") ? `, read as ${get("format")}` : ""})`;
    default: return stage ?? subject;
  }
}

const timeOf = (m: JsMsg) => new Date(Math.floor(m.info.timestampNanos / 1e6)).toISOString();

/** The stage messages and dead letters of the alerts, in stream order. */
export async function stageEntries(ctx: IdContext, topo: Topology, alertIds: Set<string>): Promise<Entry[]> {
  const entries: Entry[] = [];
  await scanStream(ctx, topo.all, (m) => {
    if (m.subject === topo.subjects.raw) return; // read by rawEntries, by their receive time
    try {
      const body = m.json<Record<string, unknown>>();
      const headerId = m.headers?.get("Alert-Id") || "";
      if (alertIds.has(String(body.alertId)) || alertIds.has(headerId)) {
        entries.push({ seq: m.seq, subject: m.subject, time: timeOf(m), summary: summarize(topo, m.subject, body), message: body });
      }
    } catch { /* not JSON: not a stage message */ }
  });
  return entries;
}

/**
 * The raw messages the alerts came from. The enricher stamps each alert with the time its raw
 * message reached the stream (timestamps.received), so only the raw messages of that
 * millisecond are read, and each is normalized again to check it is the same alert.
 */
export async function rawEntries(ctx: IdContext, topo: Topology, alertIds: Set<string>, received: Set<string>): Promise<Entry[]> {
  const entries: Entry[] = [];
  const seen = new Set<number>();
  for (const iso of received) {
    const ms = Date.parse(iso);
    if (!Number.isFinite(ms)) continue;
    await scanStream(ctx, topo.subjects.raw, (m) => {
      if (seen.has(m.seq) || Math.floor(m.info.timestampNanos / 1e6) !== ms) return;
      const headerId = m.headers?.get("Alert-Id") || "";
      const forced = AlertFormat.safeParse(m.headers?.get("Alert-Format")?.trim().toLowerCase());
      const r = normalizeAlert(m.data, { receivedAt: new Date(ms), ...(forced.success ? { format: forced.data } : {}) });
      if (!alertIds.has(headerId) && !(r.ok && alertIds.has(alertIdFor(r.alert)))) return;
      seen.add(m.seq);
      let body: unknown;
      try { body = m.json(); } catch { body = m.string(); }
      const message = { bytes: m.data.length, format: r.ok ? r.alert.format : null, headers: Object.fromEntries([...(m.headers ?? [])].map(([k, v]) => [k, v[0]])), body };
      entries.push({ seq: m.seq, subject: m.subject, time: timeOf(m), summary: summarize(topo, m.subject, message), message, alertId: alertIds.has(headerId) || !r.ok ? headerId : alertIdFor(r.alert) });
    }, { startMs: ms, stopAfterMs: ms + 1 });
  }
  return entries;
}


/** Stage and raw entries of the alerts, in stream order. */
export async function auditEntries(ctx: IdContext, alertIds: Set<string>): Promise<Entry[]> {
  const stages = await stageEntries(ctx, ctx.topo, alertIds);
  const received = new Set(stages.map((e) => (e.message.timestamps as { received?: string } | undefined)?.received).filter((t): t is string => typeof t === "string"));
  return [...(await rawEntries(ctx, ctx.topo, alertIds, received)), ...stages].sort((a, b) => a.seq - b.seq);
}

const alertIdOfEntry = (e: Entry): string | null => {
  if (e.alertId) return e.alertId;
  const m = e.message as { alertId?: unknown; headers?: Record<string, string> };
  return typeof m.alertId === "string" ? m.alertId : (m.headers?.["Alert-Id"] ?? null);
};

/** The policy versions the decisions among the entries name, with their recorded text (null: never recorded). */
export async function policiesOf(ctx: IdContext, entries: Entry[]): Promise<Record<string, (PolicyVersionRecord & { matchesVersion: boolean }) | null>> {
  const versions = new Set<string>();
  for (const e of entries) {
    const v = (e.message as { decision?: { policy?: { version?: unknown } } }).decision?.policy?.version;
    if (typeof v === "string") versions.add(v);
  }
  const out: Record<string, (PolicyVersionRecord & { matchesVersion: boolean }) | null> = {};
  for (const v of [...versions].sort()) out[v] = await policyVersionText(ctx.nc, ctx.topo, v);
  return out;
}

/** Every record of the responder's buckets whose value names one of the alerts. */
export async function kvStateOf(ctx: IdContext, alertIds: Set<string>): Promise<{ bucket: string; key: string; revision: number; value: unknown }[]> {
  const b = ctx.topo.buckets;
  const out: { bucket: string; key: string; revision: number; value: unknown }[] = [];
  // Each bucket's records are read through their schema (state/records.ts): a malformed record is an error naming it.
  const schemas: [string, z.ZodType<unknown>][] = [
    [b.approvals, ApprovalRecord], [b.ledger, LedgerEntry], [b.tickets, TicketRecord], [b.blocklist, BlockRecord],
    [b.isolations, IsolationRecord], [b.closures, ClosureRecord], [b.reviews, ReviewRecord], [b.suppressions, SuppressionRecord],
  ];
  for (const [name, schema] of schemas) {
    const kv = await new Kvm(ctx.nc).open(name).catch(() => null);
    if (!kv) continue;
    const keys: string[] = [];
    for await (const k of await kv.keys()) keys.push(k);
    for (const key of keys.sort()) {
      const e = await getJson(kv, key, schema);
      if (!e) continue;
      const text = JSON.stringify(e.value);
      if (![...alertIds].some((id) => text.includes(id))) continue;
      out.push({ bucket: name, key, revision: e.revision, value: e.value });
    }
  }
  return out;
}

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

/** The files of an evidence bundle for the alerts (see bundle.ts for the manifest). */
export async function evidenceFiles(ctx: IdContext, alertIds: Set<string>): Promise<{ files: BundleFile[]; entries: number; policies: Record<string, PolicyVersionRecord | null> }> {
  const entries = await auditEntries(ctx, alertIds);
  const files: BundleFile[] = [];
  for (const e of entries) {
    const id = alertIdOfEntry(e) ?? "unattributed";
    const stage = entryStage(ctx.topo, e.subject);
    files.push({ path: `alerts/${id}/${String(e.seq).padStart(10, "0")}-${stage}.json`, content: json(e) });
  }
  for (const r of await kvStateOf(ctx, alertIds)) {
    const owner = [...alertIds].find((id) => JSON.stringify(r.value).includes(id)) ?? "unattributed";
    files.push({ path: `alerts/${owner}/kv/${r.bucket}/${r.key}.json`, content: json(r) });
  }
  const policies = await policiesOf(ctx, entries);
  for (const [version, record] of Object.entries(policies)) {
    files.push({ path: `policies/${policyKey(version)}.json`, content: json(record ?? { version, text: null, note: `policy version ${version} was never recorded in ${ctx.topo.buckets.policies} (a decision older than the bucket)` }) });
  }
  return { files, entries: entries.length, policies };
}

