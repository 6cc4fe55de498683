// What happened, read back from the stream and the KV buckets after a run (never from live
// subscriptions, which miss what arrived while a client was disconnected): every alert published
// is accounted for, every effect is counted in the buckets' own history and in the external
// effect log the block command wrote, and every consumer is checked for work left behind.
import { readFileSync, existsSync } from "node:fs";
import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { allStageDurables, type Topology } from "@secops/contracts";

export interface ChaosFigures {
  published: number;
  /** Alerts with a final outcome: executed, waiting for a person, or dead-lettered. */
  accountedFor: number;
  lost: number;
  lostIds: string[];
  executed: number;
  awaitingApproval: number;
  deadLettered: number;
  /** Effects applied more than once: KV puts of one action id per blocked IP / isolated host, and block-command runs per action id. */
  doubleEffects: number;
  doubleDetails: string[];
  /** Alerts whose final record says failed. */
  failed: number;
  failedReasons: Record<string, number>;
  /** Failed on record, yet the effect is in place (no undo will be offered for it). */
  failedButApplied: number;
  /** Consumers with work pending or unacknowledged after the drain, or missing. */
  stuckConsumers: string[];
  outcomes: Record<string, number>;
}

interface StreamMsg { subject: string; data: Uint8Array; headers: { get(k: string): string } | undefined }

/** Reads every message of a stream (or a subject filter of it) up to its last sequence now. */
export async function readStream(js: JetStreamClient, jsm: JetStreamManager, stream: string, filter: string, each: (m: StreamMsg) => void): Promise<void> {
  const last = (await jsm.streams.info(stream)).state.last_seq;
  if (last === 0) return;
  const consumer = await js.consumers.get(stream, { filter_subjects: filter, deliver_policy: DeliverPolicy.All });
  // A filtered read may end before `last` (the last message may be on another subject): stop
  // once the consumer has nothing pending.
  for (;;) {
    const batch = await consumer.fetch({ max_messages: 1000, expires: 2_000 });
    let n = 0;
    let lastSeen = 0;
    for await (const m of batch) {
      n++;
      lastSeen = m.seq;
      each({ subject: m.subject, data: m.data, headers: m.headers as StreamMsg["headers"] });
    }
    if (n === 0 || lastSeen >= last) break;
    const info = await consumer.info(true).catch(() => null);
    if (info && info.num_pending === 0) break;
  }
}

