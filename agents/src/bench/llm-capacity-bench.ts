// The LLM scheduling figures: investigations through the real client (prompt, adaptive
// concurrency, retries) against the bench's FAKE LLM given a real capacity: K slots answering in
// L ms, 429 beyond K (or a queue, as a single-slot LM Studio). Each investigator replica is its
// own client with its own adaptive limit, run with the investigator's stage concurrency; NATS is
// not involved, so the figure is the LLM scheduling alone. Target: at least 90% of min(K, demand)/L.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { pino } from "pino";
import { DEFAULT_TOPOLOGY, SchemaIds, type EnrichedMessage, type Producer } from "@secops/contracts";
import { alertIdFor, normalizeAlert } from "../enricher/normalize/index.js";
import { enrichIndicators } from "../enricher/enrich/index.js";
import { enrichmentSetup } from "../enricher/enrich/setup.js";
import { sha256Hex } from "../shared/hash.js";
import { duplicateReuse } from "../investigator/duplicate-reuse.js";
import { investigateAlert } from "../investigator/handler.js";
import { natsServerBinary, startLocalNats } from "../start/local-nats.js";
import { localNatsAuth } from "../trust/local-credentials.js";
import { createLlmClient } from "../llm/client.js";
import { llmEnv, parseEnv } from "../runtime/config.js";
import { newTraceId } from "../runtime/trace.js";
import type { CorpusItem } from "./corpus.js";
import { startBenchFakeLlm } from "./fake-llm.js";

export interface CapacityScenario {
  name: string;
  slots: number;
  overflow: "reject" | "queue";
  delayMs: number;
  replicas: number;
  /** Investigations each replica runs at once (its stage concurrency). */
  stageConcurrency: number;
  /** LLM_CONCURRENCY_MAX per replica. */
  maxPerReplica: number;
  /** A fixed limit (LLM_CONCURRENCY = MIN = MAX = maxPerReplica) instead of the adaptive one, for comparison. */
  fixed?: boolean;
  alerts: number;
}

export interface CapacityResult extends CapacityScenario {
  durationMs: number;
  investigationsPerSecond: number;
  /** min(K, replicas × min(stage concurrency, max)) / L: what the server and the replicas can carry. */
  ceilingPerSecond: number;
  ratio: number;
  llmAnalysed: number;
  fallbacks: number;
  rejected429: number;
  peakServerInFlight: number;
  /** Per replica: the limit at the end, and the lowest and highest it set. */
  limits: { final: number; lowest: number; highest: number }[];
}

const PRODUCER: Producer = { agent: "secops-bench", version: "0.1.0", instance: "bench" };

export async function enrichedCorpus(corpus: readonly CorpusItem[]): Promise<EnrichedMessage[]> {
  const { providers, assetRules } = enrichmentSetup({});
  const out: EnrichedMessage[] = [];
  for (const c of corpus) {
    const r = normalizeAlert(c.text);
    if (!r.ok) continue;
    const now = new Date().toISOString();
    out.push({
      schema: SchemaIds.enriched, alertId: alertIdFor(r.alert), traceId: newTraceId(), producer: PRODUCER,
      timestamps: { received: now, enriched: now }, alert: r.alert, enrichment: await enrichIndicators(r.alert, { providers, assetRules }),
    });
  }
  return out;
}

export async function benchCapacity(s: CapacityScenario, alerts: readonly EnrichedMessage[]): Promise<CapacityResult> {
  if (alerts.length === 0) throw new Error("no alerts to investigate: the corpus gave none that normalize");
  const fake = await startBenchFakeLlm({ delayMs: s.delayMs, slots: s.slots, overflow: s.overflow });
  const log = pino({ level: "silent" });
  try {
    const clients = Array.from({ length: s.replicas }, () => createLlmClient(parseEnv(llmEnv, {
      LLM_API_URL: fake.url, LLM_TIMEOUT_SECONDS: "30", LLM_MAX_RETRIES: "8",
      LLM_CONCURRENCY: s.fixed ? String(s.maxPerReplica) : "1", LLM_CONCURRENCY_MIN: s.fixed ? String(s.maxPerReplica) : "1", LLM_CONCURRENCY_MAX: String(s.maxPerReplica),
    }), log));
    let next = 0;
    let llmAnalysed = 0;
    let fallbacks = 0;
    const started = performance.now();
    await Promise.all(clients.flatMap((llm) => Array.from({ length: s.stageConcurrency }, async () => {
      while (next < s.alerts) {
        const msg = alerts[next++ % alerts.length]!;
        const inv = await investigateAlert(msg, { llm, log });
        if (inv.analyst === "llm") llmAnalysed++;
        else fallbacks++;
      }
    })));
    const durationMs = performance.now() - started;
    const perSecond = (s.alerts / durationMs) * 1000;
    const ceiling = (Math.min(s.slots, s.replicas * Math.min(s.stageConcurrency, s.maxPerReplica)) / s.delayMs) * 1000;
    return {
      ...s, durationMs, investigationsPerSecond: perSecond, ceilingPerSecond: ceiling, ratio: perSecond / ceiling,
      llmAnalysed, fallbacks, rejected429: fake.rejected, peakServerInFlight: fake.peakInFlight,
      limits: clients.map((c) => { const st = c.concurrency(); return { final: st.limit, lowest: st.lowest, highest: st.highest }; }),
    };
  } finally {
    await fake.close();
  }
}

