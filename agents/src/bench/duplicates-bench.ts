// One LLM call per unique alert, measured through the pipeline: a private nats-server (with the
// pipeline's generated users), the investigator of this build, the bench's FAKE LLM, and a burst
// in which every second alert repeats one already sent (same fingerprint, a new alert id), sent
// right behind it so most copies arrive while the first is still with the LLM. Printed: LLM calls
// and prompt tokens per alert with reuse on (LLM_REUSE_WINDOW_SECONDS default) and off (0).
// Figures, never asserted.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { pino } from "pino";
import { DEFAULT_TOPOLOGY, enrichedSubject, InvestigatedMessage, type EnrichedMessage } from "@secops/contracts";
import { sha256Hex } from "../shared/hash.js";
import { investigatorStage } from "../investigator/main.js";
import { startAgent, type RunningAgent } from "../runtime/agent.js";
import { natsServerBinary, startLocalNats } from "../start/local-nats.js";
import { localNatsAuth } from "../trust/local-credentials.js";
import { loadCorpus, REPO_ROOT } from "./corpus.js";
import { startBenchFakeLlm } from "./fake-llm.js";
import { enrichedCorpus } from "./llm-capacity-bench.js";

export interface DuplicatesRun {
  reuse: boolean;
  alerts: number;
  llmCalls: number;
  callsPerAlert: number;
  promptTokensPerAlert: number;
  /** Investigations that name the first alert in `reusedFrom`. */
  reused: number;
  durationMs: number;
}

export interface DuplicatesResult {
  alerts: number;
  unique: number;
  llmLatencyMs: number;
  on: DuplicatesRun;
  off: DuplicatesRun;
}

/** Half the burst unique, each copy right behind its first (a flapping detection re-firing). */
export function duplicateBurst(alerts: readonly EnrichedMessage[], total: number): EnrichedMessage[] {
  const unique = Math.ceil(total / 2);
  const out: EnrichedMessage[] = [];
  for (let k = 0; k < unique; k++) {
    const m = alerts[k % alerts.length]!;
    const first = { ...m, alertId: `DUPB-${k}-a`, alert: { ...m.alert, fingerprint: sha256Hex(`burst:${k}:${m.alert.fingerprint}`) } };
    out.push(first);
    if (out.length < total) out.push({ ...first, alertId: `DUPB-${k}-b` });
  }
  return out;
}

async function run(burst: readonly EnrichedMessage[], reuse: boolean, llmLatencyMs: number): Promise<DuplicatesRun> {
  const bin = natsServerBinary(process.env);
  if (!bin) throw new Error("nats-server is not installed: the duplicates bench needs it");
  const dir = mkdtempSync(join(tmpdir(), "secops-bench-duplicates-"));
  const nats = await startLocalNats(bin, dir, 0);
  const fake = await startBenchFakeLlm({ delayMs: llmLatencyMs });
  let agent: RunningAgent | null = null;
  let publisher: NatsConnection | null = null;
  let watcher: NatsConnection | null = null;
  try {
    const env: NodeJS.ProcessEnv = {
      NATS_URL: nats.url, DATA_DIR: dir, LOG_LEVEL: "silent", SHUTDOWN_TIMEOUT_SECONDS: "2", LLM_API_URL: fake.url,
      ...(reuse ? {} : { LLM_REUSE_WINDOW_SECONDS: "0" }),
    };
    agent = await startAgent({ stage: investigatorStage, env, log: pino({ level: "silent" }) });
    publisher = await connect({ servers: nats.url, name: "enricher:bench", ...localNatsAuth([nats.url], "enricher", dir) });
    watcher = await connect({ servers: nats.url, name: "cli:bench", ...localNatsAuth([nats.url], "cli", dir) });
    let investigated = 0;
    let reused = 0;
    let allDone: () => void = () => {};
    const done = new Promise<void>((r) => { allDone = r; });
    watcher.subscribe(DEFAULT_TOPOLOGY.subjects.investigated, {
      callback: (_e, m) => {
        const inv = InvestigatedMessage.parse(m.json()).investigation;
        if (inv.reusedFrom) reused++;
        if (++investigated >= burst.length) allDone();
      },
    });
    await watcher.flush();
    const js = jetstream(publisher);
    const started = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (next < burst.length) {
        const m = burst[next++]!;
        await js.publish(enrichedSubject(DEFAULT_TOPOLOGY, m.alert.severity), JSON.stringify(m), { msgID: `${m.alertId}:enriched` });
      }
    }));
    await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${investigated}/${burst.length} investigated within 300 s`)), 300_000))]);
    const durationMs = performance.now() - started;
    return {
      reuse, alerts: burst.length, llmCalls: fake.answered, callsPerAlert: fake.answered / burst.length,
      promptTokensPerAlert: fake.promptTokens / burst.length, reused, durationMs,
    };
  } finally {
    await agent?.stop().catch(() => {});
    await publisher?.close().catch(() => {});
    await watcher?.close().catch(() => {});
    await fake.close();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchDuplicateBurst(alerts: readonly EnrichedMessage[], total: number, llmLatencyMs: number): Promise<DuplicatesResult> {
  if (alerts.length === 0) throw new Error("no alerts to send: the corpus gave none that normalize");
  const burst = duplicateBurst(alerts, total);
  return { alerts: burst.length, unique: Math.ceil(total / 2), llmLatencyMs, on: await run(burst, true, llmLatencyMs), off: await run(burst, false, llmLatencyMs) };
}

export function renderDuplicates(r: DuplicatesResult): string {
  const row = (x: DuplicatesRun) => `  reuse ${x.reuse ? "on " : "off"}: ${x.llmCalls} LLM calls for ${x.alerts} alerts = ${x.callsPerAlert.toFixed(2)} calls and ${Math.round(x.promptTokensPerAlert)} prompt tokens per alert` +
    ` (${x.reused} reused an investigation; ${(x.durationMs / 1000).toFixed(1)} s)`;
  return [
    `One LLM call per unique alert: a burst of ${r.alerts} alerts, ${r.unique} unique, each copy sent right behind its first, through the investigator on a private nats-server (fake LLM ${r.llmLatencyMs} ms)`,
    row(r.on), row(r.off), "",
  ].join("\n");
}

/** `npm run bench` prints this after its report (not with --json). */
export async function printDuplicatesBench(o: { alerts?: number; llmLatencyMs?: number; onProgress?: (what: string) => void } = {}): Promise<DuplicatesResult> {
  const total = Math.min(o.alerts ?? 400, 2_000);
  o.onProgress?.(`duplicates: a burst of ${total} alerts, half of them copies, through the investigator`);
  const result = await benchDuplicateBurst(await enrichedCorpus(loadCorpus(REPO_ROOT)), total, o.llmLatencyMs ?? 200);
  process.stdout.write(`\n${renderDuplicates(result)}`);
  return result;
}
