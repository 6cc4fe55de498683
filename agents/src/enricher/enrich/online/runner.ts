// One online provider at work: the KV cache first (shared by replicas), then the quota, then one
// HTTP call bounded by the alert's deadline. A 429, a timeout, a refused key, a 5xx or a used-up
// quota is `unknown` with the reason (ProviderUnavailable), never clean, and the provider is
// skipped until its window resets (Retry-After, the rate-limit reset, the next minute or day) or
// a short cool-down passes.
import type { IocType } from "@secops/contracts";
import { boundEvidence, type EnrichmentProvider, type LookupOptions, type ProviderVerdict } from "../provider.js";
import { ProviderUnavailable, type OnlineProviderDefinition, type ProviderReply } from "./definition.js";
import { keptInReason } from "./egress.js";
import { parseRateLimitHeaders, parseRetryAfter, Quota, type QuotaConfig } from "./quota.js";
import type { CacheTtl, ResultCache } from "./cache.js";
import type { SharedQuota } from "./shared-quota.js";
import type { ProviderState } from "../../../state/enrichment.js";

export interface ProviderSettings {
  key: string;
  baseUrl: string;
  quota: QuotaConfig;
  ttl: CacheTtl;
  /** How long a provider that timed out or answered 5xx is left alone. */
  cooldownSeconds: number;
  /** How long a provider whose key was refused is left alone. */
  authCooldownSeconds: number;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export class OnlineProvider implements EnrichmentProvider {
  readonly online = true;
  /** The runner caches itself (per verdict), so the enricher does not cache it again. */
  readonly ownsCache = true;
  readonly name: string;
  readonly quota: Quota;
  private calls = 0;
  private cacheHits = 0;
  private errors = 0;
  private lastError: { at: string; message: string } | null = null;

  constructor(
    readonly definition: OnlineProviderDefinition,
    readonly settings: ProviderSettings,
    private cache: ResultCache | null = null,
    private readonly now: () => Date = () => new Date(),
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.name = definition.name;
    this.quota = new Quota(settings.quota);
  }

  private shared: SharedQuota | null = null;
  /** Called after every lookup that changed the counters (the state publisher listens). */
  onChange: (() => void) | null = null;

  /** The KV cache and the quota shared with the other replicas. */
  attachCache(cache: ResultCache | null, shared: SharedQuota | null = null): void {
    this.cache = cache;
    this.shared = shared;
  }

  supports(type: IocType): boolean {
    return this.definition.types.includes(type);
  }

  async lookup(type: IocType, value: string, opts: LookupOptions = {}): Promise<ProviderVerdict | null> {
    if (keptInReason(type, value, opts.internal ?? false) !== null) return null;
    const now = this.now();
    const hit = this.cache ? await this.cache.get(this.name, type, value, now) : null;
    if (hit) {
      this.cacheHits++;
      this.onChange?.();
      return { ...hit, cached: true };
    }
    const slot = this.quota.take(now);
    if (!slot.ok) throw new ProviderUnavailable("quota", `skipped until ${slot.until.toISOString()}: ${slot.reason}`, slot.until);
    if (this.shared) {
      const refused = (await this.shared.skipOf(this.name, now)) ?? (await this.shared.reserve(this.name, this.settings.quota, now));
      if (refused) {
        const s = this.quota.skip(refused.until, refused.reason);
        throw new ProviderUnavailable("quota", `skipped until ${s.until.toISOString()}: ${s.reason}`, s.until);
      }
    }
    this.calls++;
    let answer: ProviderVerdict;
    try {
      answer = await this.call(type, value, opts.signal);
    } catch (e) {
      const err = e instanceof ProviderUnavailable ? e : new ProviderUnavailable("network", `request failed: ${(e as Error).message}`);
      this.fail(err);
      throw err;
    } finally {
      this.onChange?.();
    }
    answer = { ...answer, ...(answer.evidence ? { evidence: boundEvidence(answer.evidence)! } : {}) };
    if (this.cache) await this.cache.put(this.name, type, value, answer, this.settings.ttl[answer.verdict], this.now()).catch(() => {});
    return answer;
  }

  private fail(err: ProviderUnavailable): void {
    const now = this.now();
    this.errors++;
    this.lastError = { at: now.toISOString(), message: err.message };
    if (err.kind === "rate_limited" || err.kind === "auth") {
      const s = err.kind === "auth"
        ? this.quota.skip(new Date(now.getTime() + this.settings.authCooldownSeconds * 1000), err.message)
        : this.quota.skip(err.retryAt ?? Quota.nextWindow(now, this.settings.quota), `rate-limited by ${this.definition.title} (429)`);
      // Every replica uses the same key: tell the others.
      void this.shared?.setSkip(this.name, s.until, s.reason).catch(() => {});
    } else if (err.kind === "timeout" || err.kind === "server" || err.kind === "network") {
      this.quota.skip(new Date(now.getTime() + this.settings.cooldownSeconds * 1000), `${err.message}; left alone for ${this.settings.cooldownSeconds} s`);
    }
  }

  private async call(type: IocType, value: string, signal: AbortSignal | undefined): Promise<ProviderVerdict> {
    const def = this.definition;
    const req = def.request(type, value, this.settings.key);
    const url = new URL(this.settings.baseUrl.replace(/\/+$/, "") + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { accept: "application/json", "user-agent": "secops-pipeline-enricher", ...req.headers };
    let body: string | undefined;
    if (req.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(req.form).toString();
    }
    let res: Response;
    try {
      res = await this.fetchImpl(url, { method: req.method ?? "GET", headers, ...(body !== undefined ? { body } : {}), ...(signal ? { signal } : {}), redirect: "error" });
    } catch (e) {
      if (signal?.aborted || (e as Error).name === "TimeoutError" || (e as Error).name === "AbortError") {
        throw new ProviderUnavailable("timeout", `no answer from ${def.title} before the enrichment deadline (ENRICH_TIMEOUT_MS)`);
      }
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new ProviderUnavailable("network", `cannot reach ${def.title} at ${url.origin}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
    }
    const now = this.now();
    const limits = parseRateLimitHeaders(res.headers, now);
    this.quota.observe(limits);
    if (limits.remaining === 0 && res.status !== 429) {
      void this.shared?.setSkip(this.name, limits.resetAt ?? Quota.nextWindow(now, this.settings.quota), "the provider reports its quota used up (rate-limit headers)").catch(() => {});
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw new ProviderUnavailable(signal?.aborted ? "timeout" : "network", `${def.title}: the answer was cut off (${(e as Error).message})`);
    }
    let parsed: unknown = text;
    try { parsed = text ? JSON.parse(text) : null; } catch { /* keep the text */ }
    const reply: ProviderReply = { status: res.status, headers: res.headers, body: parsed };
    const snippet = clip(text.replace(/\s+/g, " ").trim(), 200);
    if (res.status === 429) {
      const retryAt = parseRetryAfter(res.headers.get("retry-after"), now) ?? parseRateLimitHeaders(res.headers, now).resetAt;
      throw new ProviderUnavailable("rate_limited", `${def.title} answered 429 Too Many Requests${retryAt ? ` (retry after ${retryAt.toISOString()})` : ""}: ${snippet}`, retryAt);
    }
    if (res.status === 401 || res.status === 403) throw new ProviderUnavailable("auth", `${def.title} refused the API key (${res.status}): ${snippet}`);
    if (res.status >= 500) throw new ProviderUnavailable("server", `${def.title} answered ${res.status}: ${snippet}`);
    if (res.status === 404 && !def.answers404) return this.notKnown();
    if (res.status !== 200 && res.status !== 404) throw new ProviderUnavailable("bad_request", `${def.title} answered ${res.status}: ${snippet}`);
    return def.interpret(reply, type, value) ?? this.notKnown();
  }

  private notKnown(): ProviderVerdict {
    return { verdict: "unknown", detail: `not known to ${this.definition.title}`, evidence: { found: false } };
  }

  state(): ProviderState {
    const now = this.now();
    const quotaLeft = this.quota.left(now);
    const usage = this.quota.usage(now);
    return {
      name: this.name,
      title: this.definition.title,
      enabled: true,
      calls: this.calls,
      cacheHits: this.cacheHits,
      errors: this.errors,
      quotaLeft,
      quota: { perMinute: this.settings.quota.perMinute, perDay: this.settings.quota.perDay, usedThisMinute: usage.minute, usedToday: usage.day },
      lastError: this.lastError,
      skippedUntil: this.quota.skippedUntil?.toISOString() ?? null,
      skipReason: this.quota.skipReason,
    };
  }
}
