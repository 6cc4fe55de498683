// Idempotent provisioning of the stream, the per-stage durable consumers and the KV buckets.
// Everything is read back after it is created or updated, and a mismatch fails loudly:
// nats-server 2.9 ignores fields it does not know instead of refusing them (tech.md §A.9).
import {
  AckPolicy, DeliverPolicy, DiscardPolicy, JetStreamApiError, RetentionPolicy, StorageType, ReplayPolicy,
  type ConsumerConfig, type JetStreamManager, type StreamConfig,
} from "@nats-io/jetstream";
import { nanos, type NatsConnection } from "@nats-io/transport-node";
import { Kvm, type KV } from "@nats-io/kv";
import type { Topology } from "@secops/contracts";
import type { NatsConfig } from "./config.js";

export type AgentName = "enricher" | "investigator" | "decider" | "responder";

export class ProvisioningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProvisioningError";
  }
}

export function streamConfig(topo: Topology, cfg: NatsConfig): Partial<StreamConfig> & { name: string } {
  return {
    name: topo.stream,
    subjects: [topo.all],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(cfg.STREAM_MAX_AGE_DAYS * 24 * 3600 * 1000),
    max_bytes: cfg.STREAM_MAX_BYTES,
    duplicate_window: nanos(Math.min(cfg.STREAM_DUPLICATE_WINDOW_SECONDS ?? duplicateWindowSeconds(), cfg.STREAM_MAX_AGE_DAYS * 24 * 3600) * 1000),
    num_replicas: cfg.STREAM_REPLICAS,
    allow_direct: true,
  };
}

/**
 * Per-stage delivery policy. Retries are delayed by the agent with nak(delay), not by the
 * consumer's `backoff`: on nats-server 2.9.10 a consumer with backoff ignores the nak delay of
 * a message that was already redelivered once (seen in agents/test/runtime), and it also
 * overwrites ack_wait with backoff[0]. `ackWaitSeconds` is how long a silent replica keeps a
 * message before another gets it; busy handlers send progress signals well inside it.
 */
export const STAGE_POLICY: Record<AgentName, { maxAckPending: number; maxDeliver: number; ackWaitSeconds: number; retryDelaysSeconds: number[]; defaultConcurrency: number; stageTimeoutSeconds: number }> = {
  enricher: { maxAckPending: 256, maxDeliver: 5, ackWaitSeconds: 30, retryDelaysSeconds: [1, 5, 15, 30], defaultConcurrency: 16, stageTimeoutSeconds: 120 },
  // The investigator's timeout outlasts an LLM call with its retries and one repair.
  investigator: { maxAckPending: 64, maxDeliver: 5, ackWaitSeconds: 60, retryDelaysSeconds: [5, 15, 60, 120], defaultConcurrency: 16, stageTimeoutSeconds: 900 },
  decider: { maxAckPending: 256, maxDeliver: 5, ackWaitSeconds: 30, retryDelaysSeconds: [1, 5, 15, 30], defaultConcurrency: 16, stageTimeoutSeconds: 120 },
  // The responder's outlasts its connectors' calls and the ledger's recording retries. Its work is KV round
  // trips (ledger claim, effect record, outcome), not CPU: 16 at once hide their latency.
  responder: { maxAckPending: 64, maxDeliver: 6, ackWaitSeconds: 60, retryDelaysSeconds: [2, 10, 30, 60, 120], defaultConcurrency: 16, stageTimeoutSeconds: 300 },
};

/**
 * Seconds from a stage's first delivery of a message until its last possible re-publish: every
 * delivery's ack wait plus every retry delay (the runtime's backoff ladder).
 */
export function worstCaseSeconds(agent: AgentName): number {
  const p = STAGE_POLICY[agent];
  return p.maxDeliver * p.ackWaitSeconds + p.retryDelaysSeconds.reduce((a, b) => a + b, 0);
}

/**
 * The publish de-duplication window: the slowest stage's worst case plus the LLM's time (the
 * investigator's stage timeout), so a redelivered message's output is always recognised as a
 * repeat and a second, different investigation never goes out under the same id.
 */
export function duplicateWindowSeconds(): number {
  return Math.max(...(Object.keys(STAGE_POLICY) as AgentName[]).map(worstCaseSeconds)) + STAGE_POLICY.investigator.stageTimeoutSeconds;
}

/** What each stage reads: one subject and durable, or for the investigator one per priority, highest first, and its reviews. */
export function stageInputs(agent: AgentName, topo: Topology): { subject: string; durable: string }[] {
  switch (agent) {
    case "enricher": return [{ subject: topo.subjects.raw, durable: topo.durables.enricher }];
    // Every priority, highest first, then the backlog reviews (LLM_BACKLOG_REVIEW) after all of them.
    case "investigator": return [...topo.priorities.map((p) => ({ subject: p.subject, durable: p.durable })), topo.review];
    case "decider": return [{ subject: topo.subjects.investigated, durable: topo.durables.decider }];
    case "responder": return [{ subject: topo.subjects.decided, durable: topo.durables.responder }];
  }
}

/** The durable consumers of a stage (one per input; the investigator's replicas share all of them). */
export function consumerConfigs(agent: AgentName, topo: Topology): (Partial<ConsumerConfig> & { durable_name: string })[] {
  const p = STAGE_POLICY[agent];
  return stageInputs(agent, topo).map(({ subject, durable }) => ({
    durable_name: durable,
    description: `${agent}: ${subject} work`,
    filter_subject: subject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
    ack_wait: nanos(p.ackWaitSeconds * 1000),
    max_deliver: p.maxDeliver,
    max_ack_pending: p.maxAckPending,
  }));
}

