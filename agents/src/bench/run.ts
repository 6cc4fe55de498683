// One bench run: the offline measurements; the raw JetStream relay (the floor); the pipeline as
// `npm start` runs it (agent processes, N replicas) with the rules analyst, a burst then a steady
// rate; the same burst with the four agents in one process (for comparison); the agent processes
// with the fake LLM; then the LLM scheduling and economy scenarios.
import { cpus, totalmem } from "node:os";
import { loadCorpus, loadSamples, REPO_ROOT } from "./corpus.js";
import { benchNormalizer, type Budget, type NormalizerReport } from "./normalizer-bench.js";
import { benchAnalysis, type AnalysisReport } from "./analysis-bench.js";
import { measurePrompts, type PromptReport } from "./prompt-size.js";
import { benchPipeline, type PipelineOptions, type PipelineReport } from "./pipeline-bench.js";
import { benchRelay, type RelayReport } from "./relay-bench.js";
import type { Replicas } from "./deployment.js";
import { benchCapacity, benchDuplicates, capacityScenarios, enrichedCorpus, type CapacityResult, type DuplicateBurstResult } from "./llm-capacity-bench.js";

export interface BenchOptions {
  /** Alerts per rules-analyst burst, and messages through the relay. */
  alerts: number;
  /** Alerts through the pipeline with the fake LLM (default min(alerts, 500)). */
  llmAlerts?: number;
  llmDelayMs: number;
  /** Processes per stage in the multi-process deployment (default 1 each). */
  replicas?: Replicas;
  /** The steady phase after the burst: alerts per second and for how long (default 100/s for 10 s; 0 seconds skips it). */
  steady?: { ratePerSecond: number; seconds: number };
  /** Skips the four-agents-in-one-process comparison burst. */
  skipInProcess?: boolean;
  /** Agent processes write V8 CPU profiles here (node --cpu-prof). */
  cpuProfDir?: string;
  phaseTimeoutMs: number;
  /** Time spent repeating each offline measurement. */
  offline: Budget;
  /** Skips the two pipeline phases and the LLM capacity scenarios (offline figures only). */
  skipPipeline?: boolean;
  /** Seconds of work per LLM capacity scenario at its ceiling rate (default 5). */
  capacitySeconds?: number;
  env?: PipelineOptions["env"];
  root?: string;
  /** Told when each part starts, so a long run shows progress. */
  onProgress?: (what: string) => void;
}

export interface BenchReport {
  machine: { node: string; platform: string; cpu: string; cpus: number; totalMemoryBytes: number };
  options: { alerts: number; llmDelayMs: number; phaseTimeoutMs: number; offlineBudgetMs: number };
  normalizer: NormalizerReport;
  analysis: AnalysisReport;
  prompts: PromptReport;
  /** The raw 5-hop JetStream relay on the same nats-server binary; null when skipped. */
  relay: RelayReport | null;
  pipeline: PipelineReport[];
  /** Adaptive LLM concurrency against a fake LLM with K slots. */
  capacity: CapacityResult[];
  /** LLM calls and prompt tokens per alert for a burst with 50% duplicates; null when skipped. */
  duplicates: DuplicateBurstResult | null;
  /** Every pipeline phase completed all its alerts within its time cap. */
  ok: boolean;
}

export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const root = o.root ?? REPO_ROOT;
  const say = o.onProgress ?? (() => {});
  const corpus = loadCorpus(root);
  const samples = loadSamples(root);
  say(`normalizer: ${corpus.length} fixture alerts`);
  const normalizer = benchNormalizer(corpus, o.offline);
  say("analysis: IoC extraction, enrichment, rules analyst, decider");
  const analysis = await benchAnalysis(corpus, o.offline);
  say("prompt sizes");
  const prompts = await measurePrompts(samples, corpus);
  const pipeline: PipelineReport[] = [];
  let relay: RelayReport | null = null;
  if (!o.skipPipeline) {
    say(`relay: ${o.alerts} messages of 4 KB through 5 JetStream hops`);
    relay = await benchRelay({ messages: o.alerts, timeoutMs: o.phaseTimeoutMs });
    const steady = o.steady ?? { ratePerSecond: 100, seconds: 10 };
    const replicas = o.replicas ?? { enricher: 1, investigator: 1, decider: 1, responder: 1 };
    const common = { timeoutMs: o.phaseTimeoutMs, root, ...(o.env ? { env: o.env } : {}) };
    const replicaText = Object.entries(replicas).map(([a, n]) => `${a} ${n}`).join(", ");
    say(`pipeline: agent processes (${replicaText}), rules analyst, ${o.alerts} alerts${steady.seconds > 0 ? `, then ${steady.ratePerSecond}/s for ${steady.seconds} s` : ""}, cap ${Math.round(o.phaseTimeoutMs / 1000)} s`);
    pipeline.push(await benchPipeline({ ...common, alerts: o.alerts, llm: { kind: "unreachable" }, deployment: "processes", replicas, ...(steady.seconds > 0 ? { steady } : {}), ...(o.cpuProfDir ? { cpuProfDir: o.cpuProfDir } : {}) }));
    if (!o.skipInProcess) {
      say(`pipeline: the four agents in this process, rules analyst, ${o.alerts} alerts`);
      pipeline.push(await benchPipeline({ ...common, alerts: o.alerts, llm: { kind: "unreachable" }, deployment: "in-process" }));
    }
    const llmAlerts = o.llmAlerts ?? Math.min(o.alerts, 500);
    say(`pipeline: agent processes (${replicaText}), fake LLM (${o.llmDelayMs} ms), ${llmAlerts} alerts`);
    pipeline.push(await benchPipeline({ ...common, alerts: llmAlerts, llm: { kind: "fake", delayMs: o.llmDelayMs }, deployment: "processes", replicas }));
  }
  const capacity: CapacityResult[] = [];
  let duplicates: DuplicateBurstResult | null = null;
  if (!o.skipPipeline) {
    const alerts = await enrichedCorpus(corpus);
    say(`LLM economy: a burst of ${Math.min(o.alerts, 400)} alerts, half of them duplicates`);
    duplicates = await benchDuplicates(alerts, Math.min(o.alerts, 400));
    for (const scenario of capacityScenarios(Math.max(20, o.llmDelayMs), o.capacitySeconds ?? 5)) {
      say(`LLM capacity: ${scenario.name}, ${scenario.alerts} investigations`);
      capacity.push(await benchCapacity(scenario, alerts));
    }
  }
  const cpu = cpus();
  return {
    machine: { node: process.version, platform: `${process.platform}/${process.arch}`, cpu: cpu[0]?.model.trim() ?? "unknown", cpus: cpu.length, totalMemoryBytes: totalmem() },
    options: { alerts: o.alerts, llmDelayMs: o.llmDelayMs, phaseTimeoutMs: o.phaseTimeoutMs, offlineBudgetMs: o.offline.budgetMs },
    normalizer, analysis, prompts, relay, pipeline, capacity, duplicates,
    ok: pipeline.every((p) => p.complete) && (relay?.complete ?? true),
  };
}
