// One bench run: the offline measurements, then the pipeline twice (rules analyst, fake LLM).
import { cpus, totalmem } from "node:os";
import { loadCorpus, loadSamples, REPO_ROOT } from "./corpus.js";
import { benchNormalizer, type Budget, type NormalizerReport } from "./normalizer-bench.js";
import { benchAnalysis, type AnalysisReport } from "./analysis-bench.js";
import { measurePrompts, type PromptReport } from "./prompt-size.js";
import { benchPipeline, type PipelineOptions, type PipelineReport } from "./pipeline-bench.js";
import { benchCapacity, benchDuplicates, capacityScenarios, enrichedCorpus, type CapacityResult, type DuplicateBurstResult } from "./llm-capacity-bench.js";

export interface BenchOptions {
  alerts: number;
  llmDelayMs: number;
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
  if (!o.skipPipeline) {
    for (const llm of [{ kind: "unreachable" } as const, { kind: "fake", delayMs: o.llmDelayMs } as const]) {
      say(`pipeline: ${o.alerts} alerts, LLM ${llm.kind === "fake" ? `fake (${llm.delayMs} ms)` : "unreachable"}, cap ${Math.round(o.phaseTimeoutMs / 1000)} s`);
      pipeline.push(await benchPipeline({ alerts: o.alerts, llm, timeoutMs: o.phaseTimeoutMs, root, ...(o.env ? { env: o.env } : {}) }));
    }
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
    normalizer, analysis, prompts, pipeline, capacity, duplicates,
    ok: pipeline.every((p) => p.complete),
  };
}
