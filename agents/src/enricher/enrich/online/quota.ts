// A provider's quota: calls per minute and per day from configuration (the free tiers' limits by
// default), tightened by what the provider itself says in its rate-limit headers, and a "skip
// until" set by a 429 (Retry-After), an exhausted quota, a refused key or a failing service.
// Counted per process; the header values a provider returns are account-wide, so replicas that
// share a key also see each other's use there.

export interface QuotaConfig { perMinute: number | null; perDay: number | null }

export interface RateLimitInfo { limit: number | null; remaining: number | null; resetAt: Date | null }

/** "60/min,1000/day" (either part optional), or "none". */
export function parseQuota(text: string, variable: string): QuotaConfig {
  const q: QuotaConfig = { perMinute: null, perDay: null };
  if (text.trim().toLowerCase() === "none") return q;
  for (const part of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d+)\s*\/\s*(min|minute|day)$/i.exec(part);
    if (!m) throw new Error(`${variable}="${text}": expected calls per minute and/or per day, e.g. "4/min,500/day", or "none"`);
    if (m[2]!.toLowerCase().startsWith("min")) q.perMinute = Number(m[1]);
    else q.perDay = Number(m[1]);
  }
  return q;
}

/** X-RateLimit-* (AbuseIPDB and most APIs) or the IETF RateLimit-* fields; reset as epoch seconds or seconds from now. */
export function parseRateLimitHeaders(h: Headers, now: Date): RateLimitInfo {
  const num = (...names: string[]) => {
    for (const n of names) {
      const v = h.get(n);
      if (v !== null && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
    }
    return null;
  };
  const reset = num("x-ratelimit-reset", "ratelimit-reset");
  return {
    limit: num("x-ratelimit-limit", "ratelimit-limit"),
    remaining: num("x-ratelimit-remaining", "ratelimit-remaining"),
    resetAt: reset === null ? null : new Date(reset > 1e9 ? reset * 1000 : now.getTime() + reset * 1000),
  };
}

/** Retry-After: seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: Date): Date | null {
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return new Date(now.getTime() + Number(value) * 1000);
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t);
}

const nextMinute = (now: Date) => new Date(Math.floor(now.getTime() / 60_000) * 60_000 + 60_000);
const nextUtcDay = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));

export class Quota {
  private minuteStart = 0;
  private dayStart = 0;
  private usedMinute = 0;
  private usedDay = 0;
  private headerRemaining: number | null = null;
  private headerResetAt: Date | null = null;
  skippedUntil: Date | null = null;
  skipReason: string | null = null;

  constructor(readonly config: QuotaConfig) {}

  private roll(now: Date): void {
    const minute = Math.floor(now.getTime() / 60_000);
    const day = Math.floor(now.getTime() / 86_400_000);
    if (minute !== this.minuteStart) { this.minuteStart = minute; this.usedMinute = 0; }
    if (day !== this.dayStart) { this.dayStart = day; this.usedDay = 0; }
    if (this.headerResetAt && now >= this.headerResetAt) { this.headerRemaining = null; this.headerResetAt = null; }
    if (this.skippedUntil && now >= this.skippedUntil) { this.skippedUntil = null; this.skipReason = null; }
  }

  /** Takes one call from the quota, or says why not and until when. */
  take(now: Date): { ok: true } | { ok: false; until: Date; reason: string } {
    this.roll(now);
    if (this.skippedUntil) return { ok: false, until: this.skippedUntil, reason: this.skipReason ?? "skipped" };
    if (this.headerRemaining !== null && this.headerRemaining <= 0) {
      return this.skip(this.headerResetAt ?? nextMinute(now), "the provider reports its quota used up (rate-limit headers)");
    }
    if (this.config.perMinute !== null && this.usedMinute >= this.config.perMinute) {
      return this.skip(nextMinute(now), `the quota of ${this.config.perMinute} calls per minute is used up`);
    }
    if (this.config.perDay !== null && this.usedDay >= this.config.perDay) {
      return this.skip(nextUtcDay(now), `the quota of ${this.config.perDay} calls per day is used up`);
    }
    this.usedMinute++;
    this.usedDay++;
    if (this.headerRemaining !== null) this.headerRemaining--;
    return { ok: true };
  }

  skip(until: Date, reason: string): { ok: false; until: Date; reason: string } {
    if (!this.skippedUntil || until > this.skippedUntil) { this.skippedUntil = until; this.skipReason = reason; }
    return { ok: false, until: this.skippedUntil, reason: this.skipReason ?? reason };
  }

  observe(info: RateLimitInfo): void {
    if (info.remaining !== null) this.headerRemaining = info.remaining;
    if (info.resetAt) this.headerResetAt = info.resetAt;
  }

  /** Calls left as far as this process knows: the tightest of the configured windows and the provider's headers. */
  left(now: Date): number | null {
    this.roll(now);
    const candidates = [
      this.config.perMinute !== null ? this.config.perMinute - this.usedMinute : null,
      this.config.perDay !== null ? this.config.perDay - this.usedDay : null,
      this.headerRemaining,
    ].filter((n): n is number => n !== null);
    return candidates.length ? Math.max(0, Math.min(...candidates)) : null;
  }

  usage(now: Date): { minute: number; day: number } {
    this.roll(now);
    return { minute: this.usedMinute, day: this.usedDay };
  }

  static nextWindow(now: Date, config: QuotaConfig): Date {
    return config.perMinute !== null || config.perDay === null ? nextMinute(now) : nextUtcDay(now);
  }
}