/** The default scenarios: one server of K slots with one replica, a single-slot queueing server, and replicas 1-3 against a big server. */
export function capacityScenarios(delayMs: number, seconds = 5): CapacityScenario[] {
  const n = (ceilingPerSecond: number) => Math.max(10, Math.round(ceilingPerSecond * seconds));
  const perS = (k: number) => (k / delayMs) * 1000;
  return [
    { name: "K=8, fixed at 8 (the ideal, for comparison)", slots: 8, overflow: "reject", delayMs, replicas: 1, stageConcurrency: 16, maxPerReplica: 8, fixed: true, alerts: n(perS(8)) },
    { name: "K=8 (429 beyond), 1 replica", slots: 8, overflow: "reject", delayMs, replicas: 1, stageConcurrency: 16, maxPerReplica: 16, alerts: n(perS(8)) },
    { name: "K=1 (queues), 1 replica", slots: 1, overflow: "queue", delayMs, replicas: 1, stageConcurrency: 16, maxPerReplica: 16, alerts: n(perS(1)) },
    ...[1, 2, 3].map((r): CapacityScenario => ({ name: `K=64, ${r} replica${r > 1 ? "s" : ""} × 4`, slots: 64, overflow: "reject", delayMs, replicas: r, stageConcurrency: 4, maxPerReplica: 16, alerts: n(perS(4 * r)) })),
  ];
}

export interface DuplicateBurstResult {
  alerts: number;
  unique: number;
  llmCalls: number;
  promptTokens: number;
  callsPerAlert: number;
  promptTokensPerAlert: number;
  reused: number;
  /** The same burst with reuse off, for comparison. */
  withoutReuse: { llmCalls: number; promptTokensPerAlert: number };
}

/**
 * A burst with 50% duplicates through the investigator handler with the shared reuse bucket on a
 * private nats-server, then the same burst without reuse. The duplicates follow the unique
 * alerts in a shuffled order, as a flapping detection re-fires after its first alert.
 */
export async function benchDuplicates(alerts: readonly EnrichedMessage[], total: number, stageConcurrency = 16): Promise<DuplicateBurstResult> {
  const bin = natsServerBinary(process.env);
  if (!bin) throw new Error("nats-server is not installed: the duplicate burst needs it for the reuse bucket");
  const unique = Math.ceil(total / 2);
  const originals = Array.from({ length: unique }, (_, k) => {
    const m = alerts[k % alerts.length]!;
    return { ...m, alertId: `DUP-${k}-a`, alert: { ...m.alert, fingerprint: sha256Hex(`${k}:${m.alert.fingerprint}`) } };
  });
  const dups = originals.slice(0, total - unique).map((m, k) => ({ ...m, alertId: `DUP-${k}-b` }));
  for (let i = dups.length - 1; i > 0; i--) { const j = (i * 7919) % (i + 1); [dups[i], dups[j]] = [dups[j]!, dups[i]!]; }
  const burst = [...originals, ...dups];
  const dir = mkdtempSync(join(tmpdir(), "secops-bench-dup-"));
  const nats = await startLocalNats(bin, dir, 0);
  // The local server has authentication on: the investigator's own generated user, which may write the reuse bucket.
  const nc = await connect({ servers: nats.url, name: "secops-bench-dup", ...localNatsAuth([nats.url], "investigator", dir) });
  const log = pino({ level: "silent" });
  try {
    const run = async (withReuse: boolean) => {
      const fake = await startBenchFakeLlm({ delayMs: 20 });
      try {
        const llm = createLlmClient(parseEnv(llmEnv, { LLM_API_URL: fake.url, LLM_CONCURRENCY_MAX: String(stageConcurrency) }), log);
        const kv = await new Kvm(nc).create(DEFAULT_TOPOLOGY.buckets.investigationReuse, { history: 1 });
        for await (const k of await kv.keys()) await kv.purge(k);
        const reuse = withReuse ? duplicateReuse(kv, 15 * 60_000) : undefined;
        let next = 0;
        let reused = 0;
        await Promise.all(Array.from({ length: stageConcurrency }, async () => {
          while (next < burst.length) {
            const inv = await investigateAlert(burst[next++]!, { llm, log, ...(reuse ? { reuse } : {}) });
            if (inv.reusedFrom) reused++;
          }
        }));
        return { calls: fake.answered, tokens: fake.promptTokens, reused };
      } finally {
        await fake.close();
      }
    };
    const on = await run(true);
    const off = await run(false);
    return {
      alerts: burst.length, unique, llmCalls: on.calls, promptTokens: on.tokens,
      callsPerAlert: on.calls / burst.length, promptTokensPerAlert: on.tokens / burst.length, reused: on.reused,
      withoutReuse: { llmCalls: off.calls, promptTokensPerAlert: off.tokens / burst.length },
    };
  } finally {
    await nc.close();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
