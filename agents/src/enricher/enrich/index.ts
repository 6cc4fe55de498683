// Enrichment of an alert's indicators: every provider that supports the indicator type is asked,
// all at once, under one deadline for the whole alert (ENRICH_TIMEOUT_MS); the worst verdict wins.
// A provider that fails, is rate-limited, over its quota or too slow makes the indicator "unknown"
// for that source with the reason, never "clean". Online providers cache their answers in KV
// themselves (per verdict); other online sources are cached here.
import type { KV } from "@nats-io/kv";
import type { CanonicalAlert, Enrichment, IndicatorEnrichment } from "@secops/contracts";
import type { Logger } from "../../runtime/logger.js";
import { boundEvidence, worstVerdict, type EnrichmentProvider, type ProviderVerdict } from "./provider.js";
import { assessAsset, type AssetRule } from "./assets.js";
import { cacheKey } from "./online/cache.js";
import { getJson } from "../../state/kv.js";
import { EnrichmentCacheEntry } from "../../state/records.js";
import { ProviderUnavailable } from "./online/definition.js";

export const DEFAULT_ENRICH_TIMEOUT_MS = 5000;

export interface EnrichDeps {
  providers: EnrichmentProvider[];
  assetRules: AssetRule[];
  cache?: KV | null;
  log?: Logger;
  suppression?: Enrichment["suppressed"];
  /** One deadline for all lookups of the alert. */
  timeoutMs?: number;
}

type Source = IndicatorEnrichment["sources"][number];
interface Outcome { source: Source | null; answer: ProviderVerdict | null; online: boolean; cached: boolean }

async function ask(p: EnrichmentProvider, ioc: CanonicalAlert["iocs"][number], deps: EnrichDeps, signal: AbortSignal): Promise<{ answer: ProviderVerdict | null; cached: boolean }> {
  const key = p.online && !p.ownsCache && deps.cache ? cacheKey(p.name, ioc.type, ioc.value) : null;
  if (key && deps.cache) {
    // A cached answer is validated like every KV record; a foreign or broken entry is asked again.
    const hit = await getJson(deps.cache, key, EnrichmentCacheEntry).catch(() => null);
    if (hit) return { answer: hit.value as ProviderVerdict | null, cached: true };
  }
  const answer = await p.lookup(ioc.type, ioc.value, { signal, internal: ioc.internal });
  if (key && deps.cache) await deps.cache.put(key, JSON.stringify(answer)).catch(() => {});
  return { answer, cached: answer?.cached === true };
}

function sourceOf(name: string, a: ProviderVerdict): Source {
  return {
    name,
    verdict: a.verdict,
    ...(a.detail ? { detail: a.detail.slice(0, 1024) } : {}),
    ...(a.evidence ? { evidence: boundEvidence(a.evidence)! } : {}),
    ...(a.confidence !== undefined ? { confidence: Math.max(0, Math.min(100, Math.round(a.confidence))) } : {}),
  };
}

export async function enrichIndicators(alert: CanonicalAlert, deps: EnrichDeps): Promise<Enrichment> {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_ENRICH_TIMEOUT_MS;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"deadline">((resolve) => {
    timer = setTimeout(() => { controller.abort(new Error("enrichment deadline")); resolve("deadline"); }, timeoutMs);
  });

  const lookupOne = async (p: EnrichmentProvider, ioc: CanonicalAlert["iocs"][number]): Promise<Outcome> => {
    try {
      const r = await Promise.race([ask(p, ioc, deps, controller.signal), deadline]);
      if (r === "deadline") {
        return { source: { name: p.name, verdict: "unknown", detail: `no answer within ENRICH_TIMEOUT_MS (${timeoutMs} ms)` }, answer: null, online: p.online, cached: false };
      }
      return { source: r.answer ? sourceOf(p.name, r.answer) : null, answer: r.answer, online: p.online, cached: r.cached };
    } catch (e) {
      const reason = e instanceof ProviderUnavailable ? e.message : `lookup failed: ${(e as Error).message}`;
      // A provider being skipped (quota, 429 window) is expected and said once when it starts; a failure is news.
      const skipped = e instanceof ProviderUnavailable && e.kind === "quota";
      deps.log?.[skipped ? "debug" : "warn"]({ provider: p.name, ioc: ioc.type, err: (e as Error).message }, "enrichment provider could not answer");
      return { source: { name: p.name, verdict: "unknown", detail: reason.slice(0, 1024) }, answer: null, online: p.online, cached: false };
    }
  };

  let indicators: IndicatorEnrichment[];
  try {
    indicators = await Promise.all(alert.iocs.map(async (ioc) => {
      const outcomes = await Promise.all(deps.providers.filter((x) => x.supports(ioc.type)).map((p) => lookupOne(p, ioc)));
      const sources = outcomes.map((o) => o.source).filter((s): s is Source => s !== null);
      const tags = new Set<string>();
      if (ioc.type === "ip") tags.add(ioc.internal ? "internal" : "external");
      let geo: IndicatorEnrichment["geo"] = null;
      for (const o of outcomes) {
        o.answer?.tags?.forEach((t) => tags.add(t.slice(0, 64)));
        geo ??= o.answer?.geo ?? null;
      }
      const online = outcomes.filter((o) => o.online && o.source);
      return {
        type: ioc.type,
        value: ioc.value,
        verdict: worstVerdict(sources.map((s) => s.verdict)),
        sources,
        tags: [...tags].slice(0, 50),
        geo,
        cached: online.length > 0 && online.every((o) => o.cached),
      };
    }));
  } finally {
    clearTimeout(timer);
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
