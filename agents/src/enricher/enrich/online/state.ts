// Provider state for the dashboard. The enricher is another process (and may have replicas), so
// each enricher writes its providers' state to one KV key of its own in the enrichment-cache
// bucket every ENRICH_STATE_SECONDS; the dashboard (GET /api/providers) reads the fresh keys and
// adds them up. Keys of stopped replicas age out (ignored after STALE_AFTER_MS, dropped by the
// bucket's max age). The record's schema and the reader are in agents/src/state/enrichment.ts.
import type { KV } from "@nats-io/kv";
import type { Logger } from "../../../runtime/logger.js";
import type { OnlineProviderDefinition } from "./definition.js";
import type { OnlineProvider } from "./runner.js";
import { stateKey, type ProviderState, type ProviderStateRecord } from "../../../state/enrichment.js";

/** A change is written this soon, so a replica that stops loses at most this much of its counts. */
const SOON_MS = 250;

export function disabledState(d: OnlineProviderDefinition): ProviderState {
  return {
    name: d.name, title: d.title, enabled: false, calls: 0, cacheHits: 0, errors: 0, quotaLeft: null,
    quota: { perMinute: d.defaultQuota.perMinute, perDay: d.defaultQuota.perDay, usedThisMinute: 0, usedToday: 0 },
    lastError: null, skippedUntil: null, skipReason: null,
  };
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
