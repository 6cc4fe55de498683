// The enrichment records kept in the enrichment-cache KV bucket, with their schemas: every read
// goes through getJson (./kv.ts), so a record another version (or anyone with write access) left
// in a wrong shape is reported, naming the bucket and key, instead of being used.
//   <provider>.<type>.<hash>         an online provider's cached answer, with its expiry (OnlineCacheEntry)
//   _skip.<provider>                 a skip one replica learned (429, used-up quota, refused key) (ProviderSkipRecord)
//   _quota.<provider>.m<n> / .d<n>   a shared per-minute / per-day call counter (QuotaCounter)
//   _state.providers.<instance>      one enricher's provider state for the dashboard (ProviderStateRecord)
// The dashboard reads the provider state through the `@secops/agents/provider-states` export
// (readProviderStates below), so it does not import enricher code.
import type { KV } from "@nats-io/kv";
import { z } from "zod";
import { getJson, StateError } from "./kv.js";
import { EnrichmentCacheEntry } from "./records.js";

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: "expected an ISO 8601 time" });
const count = z.number().int().nonnegative();

/** An online provider's answer in the shared cache; `exp` (epoch ms) is chosen per provider and verdict. */
export const OnlineCacheEntry = z.object({ v: EnrichmentCacheEntry.unwrap(), at: z.number(), exp: z.number() });
export type OnlineCacheEntry = z.infer<typeof OnlineCacheEntry>;

export const ProviderSkipRecord = z.object({ until: isoTime, reason: z.string() });
export type ProviderSkipRecord = z.infer<typeof ProviderSkipRecord>;

/** Calls counted in one quota window by all replicas (written as a bare JSON number). */
export const QuotaCounter = count;

/** What the dashboard and `secops enrich` show about one provider of one enricher. */
export const ProviderState = z.object({
  name: z.string(),
  title: z.string(),
  enabled: z.boolean(),
  calls: count,
  cacheHits: count,
  errors: count,
  quotaLeft: z.number().int().nullable(),
  quota: z.object({ perMinute: count.nullable(), perDay: count.nullable(), usedThisMinute: count, usedToday: count }),
  lastError: z.object({ at: isoTime, message: z.string() }).nullable(),
  skippedUntil: isoTime.nullable(),
  skipReason: z.string().nullable(),
});
export type ProviderState = z.infer<typeof ProviderState>;

export const ProviderStateRecord = z.object({ instance: z.string(), at: isoTime, providers: z.array(ProviderState) });
export type ProviderStateRecord = z.infer<typeof ProviderStateRecord>;

/** What GET /api/providers answers per provider, summed over the enricher replicas. */
export type ProviderSummary = Omit<ProviderState, "quota"> & { instances: number; updatedAt: string | null };

export const PROVIDER_STATE_PREFIX = "_state.providers.";
/** A replica whose state is older than this has stopped: it is left out of the sums. */
export const STALE_AFTER_MS = 5 * 60_000;

export function stateKey(instance: string): string {
  return PROVIDER_STATE_PREFIX + (instance.replace(/[^A-Za-z0-9_-]/g, "_") || "enricher");
}

/**
 * The provider state of every live enricher replica, summed per provider. A record in a wrong
 * shape is left out and reported through `onInvalid` (the dashboard logs it).
 */
export async function readProviderStates(kv: KV, now = new Date(), onInvalid?: (e: StateError) => void): Promise<ProviderSummary[]> {
  const records: ProviderStateRecord[] = [];
  for await (const key of await kv.keys(`${PROVIDER_STATE_PREFIX}>`)) {
    const r = await getJson(kv, key, ProviderStateRecord).catch((e: unknown) => {
      if (e instanceof StateError) { onInvalid?.(e); return null; }
      throw e;
    });
    if (r && now.getTime() - Date.parse(r.value.at) <= STALE_AFTER_MS) records.push(r.value);
  }
  const out = new Map<string, ProviderSummary>();
  // Replicas count their own calls; the configured quota is the key's, so their use adds up.
  const used = new Map<string, { minute: number; day: number; perMinute: number | null; perDay: number | null }>();
  for (const r of records) {
    for (const p of r.providers) {
      const s = out.get(p.name) ?? { name: p.name, title: p.title, enabled: false, calls: 0, cacheHits: 0, errors: 0, quotaLeft: null, lastError: null, skippedUntil: null, skipReason: null, instances: 0, updatedAt: null };
      s.enabled ||= p.enabled;
      s.calls += p.calls;
      s.cacheHits += p.cacheHits;
      s.errors += p.errors;
      if (p.enabled) s.instances++;
      if (p.quotaLeft !== null) s.quotaLeft = s.quotaLeft === null ? p.quotaLeft : Math.min(s.quotaLeft, p.quotaLeft);
      if (p.enabled) {
        const u = used.get(p.name) ?? { minute: 0, day: 0, perMinute: p.quota.perMinute, perDay: p.quota.perDay };
        u.minute += p.quota.usedThisMinute;
        u.day += p.quota.usedToday;
        used.set(p.name, u);
      }
      if (p.lastError && (!s.lastError || p.lastError.at > s.lastError.at)) s.lastError = p.lastError;
      if (p.skippedUntil && Date.parse(p.skippedUntil) > now.getTime() && (!s.skippedUntil || p.skippedUntil > s.skippedUntil)) {
        s.skippedUntil = p.skippedUntil;
        s.skipReason = p.skipReason;
      }
      if (!s.updatedAt || r.at > s.updatedAt) s.updatedAt = r.at;
      out.set(p.name, s);
    }
  }
  for (const [name, u] of used) {
    const s = out.get(name)!;
    const left = [s.quotaLeft, u.perMinute !== null ? u.perMinute - u.minute : null, u.perDay !== null ? u.perDay - u.day : null].filter((n): n is number => n !== null);
    s.quotaLeft = left.length ? Math.max(0, Math.min(...left)) : null;
  }
  return [...out.values()];
}
