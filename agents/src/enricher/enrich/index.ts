// Enrichment of an alert's indicators: every provider that supports the indicator type is
// asked; the worst verdict wins; online answers are cached in KV; a failing provider makes
// the indicator "unknown" for that source, never "clean".
import { createHash } from "node:crypto";
import type { KV } from "@nats-io/kv";
import type { CanonicalAlert, Enrichment, IndicatorEnrichment } from "@secops/contracts";
import type { Logger } from "../../runtime/logger.js";
import { worstVerdict, type EnrichmentProvider, type ProviderVerdict } from "./provider.js";
import { assessAsset, type AssetRule } from "./assets.js";

export interface EnrichDeps {
  providers: EnrichmentProvider[];
  assetRules: AssetRule[];
  cache?: KV | null;
  log?: Logger;
  suppression?: Enrichment["suppressed"];
}

function cacheKey(provider: string, type: string, value: string): string {
  return `${provider}.${type}.${createHash("sha256").update(value.toLowerCase()).digest("hex").slice(0, 40)}`;
}

async function ask(p: EnrichmentProvider, type: IndicatorEnrichment["type"], value: string, deps: EnrichDeps): Promise<{ answer: ProviderVerdict | null; cached: boolean }> {
  const key = p.online && deps.cache ? cacheKey(p.name, type, value) : null;
  if (key && deps.cache) {
    const hit = await deps.cache.get(key).catch(() => null);
    if (hit && hit.operation === "PUT") return { answer: hit.json<ProviderVerdict | null>(), cached: true };
  }
  const answer = await p.lookup(type, value);
  if (key && deps.cache) await deps.cache.put(key, JSON.stringify(answer)).catch(() => {});
  return { answer, cached: false };
}

export async function enrichIndicators(alert: CanonicalAlert, deps: EnrichDeps): Promise<Enrichment> {
  const indicators: IndicatorEnrichment[] = [];
  for (const ioc of alert.iocs) {
    const sources: IndicatorEnrichment["sources"] = [];
    const tags = new Set<string>();
    if (ioc.type === "ip") tags.add(ioc.internal ? "internal" : "external");
    let geo: IndicatorEnrichment["geo"] = null;
    let cachedAll = true;
    for (const p of deps.providers.filter((x) => x.supports(ioc.type))) {
      try {
        const { answer, cached } = await ask(p, ioc.type, ioc.value, deps);
        cachedAll &&= cached;
        if (!answer) continue;
        sources.push({ name: p.name, verdict: answer.verdict, ...(answer.detail ? { detail: answer.detail.slice(0, 1024) } : {}) });
        answer.tags?.forEach((t) => tags.add(t));
        geo ??= answer.geo ?? null;
      } catch (e) {
        cachedAll = false;
        sources.push({ name: p.name, verdict: "unknown", detail: `lookup failed: ${(e as Error).message}`.slice(0, 1024) });
        deps.log?.warn({ provider: p.name, err: (e as Error).message }, "enrichment provider failed");
      }
    }
    indicators.push({
      type: ioc.type,
      value: ioc.value,
      verdict: worstVerdict(sources.map((s) => s.verdict)),
      sources,
      tags: [...tags].slice(0, 50),
      geo,
      cached: sources.length > 0 && cachedAll,
    });
  }
  const count = (v: string) => indicators.filter((i) => i.verdict === v).length;
  return {
    indicators,
    asset: assessAsset(alert, deps.assetRules),
    summary: {
      malicious: count("malicious"),
      suspicious: count("suspicious"),
      clean: count("clean"),
      unknown: count("unknown"),
      externalIps: alert.iocs.filter((i) => i.type === "ip" && !i.internal).length,
      internalIps: alert.iocs.filter((i) => i.type === "ip" && i.internal).length,
    },
    providers: deps.providers.map((p) => p.name),
    suppressed: deps.suppression ?? null,
  };
}