export async function readBack(opts: {
  js: JetStreamClient; jsm: JetStreamManager; topo: Topology; sourceIds: Set<string>; effectLog: string;
}): Promise<ChaosFigures> {
  const { js, jsm, topo } = opts;
  const dec = new TextDecoder();
  const executedBy = new Map<string, { status: string; action: string; target: string | null; reason: string }[]>();
  const awaiting = new Set<string>();
  const dlq = new Set<string>();
  const sourceOf = new Map<string, string>();
  await readStream(js, jsm, topo.stream, topo.all, (m) => {
    if (m.subject === topo.subjects.raw) return;
    let body: Record<string, unknown>;
    try { body = JSON.parse(dec.decode(m.data)) as Record<string, unknown>; } catch { return; }
    const alertId = typeof body.alertId === "string" ? body.alertId : null;
    const alert = body.alert as { sourceId?: string } | undefined;
    if (alertId && alert?.sourceId) sourceOf.set(alertId, alert.sourceId);
    if (m.subject === topo.subjects.executed && alertId) {
      const e = body.execution as { status: string; action: string; target?: string | null; summary?: string; error?: string | null };
      const list = executedBy.get(alertId) ?? [];
      list.push({ status: e.status, action: e.action, target: e.target ?? null, reason: String(e.error ?? e.summary ?? "") });
      executedBy.set(alertId, list);
    } else if (m.subject === topo.subjects.decided && alertId) {
      const d = body.decision as { status?: string };
      if (d?.status === "awaiting_approval") awaiting.add(alertId);
    } else if (m.subject === topo.subjects.dlq) {
      if (alertId) dlq.add(alertId);
      const orig = body.original as { data?: string; encoding?: string } | undefined;
      if (orig?.encoding === "utf8" && orig.data) {
        try {
          const o = JSON.parse(orig.data) as { alert_id?: string; alert?: { sourceId?: string } };
          const sid = o.alert?.sourceId ?? o.alert_id;
          if (sid) dlq.add(sid);
        } catch { /* a truncated or non-JSON original */ }
      }
    }
  });

  const doneSources = new Set<string>();
  const outcomes: Record<string, number> = {};
  const failedReasons: Record<string, number> = {};
  const failedTargets: string[] = [];
  let failed = 0;
  for (const [alertId, list] of executedBy) {
    const sid = sourceOf.get(alertId);
    if (sid) doneSources.add(sid);
    // The last record is the alert's final state (a retry after a failure writes a new one).
    const final = list.find((e) => e.status !== "failed") ?? list[list.length - 1]!;
    outcomes[final.status] = (outcomes[final.status] ?? 0) + 1;
    if (final.status === "failed") {
      failed++;
      const reason = final.reason.replace(/[0-9a-f]{8,}/g, "…").slice(0, 80);
      failedReasons[reason] = (failedReasons[reason] ?? 0) + 1;
      if (final.target) failedTargets.push(final.target);
    }
  }
  for (const a of awaiting) { const sid = sourceOf.get(a); if (sid) doneSources.add(sid); }
  for (const d of dlq) { const sid = sourceOf.get(d) ?? d; doneSources.add(sid); }
  const lostIds = [...opts.sourceIds].filter((s) => !doneSources.has(s));

  // Effects, from the buckets' own history: one action id's blocklist entry or isolation put more
  // than once was applied more than once. (Two alerts of different activities may block the same
  // address: those are two effects, each with its own action id.)
  const puts = new Map<string, number>();
  const touched = new Set<string>();
  for (const bucket of [topo.buckets.blocklist, topo.buckets.isolations]) {
    await readStream(js, jsm, `KV_${bucket}`, `$KV.${bucket}.>`, (m) => {
      const op = m.headers?.get("KV-Operation") ?? "";
      if (op === "DEL" || op === "PURGE") return;
      const kind = bucket === topo.buckets.blocklist ? "blocklist" : "isolations";
      const key = m.subject.slice(`$KV.${bucket}.`.length);
      touched.add(`${kind}:${key}`);
      let actionId = "?";
      try { actionId = String((JSON.parse(dec.decode(m.data)) as { actionId?: unknown }).actionId ?? "?"); } catch { /* not JSON: count by key */ }
      const k = `${kind}:${key} by ${actionId.slice(0, 16)}`;
      puts.set(k, (puts.get(k) ?? 0) + 1);
    }).catch(() => undefined);
  }
  const runs = new Map<string, number>();
  const ranFor = new Set<string>();
  if (existsSync(opts.effectLog)) {
    for (const line of readFileSync(opts.effectLog, "utf8").split("\n").filter(Boolean)) {
      const [actionId, ip] = line.split(" ");
      ranFor.add(ip ?? "");
      const k = `${ip} by ${String(actionId).slice(0, 16)}`;
      runs.set(k, (runs.get(k) ?? 0) + 1);
    }
  }
  const doubleDetails = [
    ...[...puts].filter(([, n]) => n > 1).map(([k, n]) => `${k} written ${n} times`),
    ...[...runs].filter(([, n]) => n > 1).map(([k, n]) => `block command ran ${n} times for ${k}`),
  ];
  const applied = (t: string) => touched.has(`blocklist:${t.replace(/:/g, "_")}`) || touched.has(`isolations:${t}`) || ranFor.has(t);
  const failedButApplied = failedTargets.filter(applied).length;

  const stuckConsumers: string[] = [];
  for (const durable of allStageDurables(topo)) {
    const info = await jsm.consumers.info(topo.stream, durable).catch(() => null);
    if (!info) stuckConsumers.push(`${durable}: missing`);
    else if (info.num_pending + info.num_ack_pending > 0) stuckConsumers.push(`${durable}: ${info.num_pending} pending, ${info.num_ack_pending} unacknowledged`);
  }

  return {
    published: opts.sourceIds.size,
    accountedFor: opts.sourceIds.size - lostIds.length,
    lost: lostIds.length,
    lostIds: lostIds.slice(0, 20),
    executed: executedBy.size,
    awaitingApproval: awaiting.size,
    deadLettered: dlq.size,
    doubleEffects: doubleDetails.length,
    doubleDetails: doubleDetails.slice(0, 20),
    failed,
    failedReasons,
    failedButApplied,
    stuckConsumers,
    outcomes,
  };
}
