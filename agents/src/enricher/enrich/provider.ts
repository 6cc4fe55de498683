import type { IocType, Reputation } from "@secops/contracts";

/** What one enrichment source says about one indicator. */
export interface ProviderVerdict {
  verdict: Reputation;
  detail?: string;
  tags?: string[];
  geo?: { country: string | null; asn: number | null; org: string | null };
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
  lookup(type: IocType, value: string): Promise<ProviderVerdict | null>;
}

export const VERDICT_RANK: Record<Reputation, number> = { unknown: 0, clean: 1, suspicious: 2, malicious: 3 };

export function worstVerdict(verdicts: Reputation[]): Reputation {
  return verdicts.reduce<Reputation>((w, v) => (VERDICT_RANK[v] > VERDICT_RANK[w] ? v : w), "unknown");
}
