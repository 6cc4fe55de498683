// Online answers cached in the enrichment KV bucket, shared by every enricher replica. Each entry
// carries its own expiry, chosen per provider and per verdict (a malicious answer is kept longer
// than a clean one, so a cleaned-up address is asked again soon); nats-server 2.9 has no per-message
// TTL, and the bucket's own max age (24 h) caps every entry. Errors are never cached.
import { createHash } from "node:crypto";
import type { KV } from "@nats-io/kv";
import type { IocType, Reputation } from "@secops/contracts";
import type { ProviderVerdict } from "../provider.js";

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

interface Entry { v: ProviderVerdict; at: number; exp: number }

export function cacheKey(provider: string, type: IocType, value: string): string {
  return `${provider}.${type}.${createHash("sha256").update(value.toLowerCase()).digest("hex").slice(0, 40)}`;
}

export class ResultCache {
  constructor(private readonly kv: KV) {}

  async get(provider: string, type: IocType, value: string, now: Date): Promise<ProviderVerdict | null> {
    const e = await this.kv.get(cacheKey(provider, type, value)).catch(() => null);
    if (!e || e.operation !== "PUT") return null;
    try {
      const entry = e.json<Entry>();
      if (typeof entry?.exp !== "number" || entry.exp <= now.getTime() || !entry.v) return null;
      return entry.v;
    } catch {
      return null; // an entry from an older layout: ask again
    }
  }

  async put(provider: string, type: IocType, value: string, answer: ProviderVerdict, ttlSeconds: number, now: Date): Promise<void> {
    if (ttlSeconds <= 0) return;
    const entry: Entry = { v: answer, at: now.getTime(), exp: now.getTime() + ttlSeconds * 1000 };
    await this.kv.put(cacheKey(provider, type, value), JSON.stringify(entry));
  }
}
