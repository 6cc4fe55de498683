// The per-alert analysis after normalization, step by step, offline (no NATS, no LLM): IoC
// extraction with the format's own field hints, enrichment from the local providers (IP
// classification, the threat-intel feed files), the investigator with the rules analyst
// (injection scan included) and the decider with the default policy.
import { pino } from "pino";
import { SchemaIds, type CanonicalAlert, type EnrichedMessage, type InvestigatedMessage, type Producer } from "@secops/contracts";
import { alertIdFor, DEFAULT_MAX_BYTES, formatNormalizer, normalizeAlert } from "../enricher/normalize/index.js";
import { parseInput, unwrapSearchHit } from "../enricher/normalize/detect.js";
import { extractIocs, type FieldHint } from "../enricher/iocs/index.js";
import { enrichIndicators } from "../enricher/enrich/index.js";
import { enrichmentSetup } from "../enricher/enrich/setup.js";
import { investigateAlert } from "../investigator/handler.js";
import { loadPolicy } from "../shared/policy.js";
import { decideResponse } from "../decider/handler.js";
import { newTraceId } from "../runtime/trace.js";
import type { CorpusItem } from "./corpus.js";
import type { Budget } from "./normalizer-bench.js";
import { microsSince, summarize, type Summary } from "./stats.js";

export const ANALYSIS_STEPS = ["iocExtraction", "enrichment", "rulesInvestigation", "decision", "total"] as const;
export type AnalysisStep = (typeof ANALYSIS_STEPS)[number];

export interface AnalysisReport {
  /** Distinct alerts analysed (the fixtures the normalizer accepts). */
  alerts: number;
  /** Timed passes over one alert (each step once). */
  runs: number;
  micros: Record<AnalysisStep, Summary>;
}

interface Prepared {
  alert: CanonicalAlert;
  raw: unknown;
  hints: readonly FieldHint[];
  scanRaw: boolean;
}

const PRODUCER: Producer = { agent: "secops-bench", version: "0.1.0", instance: "bench" };

/** Re-derives the inputs of IoC extraction (the raw document and the format's field hints) for one alert. */
function prepare(text: string): Prepared | null {
  const r = normalizeAlert(text);
  if (!r.ok) return null;
  const parsed = parseInput(text, DEFAULT_MAX_BYTES);
  const mapping = formatNormalizer(r.alert.format);
  if (!("kind" in parsed) || !mapping) return null;
  const draft = mapping.map(unwrapSearchHit(parsed));
  if (typeof draft === "string") return null;
  return { alert: r.alert, raw: parsed.kind === "json" ? parsed.value : parsed.text, hints: draft.iocs, scanRaw: draft.scanRaw ?? false };
}

export async function benchAnalysis(corpus: readonly CorpusItem[], budget: Budget): Promise<AnalysisReport> {
  const prepared = corpus.map((c) => prepare(c.text)).filter((p): p is Prepared => p !== null);
  const { providers, assetRules } = enrichmentSetup({});
  const policy = loadPolicy();
  const log = pino({ level: "silent" });
  const samples: Record<AnalysisStep, number[]> = { iocExtraction: [], enrichment: [], rulesInvestigation: [], decision: [], total: [] };
  const started = process.hrtime.bigint();
  for (let round = 0; prepared.length > 0 && (round < budget.minRounds || microsSince(started) < budget.budgetMs * 1000); round++) {
    for (const p of prepared) {
      let t = process.hrtime.bigint();
      extractIocs(p.raw, p.hints, { internalRanges: [], scanRaw: p.scanRaw });
      const iocs = microsSince(t);

      t = process.hrtime.bigint();
      const enrichment = await enrichIndicators(p.alert, { providers, assetRules });
      const enrich = microsSince(t);
      const now = new Date().toISOString();
      const enriched: EnrichedMessage = {
        schema: SchemaIds.enriched, alertId: alertIdFor(p.alert), traceId: newTraceId(), producer: PRODUCER,
        timestamps: { received: now, enriched: now }, alert: p.alert, enrichment,
      };

      t = process.hrtime.bigint();
      const investigation = await investigateAlert(enriched, { llm: null, log });
      const investigate = microsSince(t);
      const investigated: InvestigatedMessage = { ...enriched, schema: SchemaIds.investigated, investigation, timestamps: { ...enriched.timestamps, investigated: now } };

      t = process.hrtime.bigint();
      decideResponse(investigated, policy);
      const decide = microsSince(t);

      samples.iocExtraction.push(iocs);
      samples.enrichment.push(enrich);
      samples.rulesInvestigation.push(investigate);
      samples.decision.push(decide);
      samples.total.push(iocs + enrich + investigate + decide);
    }
  }
  const micros = Object.fromEntries(ANALYSIS_STEPS.map((s) => [s, summarize(samples[s])])) as Record<AnalysisStep, Summary>;
  return { alerts: prepared.length, runs: samples.total.length, micros };
}
