/**
 * The replay engine: each recorded alert goes through the current stages in process (the same
 * pure handlers the agents run: normalize, enrich, investigate, decide), then through a
 * responder built for a replay namespace, which runs everything in shadow mode (guard.ts). The
 * live stream is only read; the live buckets and subjects are never written.
 */
import { AlertFormat, DecidedMessage, SchemaIds, type Decision, type EnrichedMessage, type InvestigatedMessage, type Topology, topology } from "@secops/contracts";
import type { JetStreamClient } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "../runtime/logger.js";
import type { LlmClient } from "../llm/client.js";
import { normalizeAlert } from "../enricher/normalize/index.js";
import { enrichIndicators } from "../enricher/enrich/index.js";
import type { EnrichmentSetup } from "../enricher/enrich/setup.js";
import { investigateAlert } from "../investigator/handler.js";
import { decideResponse } from "../decider/handler.js";
import type { Policy } from "../shared/policy.js";
import { createResponder } from "../responder/handler.js";
import type { AlertHistory } from "./history.js";
import { newReplayNamespace } from "../shared/replay-namespace.js";

export const FROM_STAGES = ["raw", "enriched", "investigated"] as const;
export type FromStage = (typeof FROM_STAGES)[number];

export interface DecisionView {
  action: string;
  target: string | null;
  mode: string;
  status: string;
  analyst: string;
  proposedBy: string;
  policyVersion: string;
  tainted: boolean;
  rules: string[];
}

export interface ReplayRow {
  alertId: string;
  sourceId: string | null;
  title: string;
  original: DecisionView | null;
  replayed: DecisionView | null;
  /** What the replay responder did with the replayed decision: always "shadow" (or an error). */
  execution: string | null;
  error: string | null;
  changed: boolean;
}

export function targetOf(d: Decision): string | null {
  const p = d.parameters;
  if (p.action === "BLOCK_IP") return p.ip;
  if (p.action === "ISOLATE_HOST") return p.host;
  return null;
}

export function viewOf(d: Decision, analyst: string): DecisionView {
  return {
    action: d.action, target: targetOf(d), mode: d.mode, status: d.status, analyst, proposedBy: d.proposedBy,
    policyVersion: d.policy.version, tainted: d.tainted, rules: d.policy.rules.filter((r) => r.effect !== "info").map((r) => r.rule),
  };
}

export interface ReplayOptions {
  policy: Policy;
  fromStage: FromStage;
  llm: LlmClient | null;
  enrichment: EnrichmentSetup;
  internalRanges: string[];
  log: Logger;
  nc: NatsConnection;
  js: JetStreamClient;
  onProgress?: (done: number, total: number) => void;
}

const producer = { agent: "secops-replay", version: "0.1.0", instance: "cli" };

async function restage(h: AlertHistory, o: ReplayOptions): Promise<InvestigatedMessage> {
  if (o.fromStage === "investigated") {
    if (!h.investigated) throw new Error("the stream holds no investigation for it (use --from-stage enriched)");
    return h.investigated;
  }
  let enriched: EnrichedMessage = h.enriched;
  if (o.fromStage === "raw") {
    if (!h.raw) throw new Error("its raw message is no longer in the stream (use --from-stage enriched)");
    const forced = AlertFormat.safeParse(h.raw.headers["Alert-Format"]?.trim().toLowerCase());
    const n = normalizeAlert(h.raw.data, { receivedAt: new Date(h.raw.timeMs), internalRanges: o.internalRanges, ...(forced.success ? { format: forced.data } : {}) });
    if (!n.ok) throw new Error(`the current normalizer refuses its raw message: ${n.error.reason}`);
    enriched = { ...h.enriched, producer, alert: n.alert, enrichment: await enrichIndicators(n.alert, { providers: o.enrichment.providers, assetRules: o.enrichment.assetRules }) };
  }
  const investigation = await investigateAlert(enriched, { llm: o.llm, log: o.log });
  return { ...enriched, schema: SchemaIds.investigated, producer, investigation, timestamps: { ...enriched.timestamps, investigated: new Date().toISOString() } };
}

function differs(a: DecisionView | null, b: DecisionView | null): boolean {
  if (!a || !b) return a !== b;
  return a.action !== b.action || a.target !== b.target || a.mode !== b.mode;
}

/** Replays the alerts; the replay namespace's buckets are deleted afterwards. */
export async function replayAlerts(history: AlertHistory[], o: ReplayOptions): Promise<{ rows: ReplayRow[]; namespace: string }> {
  const namespace = newReplayNamespace();
  const topo: Topology = topology(namespace);
  const responder = await createResponder({ nc: o.nc, js: o.js, topo, log: o.log, env: {}, policy: o.policy });
  const rows: ReplayRow[] = [];
  try {
    for (const [i, h] of history.entries()) {
      const od = h.decided?.decision ?? null;
      const original = od ? viewOf(od, h.decided!.investigation.analyst) : null;
      const base = { alertId: h.alertId, sourceId: h.enriched.alert.sourceId ?? null, title: h.enriched.alert.title, original };
      try {
        const investigated = await restage(h, o);
        const decidedAt = h.decided?.timestamps.decided;
        const decision = decideResponse(investigated, o.policy, decidedAt ? { now: new Date(decidedAt) } : {});
        const replayed = viewOf(decision, investigated.investigation.analyst);
        const msg: DecidedMessage = { ...investigated, schema: SchemaIds.decided, producer, decision, timestamps: { ...investigated.timestamps, decided: new Date().toISOString() } };
        const outcome = await responder.execute(DecidedMessage.parse(msg));
        const execution = outcome.kind === "executed" ? outcome.execution.status : "pending";
        rows.push({ ...base, replayed, execution, error: null, changed: differs(original, replayed) });
      } catch (e) {
        rows.push({ ...base, replayed: null, execution: null, error: (e as Error).message, changed: false });
      }
      o.onProgress?.(i + 1, history.length);
    }
  } finally {
    const kvm = new Kvm(o.nc);
    for (const name of Object.values(topo.buckets)) {
      await kvm.open(name).then((kv) => kv.destroy()).catch(() => undefined);
    }
  }
  return { rows, namespace };
}
