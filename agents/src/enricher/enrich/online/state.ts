// Provider state for the dashboard. The enricher is another process (and may have replicas), so
// each enricher writes its providers' state to one KV key of its own in the enrichment-cache
// bucket every ENRICH_STATE_SECONDS; the dashboard (GET /api/providers) reads the fresh keys and
// adds them up. Keys of stopped replicas age out (ignored after STALE_AFTER_MS, dropped by the
// bucket's max age).
import type { KV } from "@nats-io/kv";
import type { Logger } from "../../../runtime/logger.js";
import type { OnlineProviderDefinition } from "./definition.js";
import type { OnlineProvider, ProviderState } from "./runner.js";

export const PROVIDER_STATE_PREFIX = "_state.providers.";
export const STALE_AFTER_MS = 5 * 60_000;
/** A change is written this soon, so a replica that stops loses at most this much of its counts. */
const SOON_MS = 250;

export interface ProviderStateRecord { instance: string; at: string; providers: ProviderState[] }

/** What GET /api/providers answers per provider, summed over the enricher replicas. */
export interface ProviderSummary {
  name: string;
  title: string;
  enabled: boolean;
  calls: number;
  cacheHits: number;
  errors: number;
  quotaLeft: number | null;
  lastError: { at: string; message: string } | null;
  skippedUntil: string | null;
  skipReason: string | null;
  instances: number;
  updatedAt: string | null;
}

export function disabledState(d: OnlineProviderDefinition): ProviderState {
  return {
    name: d.name, title: d.title, enabled: false, calls: 0, cacheHits: 0, errors: 0, quotaLeft: null,
    quota: { perMinute: d.defaultQuota.perMinute, perDay: d.defaultQuota.perDay, usedThisMinute: 0, usedToday: 0 },
    lastError: null, skippedUntil: null, skipReason: null,
  };
}

export function stateKey(instance: string): string {
  return PROVIDER_STATE_PREFIX + (instance.replace(/[^A-Za-z0-9_-]/g, "_") || "enricher");
}

export class ProviderStatePublisher {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly kv: KV,
    private readonly instance: string,
    private readonly running: OnlineProvider[],
    private readonly all: readonly OnlineProviderDefinition[],
    private readonly log?: Logger,
  ) {}

  record(now = new Date()): ProviderStateRecord {
    const on = new Map(this.running.map((p) => [p.name, p.state()]));
    return { instance: this.instance, at: now.toISOString(), providers: this.all.map((d) => on.get(d.name) ?? disabledState(d)) };
  }

  async publish(): Promise<void> {
    await this.kv.put(stateKey(this.instance), JSON.stringify(this.record()));
  }

  private soon: NodeJS.Timeout | null = null;

  /** Writes every `intervalSeconds`, and shortly (SOON_MS) after any provider's counters change. */
  start(intervalSeconds: number): void {
    const tick = () => this.publish().catch((e) => this.log?.warn({ err: (e as Error).message }, "cannot write provider state to KV"));
    void tick();
    this.timer = setInterval(tick, intervalSeconds * 1000);
    this.timer.unref();
    for (const p of this.running) {
      p.onChange = () => {
        if (this.soon || !this.timer) return;
        this.soon = setTimeout(() => { this.soon = null; void tick(); }, SOON_MS);
        this.soon.unref();
      };
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    this.timer = this.soon = null;
    for (const p of this.running) p.onChange = null;
    await this.publish().catch(() => {});
  }
}

export async function readProviderStates(kv: KV, now = new Date()): Promise<ProviderSummary[]> {
  const records: ProviderStateRecord[] = [];
  for await (const key of await kv.keys(`${PROVIDER_STATE_PREFIX}>`)) {
    const e = await kv.get(key).catch(() => null);
    if (!e || e.operation !== "PUT") continue;
    try {
      const r = e.json<ProviderStateRecord>();
      if (Array.isArray(r.providers) && now.getTime() - Date.parse(r.at) <= STALE_AFTER_MS) records.push(r);
    } catch { /* not a state record */ }
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
      if (p.enabled && p.quota) {
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
