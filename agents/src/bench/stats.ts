// Latency summaries for the bench: nearest-rank percentiles over recorded samples. Nearest rank
// (not interpolation) so every figure printed is a duration that was actually measured.

export interface Summary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Summarizes samples; an empty list gives count 0 and NaN figures, which the report prints as "n/a". */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    min: sorted[0] ?? Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** Microseconds elapsed since `start` (a process.hrtime.bigint() reading). */
export function microsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1_000;
}
