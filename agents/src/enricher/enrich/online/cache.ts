// Online answers cached in the enrichment KV bucket, shared by every enricher replica. Each entry
// carries its own expiry, chosen per provider and per verdict (a malicious answer is kept longer
// than a clean one, so a cleaned-up address is asked again soon); nats-server 2.9 has no per-message
// TTL, and the bucket's own max age (24 h) caps every entry. Errors are never cached.
import { sha256Hex } from "../../../shared/hash.js";
import type { KV } from "@nats-io/kv";
import type { IocType, Reputation } from "@secops/contracts";
import type { ProviderVerdict } from "../provider.js";
import { getJson, StateError } from "../../../state/kv.js";
import { OnlineCacheEntry } from "../../../state/enrichment.js";

export type CacheTtl = Record<Reputation, number>;

export const DEFAULT_CACHE_TTL: CacheTtl = { malicious: 24 * 3600, suspicious: 12 * 3600, clean: 6 * 3600, unknown: 3600 };

/** "malicious=24h,clean=6h" (s, m, h, d or bare seconds); unnamed verdicts keep `base`. */
export function parseCacheTtl(text: string, variable: string, base: CacheTtl = DEFAULT_CACHE_TTL): CacheTtl {
  const ttl = { ...base };
  for (const part of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^(malicious|suspicious|clean|unknown)\s*=\s*(\d+)\s*([smhd]?)$/i.exec(part);
    if (!m) throw new Error(`${variable}="${text}": expected verdict=duration pairs, e.g. "malicious=24h,suspicious=12h,clean=6h,unknown=1h" (s, m, h or d)`);
    const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[m[3]!.toLowerCase() as "" | "s" | "m" | "h" | "d"];
    ttl[m[1]!.toLowerCase() as Reputation] = Number(m[2]) * unit;
  }
  return ttl;
}

export function cacheKey(provider: string, type: IocType, value: string): string {
  return `${provider}.${type}.${sha256Hex(value.toLowerCase()).slice(0, 40)}`;
}

export class ResultCache {
  /** `onInvalid`: told about an entry in a wrong shape (it is asked again and overwritten). */
  constructor(private readonly kv: KV, private readonly onInvalid?: (e: StateError) => void) {}

  /** A cached answer still in force. A KV error is a miss (the provider is asked); a malformed entry is reported and a miss. */
  async get(provider: string, type: IocType, value: string, now: Date): Promise<ProviderVerdict | null> {
    const entry = await getJson(this.kv, cacheKey(provider, type, value), OnlineCacheEntry).catch((e: unknown) => {
      if (e instanceof StateError) this.onInvalid?.(e);
      return null;
    });
    if (!entry || entry.value.exp <= now.getTime()) return null;
    return entry.value.v as ProviderVerdict;
  }

  async put(provider: string, type: IocType, value: string, answer: ProviderVerdict, ttlSeconds: number, now: Date): Promise<void> {
    if (ttlSeconds <= 0) return;
    const entry: OnlineCacheEntry = { v: answer, at: now.getTime(), exp: now.getTime() + ttlSeconds * 1000 };
    await this.kv.put(cacheKey(provider, type, value), JSON.stringify(entry));
  }
}
