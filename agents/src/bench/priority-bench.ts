// Critical first in a storm, measured: a private nats-server (with the pipeline's generated users),
// the investigator and the decider of this build, the bench's FAKE LLM answering in 1 s, and
// 5,000 low alerts queued on alerts.enriched.low ahead of one critical alert. The figure is the
// critical alert's time from its publish to its decision on alerts.decided, in LLM latencies
// (target: within 5). Printed, never asserted. Two LLM servers: a small vLLM-like one (K slots,
// 429 beyond) and a single-slot one that queues (LM Studio).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { pino } from "pino";
import { DEFAULT_TOPOLOGY, enrichedSubject, type EnrichedMessage } from "@secops/contracts";
import { sha256Hex } from "../shared/hash.js";
import { investigatorStage } from "../investigator/main.js";
import { deciderStage } from "../decider/main.js";
import { startAgent, type RunningAgent } from "../runtime/agent.js";
import { natsServerBinary, startLocalNats } from "../start/local-nats.js";
import { localNatsAuth } from "../trust/local-credentials.js";
import { loadCorpus, REPO_ROOT } from "./corpus.js";
import { startBenchFakeLlm } from "./fake-llm.js";
import { enrichedCorpus } from "./llm-capacity-bench.js";

export interface PriorityScenario {
  name: string;
  slots: number;
  overflow: "reject" | "queue";
}

export interface PriorityResult extends PriorityScenario {
  lows: number;
  llmLatencyMs: number;
  /** From the critical alert's publish to its message on alerts.decided. */
  criticalDecisionMs: number;
  inLlmLatencies: number;
  /** Who investigated it (llm, or rules with the reason). */
  criticalAnalyst: string;
  /** Low alerts decided while the critical one waited (they were already with the LLM or in hand). */
  lowsDecidedMeanwhile: number;
  /** Low alerts still queued on the stream when the critical one was decided. */
  lowsStillQueued: number;
}

export const PRIORITY_SCENARIOS: PriorityScenario[] = [
  { name: "K=4 slots, 429 beyond (a small vLLM)", slots: 4, overflow: "reject" },
  { name: "1 slot that queues (LM Studio)", slots: 1, overflow: "queue" },
];

const STAGES = [investigatorStage, deciderStage] as const;
/** LLM answers of the storm before the critical alert is published. */
const STORM_ANSWERS = 8;

async function publishAll(nc: NatsConnection, messages: readonly EnrichedMessage[], window = 64): Promise<void> {
  const js = jetstream(nc);
  let next = 0;
  await Promise.all(Array.from({ length: window }, async () => {
    while (next < messages.length) {
      const m = messages[next++]!;
      await js.publish(enrichedSubject(DEFAULT_TOPOLOGY, m.alert.severity), JSON.stringify(m), { msgID: `${m.alertId}:enriched` });
    }
  }));
}

