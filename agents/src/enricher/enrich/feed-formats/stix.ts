// STIX 2.1 (OASIS, "STIX Version 2.1", sections 4.7 Indicator and 9 Patterning): a bundle
// {"type": "bundle", "objects": [...]}, or a TAXII envelope {"objects": [...]}. Each indicator
// object with pattern_type "stix" (the default) contributes the equality comparisons of its
// pattern: ipv4-addr/ipv6-addr value (= or ISSUBSET a CIDR), domain-name:value, url:value,
// email-addr:value and file:hashes.'MD5' / 'SHA-1' / 'SHA-256'. Revoked indicators are skipped;
// valid_until is kept as the hit's expiry; confidence (0-100) is kept; indicator_types "benign"
// reads clean, "anomalous-activity" or "unknown" suspicious, anything else malicious. The source
// is the producer's identity name (created_by_ref), else the file or collection.
import { clipText, FeedError, type FeedIndicator } from "./entry.js";

const COMPARISON = /(ipv4-addr|ipv6-addr|domain-name|url|email-addr|file):(value|hashes\.(?:'[^']+'|"[^"]+"|[A-Za-z0-9-]+))\s*(=|ISSUBSET)\s*'((?:[^'\\]|\\.)*)'/g;

const HASHES: Record<string, FeedIndicator["type"]> = { md5: "md5", "sha-1": "sha1", sha1: "sha1", "sha-256": "sha256", sha256: "sha256" };

export function patternIndicators(pattern: string): { type: FeedIndicator["type"]; value: string }[] {
  const out: { type: FeedIndicator["type"]; value: string }[] = [];
  for (const m of pattern.matchAll(COMPARISON)) {
    const [, object, property, op, raw] = m as unknown as [string, string, string, string, string];
    const value = raw.replace(/\\(.)/g, "$1");
    if (object === "file") {
      const alg = property.slice("hashes.".length).replace(/^['"]|['"]$/g, "").toLowerCase();
      const type = HASHES[alg];
      if (type) out.push({ type, value });
    } else if (object === "ipv4-addr" || object === "ipv6-addr") {
      out.push({ type: op === "ISSUBSET" || value.includes("/") ? "cidr" : "ip", value });
    } else if (object === "domain-name") out.push({ type: "domain", value });
    else if (object === "url") out.push({ type: "url", value });
    else if (object === "email-addr") out.push({ type: "email", value });
  }
  return out;
}

export function isStixDocument(doc: unknown): boolean {
  const d = doc as { type?: unknown; objects?: unknown; spec_version?: unknown } | null;
  return !!d && typeof d === "object" && (d.type === "bundle" || (Array.isArray(d.objects) && !("type" in d)) || (d.type === "indicator" && d.spec_version === "2.1"));
}

export function parseStix(path: string, doc: unknown, source: string): FeedIndicator[] {
  const d = doc as { type?: string; objects?: unknown[] };
  const objects = d.type === "indicator" ? [d] : d.objects;
  if (!Array.isArray(objects)) throw new FeedError(`${path}: a STIX bundle needs an "objects" array`);
  const identities = new Map<string, string>();
  for (const o of objects as Record<string, unknown>[]) {
    if (o?.type === "identity" && typeof o.id === "string" && typeof o.name === "string") identities.set(o.id, o.name);
  }
  const out: FeedIndicator[] = [];
  for (const o of objects as Record<string, unknown>[]) {
    if (o?.type !== "indicator" || o.revoked === true) continue;
    if (o.pattern_type !== undefined && o.pattern_type !== "stix") continue;
    if (typeof o.pattern !== "string") throw new FeedError(`${path}: indicator ${String(o.id)} has no pattern`);
    const types = Array.isArray(o.indicator_types) ? (o.indicator_types as unknown[]).map(String) : [];
    const verdict: FeedIndicator["verdict"] = types.includes("benign") ? "clean" : types.some((t) => t === "anomalous-activity" || t === "unknown") ? "suspicious" : "malicious";
    const validUntil = typeof o.valid_until === "string" ? new Date(o.valid_until) : null;
    if (validUntil && Number.isNaN(validUntil.getTime())) throw new FeedError(`${path}: indicator ${String(o.id)} has valid_until "${o.valid_until}", which is not a timestamp`);
    const confidence = typeof o.confidence === "number" && o.confidence >= 0 && o.confidence <= 100 ? o.confidence : null;
    const by = typeof o.created_by_ref === "string" ? identities.get(o.created_by_ref) : undefined;
    const labels = Array.isArray(o.labels) ? (o.labels as unknown[]).map(String) : [];
    for (const hit of patternIndicators(o.pattern)) {
      out.push({
        ...hit,
        verdict,
        tags: [...types.filter((t) => t !== "malicious-activity"), ...labels].slice(0, 5),
        note: typeof o.name === "string" ? clipText(o.name, 200) : null,
        source: by ? `${source} (${clipText(by, 60)})` : source,
        confidence,
        validUntil,
      });
    }
  }
  return out;
}
