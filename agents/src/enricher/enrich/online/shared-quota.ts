// Quota and skips shared by enricher replicas through the enrichment KV bucket. One API key's
// quota is the account's, not a process's: each call is counted in a per-window counter key
// (compare-and-set, so two replicas cannot both take the last call), and a skip one replica
// learned (429, used-up quota, refused key) is written for the others, so they do not each
// have to be refused once more. Keys: _quota.<provider>.m<minute> / .d<day>, _skip.<provider>.
import type { KV } from "@nats-io/kv";
import type { QuotaConfig } from "./quota.js";
import { getJson, StateError } from "../../../state/kv.js";
import { ProviderSkipRecord, QuotaCounter } from "../../../state/enrichment.js";

const keyPart = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, "_");

export class SharedQuota {
  /** `onInvalid`: told about a skip record in a wrong shape (it is ignored). */
  constructor(private readonly kv: KV, private readonly onInvalid?: (e: StateError) => void) {}

  /** A skip another replica (or this one) recorded, if still in force. A KV error means none (the local quota still applies). */
  async skipOf(provider: string, now: Date): Promise<{ until: Date; reason: string } | null> {
    const s = await getJson(this.kv, `_skip.${keyPart(provider)}`, ProviderSkipRecord).catch((e: unknown) => {
      if (e instanceof StateError) this.onInvalid?.(e);
      return null;
    });
    if (!s) return null;
    const until = new Date(s.value.until);
    return until > now ? { until, reason: s.value.reason } : null;
  }

  async setSkip(provider: string, until: Date, reason: string): Promise<void> {
    await this.kv.put(`_skip.${keyPart(provider)}`, JSON.stringify({ until: until.toISOString(), reason } satisfies ProviderSkipRecord));
  }

  /** Counts one call in every configured window; says which window is used up instead, and until when. */
  async reserve(provider: string, quota: QuotaConfig, now: Date): Promise<{ until: Date; reason: string } | null> {
    const windows: [string, number, number, string][] = [];
    const minute = Math.floor(now.getTime() / 60_000);
    const day = Math.floor(now.getTime() / 86_400_000);
    if (quota.perMinute !== null) windows.push([`m${minute}`, quota.perMinute, (minute + 1) * 60_000, `the quota of ${quota.perMinute} calls per minute is used up (all replicas)`]);
    if (quota.perDay !== null) windows.push([`d${day}`, quota.perDay, (day + 1) * 86_400_000, `the quota of ${quota.perDay} calls per day is used up (all replicas)`]);
    for (const [suffix, limit, end, reason] of windows) {
      if (!(await this.increment(`_quota.${keyPart(provider)}.${suffix}`, limit))) return { until: new Date(end), reason };
    }
    return null;
  }

  /** Adds one to a counter unless it reached `limit`; false when it had. A counter in a wrong shape is an error (StateError). */
  private async increment(key: string, limit: number): Promise<boolean> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const e = await getJson(this.kv, key, QuotaCounter);
      if (!e) {
        try { await this.kv.create(key, "1"); return limit >= 1; } catch { continue; } // another replica created it first
      }
      if (e.value >= limit) return false;
      try { await this.kv.update(key, String(e.value + 1), e.revision); return true; } catch { /* lost the race: read again */ }
    }
    throw new Error(`cannot update the shared quota counter ${key} (too much contention)`);
  }
}
