import type { IndicatorEnrichment, IocType, Reputation } from "@secops/contracts";

export type Evidence = NonNullable<IndicatorEnrichment["sources"][number]["evidence"]>;

/** What one enrichment source says about one indicator. */
export interface ProviderVerdict {
  verdict: Reputation;
  detail?: string;
  tags?: string[];
  geo?: { country: string | null; countryCode?: string | null; asn: number | null; org: string | null };
  /** What the source reported (score, reports, last seen...), kept with the verdict. */
  evidence?: Evidence;
  /** 0 to 100, when the source states one (feeds, STIX confidence). */
  confidence?: number;
  /** Answered from the KV cache. */
  cached?: boolean;
}

export interface LookupOptions {
  /** Aborted at the alert's enrichment deadline (ENRICH_TIMEOUT_MS). */
  signal?: AbortSignal;
  /** The normalizer marked the indicator internal: it never leaves. */
  internal?: boolean;
}

/**
 * An enrichment source. Offline providers answer from memory; online ones (with API keys)
 * are cached in KV by the enricher. A provider that is rate-limited or down must throw, so
 * the indicator is reported "unknown", never "clean".
 */
export interface EnrichmentProvider {
  readonly name: string;
  readonly online: boolean;
  supports(type: IocType): boolean;
  lookup(type: IocType, value: string, opts?: LookupOptions): Promise<ProviderVerdict | null>;
  /** Online providers that cache their own answers (per verdict) set this. */
  readonly ownsCache?: boolean;
}

export const VERDICT_RANK: Record<Reputation, number> = { unknown: 0, clean: 1, suspicious: 2, malicious: 3 };

export function worstVerdict(verdicts: Reputation[]): Reputation {
  return verdicts.reduce<Reputation>((w, v) => (VERDICT_RANK[v] > VERDICT_RANK[w] ? v : w), "unknown");
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Evidence as the contract bounds it: short keys, short strings, at most 20 short strings per list. */
export function boundEvidence(e: Evidence | undefined): Evidence | undefined {
  if (!e) return undefined;
  const out: Evidence = {};
  for (const [k, v] of Object.entries(e).slice(0, 30)) {
    const key = clip(k, 64);
    if (typeof v === "string") out[key] = clip(v, 512);
    else if (Array.isArray(v)) out[key] = v.slice(0, 20).map((s) => clip(String(s), 128));
    else if (typeof v === "number" && !Number.isFinite(v)) out[key] = null;
    else out[key] = v;
  }
  return out;
}
