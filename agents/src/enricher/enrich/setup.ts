// The enrichment sources a process uses, from its configuration. Shared by the enricher
// agent and the offline `secops triage` / `secops enrich` commands, so all enrich the same way:
// IP classification, embedded GeoIP/ASN (on by default), local feeds, and each online provider
// whose key is set. `start()` adds what only a long-running enricher needs: the KV cache shared
// by replicas, feed reloads, the TAXII poller and the provider state the dashboard shows.
import { fileURLToPath } from "node:url";
import type { KV } from "@nats-io/kv";
import type { Logger } from "../../runtime/logger.js";
import { ipClassification } from "./ip-classification.js";
import { ThreatIntelFeeds } from "./feeds.js";
import { loadAssetInventory, type AssetRule } from "./assets.js";
import type { EnrichmentProvider } from "./provider.js";
import { GeoIp } from "./geo/geoip.js";
import { parseEnrichmentEnv, ttlVar, type EnrichmentConfig } from "./config.js";
import { ONLINE_PROVIDERS } from "./providers/index.js";
import { OnlineProvider } from "./online/runner.js";
import { parseQuota } from "./online/quota.js";
import { DEFAULT_CACHE_TTL, parseCacheTtl, ResultCache } from "./online/cache.js";
import { ProviderStatePublisher } from "./online/state.js";
import { SharedQuota } from "./online/shared-quota.js";
import { TaxiiPoller } from "./taxii.js";

export const DEMO_FEED_DIR = fileURLToPath(new URL("../../../intel", import.meta.url));

export interface EnrichmentSetup {
  providers: EnrichmentProvider[];
  assetRules: AssetRule[];
  feeds: ThreatIntelFeeds;
  feedDir: string;
  geoip: GeoIp | null;
  online: OnlineProvider[];
  timeoutMs: number;
  config: EnrichmentConfig;
  taxii: TaxiiPoller | null;
  /** Long-running parts: KV cache, feed reloads, TAXII polling, provider state for the dashboard. */
  start(o: { cache: KV | null; log?: Logger; instance: string }): { stop(): Promise<void> };
}

export interface SetupOptions {
  fetchImpl?: typeof fetch;
  now?: () => Date;
}

export function onlineProviders(cfg: EnrichmentConfig, opts: SetupOptions = {}): OnlineProvider[] {
  const base = cfg.ENRICH_CACHE_TTL ? parseCacheTtl(cfg.ENRICH_CACHE_TTL, "ENRICH_CACHE_TTL") : DEFAULT_CACHE_TTL;
  return ONLINE_PROVIDERS.flatMap((d) => {
    const key = cfg[d.enableVar];
    if (!key || (d.keyless && key !== "on")) return [];
    const ttlText = cfg[ttlVar(d.name)];
    const quotaText = cfg[d.quotaVar];
    return [new OnlineProvider(d, {
      key: d.keyless ? "" : key,
      baseUrl: cfg[d.urlVar] ?? d.defaultUrl,
      quota: quotaText ? parseQuota(quotaText, d.quotaVar) : d.defaultQuota,
      ttl: ttlText ? parseCacheTtl(ttlText, ttlVar(d.name), base) : base,
      cooldownSeconds: cfg.ENRICH_COOLDOWN_SECONDS,
      authCooldownSeconds: cfg.ENRICH_AUTH_COOLDOWN_SECONDS,
    }, null, opts.now, opts.fetchImpl)];
  });
}

export function enrichmentSetup(env: NodeJS.ProcessEnv, opts: SetupOptions = {}): EnrichmentSetup {
  const cfg = parseEnrichmentEnv(env);
  const feedDir = cfg.THREAT_INTEL_DIR ?? DEMO_FEED_DIR;
  const feeds = ThreatIntelFeeds.fromDirectory(feedDir);
  const geoip = cfg.GEOIP === "on" ? GeoIp.open({ cityDb: cfg.GEOIP_CITY_DB, asnDb: cfg.GEOIP_ASN_DB }) : null;
  const online = onlineProviders(cfg, opts);
  const taxii = cfg.TAXII_URL && cfg.TAXII_API_ROOT && cfg.TAXII_COLLECTION
    ? new TaxiiPoller({ url: cfg.TAXII_URL, apiRoot: cfg.TAXII_API_ROOT, collection: cfg.TAXII_COLLECTION, user: cfg.TAXII_USER, password: cfg.TAXII_PASSWORD, token: cfg.TAXII_TOKEN, ...(opts.fetchImpl ? { fetchImpl: opts.fetchImpl } : {}) }, feeds)
    : null;
  const providers: EnrichmentProvider[] = [ipClassification, ...(geoip ? [geoip] : []), feeds, ...online];
  return {
    providers,
    assetRules: loadAssetInventory(cfg.ASSET_INVENTORY_FILE),
    feeds,
    feedDir,
    geoip,
    online,
    timeoutMs: cfg.ENRICH_TIMEOUT_MS,
    config: cfg,
    taxii,
    start({ cache, log, instance }) {
      const invalid = (e: Error) => log?.warn({ err: e.message }, "ignoring a malformed enrichment record in KV");
      const results = cache ? new ResultCache(cache, invalid) : null;
      const quota = cache ? new SharedQuota(cache, invalid) : null;
      for (const p of online) p.attachCache(results, quota);
      feeds.watch(feedDir, cfg.THREAT_INTEL_RELOAD_SECONDS, log);
      taxii?.start(cfg.TAXII_POLL_SECONDS, log);
      const publisher = cache ? new ProviderStatePublisher(cache, instance, online, ONLINE_PROVIDERS, log) : null;
      publisher?.start(cfg.ENRICH_STATE_SECONDS);
      log?.info({
        geoip: geoip?.sources ?? "off",
        online: online.map((p) => p.name),
        taxii: taxii ? `${cfg.TAXII_URL} ${cfg.TAXII_COLLECTION}` : "off",
      }, "enrichment sources");
      return {
        async stop() {
          feeds.stop();
          taxii?.stop();
          await publisher?.stop();
        },
      };
    },
  };
}