export async function benchPriority(s: PriorityScenario, o: { lows: number; llmLatencyMs: number; alerts: readonly EnrichedMessage[] }): Promise<PriorityResult> {
  const bin = natsServerBinary(process.env);
  if (!bin) throw new Error("nats-server is not installed: the priority bench needs it");
  if (o.alerts.length === 0) throw new Error("no alerts to queue: the corpus gave none that normalize");
  const dir = mkdtempSync(join(tmpdir(), "secops-bench-priority-"));
  const nats = await startLocalNats(bin, dir, 0);
  const fake = await startBenchFakeLlm({ delayMs: o.llmLatencyMs, slots: s.slots, overflow: s.overflow });
  const agents: RunningAgent[] = [];
  let publisher: NatsConnection | null = null;
  let watcher: NatsConnection | null = null;
  try {
    const env: NodeJS.ProcessEnv = {
      NATS_URL: nats.url, DATA_DIR: dir, LOG_LEVEL: "silent", SHUTDOWN_TIMEOUT_SECONDS: "2",
      LLM_API_URL: fake.url, LLM_REUSE_WINDOW_SECONDS: "0", LLM_TIMEOUT_SECONDS: "30", LLM_MAX_RETRIES: "8",
    };
    const log = pino({ level: "silent" });
    for (const stage of STAGES) agents.push(await startAgent({ stage, env, log }));
    // Published as the enricher would (its user may publish there), each low alert distinct.
    publisher = await connect({ servers: nats.url, name: "enricher:bench", ...localNatsAuth([nats.url], "enricher", dir) });
    watcher = await connect({ servers: nats.url, name: "cli:bench", ...localNatsAuth([nats.url], "cli", dir) });
    const lows = Array.from({ length: o.lows }, (_, k) => {
      const m = o.alerts[k % o.alerts.length]!;
      return { ...m, alertId: `PRIO-LOW-${k}`, alert: { ...m.alert, severity: "low" as const, fingerprint: sha256Hex(`low:${k}`) } };
    });
    const base = o.alerts[0]!;
    const critical: EnrichedMessage = { ...base, alertId: "PRIO-CRITICAL", alert: { ...base.alert, severity: "critical", fingerprint: sha256Hex("critical") } };

    let decidedLows = 0;
    let criticalDecided: (analyst: string) => void = () => {};
    const decided = new Promise<string>((r) => { criticalDecided = r; });
    watcher.subscribe(DEFAULT_TOPOLOGY.subjects.decided, {
      callback: (_e, m) => {
        const body = m.json<{ alertId?: string; investigation?: { analyst: string; fallbackReason: string | null } }>();
        if (body.alertId === critical.alertId) criticalDecided(body.investigation?.fallbackReason ? `rules (${body.investigation.fallbackReason.slice(0, 60)})` : body.investigation?.analyst ?? "?");
        else decidedLows++;
      },
    });
    await watcher.flush();
    await publishAll(publisher, lows);
    // The storm is under way (the adaptive limit past its first round trips, the LLM busy with low
    // alerts) before the critical one comes.
    const busyBy = Date.now() + 60_000;
    while (fake.answered < STORM_ANSWERS && Date.now() < busyBy) await new Promise((r) => setTimeout(r, 20));
    const lowsBefore = decidedLows;
    const t0 = performance.now();
    await publishAll(publisher, [critical], 1);
    const analyst = await Promise.race([decided, new Promise<string>((_, reject) => setTimeout(() => reject(new Error("the critical alert was not decided within 120 s")), 120_000))]);
    const criticalDecisionMs = performance.now() - t0;
    const jsm = await jetstreamManager(watcher);
    const queued = (await jsm.consumers.info(DEFAULT_TOPOLOGY.stream, DEFAULT_TOPOLOGY.priorities.find((p) => p.severity === "low")!.durable)).num_pending;
    return {
      ...s, lows: o.lows, llmLatencyMs: o.llmLatencyMs, criticalDecisionMs, inLlmLatencies: criticalDecisionMs / o.llmLatencyMs,
      criticalAnalyst: analyst, lowsDecidedMeanwhile: decidedLows - lowsBefore, lowsStillQueued: queued,
    };
  } finally {
    await Promise.all(agents.map((a) => a.stop().catch(() => {})));
    await publisher?.close().catch(() => {});
    await watcher?.close().catch(() => {});
    await fake.close();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function renderPriority(results: readonly PriorityResult[]): string {
  const lines = [`Critical first in a storm: ${results[0]?.lows ?? 0} low alerts queued ahead, fake LLM answering in ${results[0]?.llmLatencyMs ?? 0} ms, the critical one published after the LLM's first ${STORM_ANSWERS} answers`,
    "(investigator + decider of this build on a private nats-server; target: decided within 5 LLM latencies)"];
  for (const r of results) {
    lines.push(`  ${r.name}: critical decided in ${(r.criticalDecisionMs / 1000).toFixed(2)} s = ${r.inLlmLatencies.toFixed(1)} LLM latencies` +
      ` (by ${r.criticalAnalyst}; ${r.lowsDecidedMeanwhile} lows decided meanwhile, ${r.lowsStillQueued} still queued)`);
  }
  return `${lines.join("\n")}\n`;
}

/** `npm run bench` prints this after its report (not with --json); sizes are the figures. */
export async function printPriorityBench(o: { lows?: number; llmLatencyMs?: number; onProgress?: (what: string) => void } = {}): Promise<PriorityResult[]> {
  const alerts = await enrichedCorpus(loadCorpus(REPO_ROOT));
  const results: PriorityResult[] = [];
  for (const s of PRIORITY_SCENARIOS) {
    o.onProgress?.(`priority: ${o.lows ?? 5000} lows ahead of a critical alert, ${s.name}`);
    results.push(await benchPriority(s, { lows: o.lows ?? 5000, llmLatencyMs: o.llmLatencyMs ?? 1000, alerts }));
  }
  process.stdout.write(`\n${renderPriority(results)}`);
  return results;
}
