// Normalizer throughput per format: every fixture alert is normalized repeatedly for a time
// budget, each call timed on its own, grouped by the format the normalizer detected.
import { normalizeAlert } from "../enricher/normalize/index.js";
import type { CorpusItem } from "./corpus.js";
import { microsSince, summarize, type Summary } from "./stats.js";

export interface Budget {
  /** Keep repeating a group's alerts until this much time has gone by... */
  budgetMs: number;
  /** ...and at least this many passes over them are done. */
  minRounds: number;
}

export interface Throughput {
  format: string;
  /** Distinct alerts in the group. */
  alerts: number;
  /** Timed normalizer calls. */
  calls: number;
  alertsPerSecond: number;
  micros: Summary;
}

export interface NormalizerReport {
  formats: Throughput[];
  all: Throughput;
  /** Fixture items the normalizer refuses (some fixtures may be there to be refused). */
  refused: { input: string; reason: string }[];
}

/** Runs `fn` over `items` in passes until the budget is spent; returns per-call µs and the wall time. */
export function timePasses<T>(items: readonly T[], budget: Budget, fn: (item: T) => void): { micros: number[]; wallMs: number } {
  const micros: number[] = [];
  if (items.length === 0) return { micros, wallMs: 0 };
  const started = process.hrtime.bigint();
  for (let round = 0; round < budget.minRounds || microsSince(started) < budget.budgetMs * 1000; round++) {
    for (const item of items) {
      const t = process.hrtime.bigint();
      fn(item);
      micros.push(microsSince(t));
    }
  }
  return { micros, wallMs: microsSince(started) / 1000 };
}

function throughput(format: string, alerts: number, micros: number[], wallMs: number): Throughput {
  return { format, alerts, calls: micros.length, alertsPerSecond: wallMs > 0 ? micros.length / (wallMs / 1000) : Number.NaN, micros: summarize(micros) };
}

export function benchNormalizer(corpus: readonly CorpusItem[], budget: Budget): NormalizerReport {
  const receivedAt = new Date();
  const byFormat = new Map<string, string[]>();
  const refused: NormalizerReport["refused"] = [];
  // The first pass sorts alerts by detected format and warms the JIT before anything is timed.
  for (const item of corpus) {
    const r = normalizeAlert(item.text, { receivedAt });
    if (!r.ok) { refused.push({ input: item.input, reason: r.error.reason }); continue; }
    const texts = byFormat.get(r.alert.format) ?? [];
    texts.push(item.text);
    byFormat.set(r.alert.format, texts);
  }
  const formats: Throughput[] = [];
  const allMicros: number[] = [];
  let allWallMs = 0;
  for (const [format, texts] of [...byFormat].sort(([a], [b]) => a.localeCompare(b))) {
    const { micros, wallMs } = timePasses(texts, budget, (text) => { normalizeAlert(text, { receivedAt }); });
    formats.push(throughput(format, texts.length, micros, wallMs));
    allMicros.push(...micros);
    allWallMs += wallMs;
  }
  const distinct = formats.reduce((n, f) => n + f.alerts, 0);
  return { formats, all: throughput("all", distinct, allMicros, allWallMs), refused };
}