function isNotFound(e: unknown): boolean {
  return e instanceof JetStreamApiError && (e.code === 10059 || e.code === 10014);
}

function mismatches(expected: Record<string, unknown>, actual: Record<string, unknown>, fields: string[]): string[] {
  const out: string[] = [];
  for (const f of fields) {
    const a = JSON.stringify(actual[f] ?? null);
    const e = JSON.stringify(expected[f] ?? null);
    if (a !== e) out.push(`${f}: expected ${e}, server has ${a}`);
  }
  return out;
}

export async function provisionStream(jsm: JetStreamManager, topo: Topology, cfg: NatsConfig): Promise<void> {
  const want = streamConfig(topo, cfg);
  let exists = true;
  try {
    const info = await jsm.streams.info(topo.stream);
    if (info.config.retention !== RetentionPolicy.Limits) {
      throw new ProvisioningError(
        `stream ${topo.stream} exists with retention "${info.config.retention}"; the pipeline needs "limits" (work-queue retention deletes what audits and the dashboard need). Delete or rename the stream.`,
      );
    }
  } catch (e) {
    if (!isNotFound(e)) throw e;
    exists = false;
  }
  try {
    if (exists) await jsm.streams.update(topo.stream, want);
    else await jsm.streams.add(want);
  } catch (e) {
    // Replicas may race: another one created the stream between our info and add.
    if (!exists && e instanceof JetStreamApiError && /already in use/.test(e.message)) await jsm.streams.update(topo.stream, want);
    else throw new ProvisioningError(`cannot provision stream ${topo.stream}: ${(e as Error).message}`);
  }
  const got = (await jsm.streams.info(topo.stream)).config as unknown as Record<string, unknown>;
  const bad = mismatches(want as Record<string, unknown>, got, ["subjects", "retention", "storage", "max_age", "duplicate_window", "num_replicas", "max_bytes"]);
  if (bad.length) throw new ProvisioningError(`stream ${topo.stream} does not have the configuration the pipeline needs: ${bad.join("; ")}`);
}

/** Every durable of the stage (the investigator's four priorities), each read back. */
export async function provisionConsumer(jsm: JetStreamManager, topo: Topology, agent: AgentName): Promise<void> {
  for (const want of consumerConfigs(agent, topo)) await provisionOneConsumer(jsm, topo, want);
}

async function provisionOneConsumer(jsm: JetStreamManager, topo: Topology, want: Partial<ConsumerConfig> & { durable_name: string }): Promise<void> {
  try {
    await jsm.consumers.add(topo.stream, want);
  } catch (e) {
    throw new ProvisioningError(`cannot provision consumer ${want.durable_name} on ${topo.stream}: ${(e as Error).message}`);
  }
  const got = (await jsm.consumers.info(topo.stream, want.durable_name)).config as unknown as Record<string, unknown>;
  const bad = mismatches(want as Record<string, unknown>, got, ["filter_subject", "ack_policy", "deliver_policy", "max_deliver", "max_ack_pending", "ack_wait"]);
  if (bad.length) throw new ProvisioningError(`consumer ${want.durable_name} does not have the configuration the pipeline needs: ${bad.join("; ")}`);
}

/** Buckets: the enrichment cache expires entries; the others keep history for audits. */
export function bucketOptions(topo: Topology): Record<string, { history: number; ttl?: number; description: string }> {
  const b = topo.buckets;
  return {
    [b.enrichmentCache]: { history: 1, ttl: 24 * 3600 * 1000, description: "enrichment results per indicator" },
    [b.tickets]: { history: 10, description: "tickets created by CREATE_TICKET" },
    [b.blocklist]: { history: 10, description: "blocked IPs with their expiry" },
    [b.isolations]: { history: 10, description: "isolated hosts" },
    [b.closures]: { history: 10, description: "alerts closed as false positives" },
    [b.reviews]: { history: 10, description: "manual review queue" },
    [b.approvals]: { history: 10, description: "pending and decided approvals" },
    [b.ledger]: { history: 5, description: "action ledger: one key per effect, claimed before acting" },
    [b.suppressions]: { history: 10, description: "suppression rules fed by false-positive closures" },
    [b.trust]: { history: 10, description: "kill switch, containment-limit windows, security events (agents/src/trust)" },
    [b.investigationReuse]: { history: 1, ttl: 24 * 3600 * 1000, description: "first LLM investigation per alert fingerprint, reused for duplicates" },
    [b.policies]: { history: 1, description: "the full text of every policy version a decider loaded, keyed by version" },
  };
}

export async function openBucket(nc: NatsConnection, name: string, opts: { history?: number; ttl?: number } = {}): Promise<KV> {
  return new Kvm(nc).create(name, { history: opts.history ?? 1, ...(opts.ttl ? { ttl: opts.ttl } : {}) });
}

export async function provisionBuckets(nc: NatsConnection, topo: Topology, cfg: NatsConfig): Promise<void> {
  for (const [name, o] of Object.entries(bucketOptions(topo))) {
    try {
      await new Kvm(nc).create(name, { history: o.history, ...(o.ttl ? { ttl: o.ttl } : {}), replicas: cfg.STREAM_REPLICAS });
    } catch (e) {
      throw new ProvisioningError(`cannot provision KV bucket ${name}: ${(e as Error).message}`);
    }
  }
}

/** Stream, every stage consumer and every bucket. Safe to run from many processes at once. */
export async function provisionAll(nc: NatsConnection, jsm: JetStreamManager, topo: Topology, cfg: NatsConfig): Promise<void> {
  await provisionStream(jsm, topo, cfg);
  for (const agent of Object.keys(STAGE_POLICY) as AgentName[]) await provisionConsumer(jsm, topo, agent);
  await provisionBuckets(nc, topo, cfg);
}
