/**
 * Typed reads of the facts the rules analyst weighs. Vendors and the seed name the same fact
 * differently (failed_attempts / failedLogins, endpoint / device), and context values may be
 * strings ("true", "47"), so every read tries the known spellings and coerces.
 */
import type { CanonicalAlert, Enrichment, IndicatorEnrichment, Ioc } from "@secops/contracts";
import type { GeoPolicy } from "./rules-geo.js";

type ContextValue = CanonicalAlert["context"][string];

export class AlertFacts {
  private readonly context = new Map<string, ContextValue>();

  /** `geoPolicy`: the policy's allowlisted ASes and high-risk countries (rules-geo.ts). */
  constructor(readonly alert: CanonicalAlert, readonly enrichment: Enrichment, readonly geoPolicy: GeoPolicy = {}) {
    for (const [k, v] of Object.entries(alert.context)) this.context.set(canonicalKey(k), v);
  }

  private value(keys: string[]): ContextValue | undefined {
    for (const k of keys) {
      const v = this.context.get(canonicalKey(k));
      if (v !== undefined) return v;
    }
    return undefined;
  }

  number(...keys: string[]): number | null {
    const v = this.value(keys);
    if (typeof v === "number" && Number.isFinite(v)) return v;
    if (typeof v === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
    return null;
  }

  flag(...keys: string[]): boolean | null {
    const v = this.value(keys);
    if (typeof v === "boolean") return v;
    if (typeof v === "number") return v !== 0;
    if (typeof v === "string") {
      if (/^\s*(true|yes|1|y)\s*$/i.test(v)) return true;
      if (/^\s*(false|no|0|n)\s*$/i.test(v)) return false;
    }
    return null;
  }

  text(...keys: string[]): string | null {
    const v = this.value(keys);
    if (typeof v === "string") return v;
    if (Array.isArray(v)) return v.join(", ");
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    return null;
  }

  list(...keys: string[]): string[] {
    const v = this.value(keys);
    if (Array.isArray(v)) return v;
    if (typeof v === "string") return v.split(/\s*[,;]\s*/).filter(Boolean);
    return [];
  }

  /** Title, description and every context string: where the vendor states what it saw. */
  get narrative(): string {
    const parts = [this.alert.title, this.alert.description];
    for (const v of this.context.values()) if (typeof v === "string") parts.push(v);
    return parts.join(" \n ");
  }

  indicatorFor(ioc: { type: string; value: string }): IndicatorEnrichment | null {
    return this.enrichment.indicators.find((i) => i.type === ioc.type && i.value.toLowerCase() === ioc.value.toLowerCase()) ?? null;
  }

  get externalIps(): Ioc[] {
    return this.alert.iocs.filter((i) => i.type === "ip" && !i.internal);
  }

  /**
   * The external address the activity came from: role "source" first, then unlabelled ones,
   * the worst reputation first among equals.
   */
  externalSourceIp(): { ioc: Ioc; indicator: IndicatorEnrichment | null } | null {
    const rank = { malicious: 0, suspicious: 1, unknown: 2, clean: 3 } as const;
    const candidates = this.externalIps
      .filter((i) => i.role !== "destination")
      .map((ioc) => ({ ioc, indicator: this.indicatorFor(ioc) }))
      .sort((a, b) =>
        (a.ioc.role === "source" ? 0 : 1) - (b.ioc.role === "source" ? 0 : 1) ||
        rank[a.indicator?.verdict ?? "unknown"] - rank[b.indicator?.verdict ?? "unknown"]);
    return candidates[0] ?? null;
  }

  externalDestinations(): { ioc: Ioc; indicator: IndicatorEnrichment | null }[] {
    return this.alert.iocs
      .filter((i) => i.role === "destination" && (i.type !== "ip" || !i.internal))
      .map((ioc) => ({ ioc, indicator: this.indicatorFor(ioc) }));
  }

  internalSourceIp(): Ioc | null {
    return this.alert.iocs.find((i) => i.type === "ip" && i.internal && i.role === "source") ?? null;
  }

  /** The host an isolation would cut off: the alert's own host, never a server it merely names. */
  get hostTarget(): string | null {
    return this.alert.host.name ?? this.alert.host.ip ?? null;
  }

  get maliciousIndicators(): IndicatorEnrichment[] {
    return this.enrichment.indicators.filter((i) => i.verdict === "malicious");
  }

  get suspiciousIndicators(): IndicatorEnrichment[] {
    return this.enrichment.indicators.filter((i) => i.verdict === "suspicious");
  }

  hasTag(tag: RegExp): IndicatorEnrichment | null {
    return this.enrichment.indicators.find((i) => i.tags.some((t) => tag.test(t))) ?? null;
  }
}

function canonicalKey(key: string): string {
  return key.replace(/[^A-Za-z0-9]/g, "").toLowerCase();
}
