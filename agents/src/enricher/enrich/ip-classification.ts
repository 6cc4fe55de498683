import { isDocumentationIp, parseIp } from "../../shared/ip.js";
import type { EnrichmentProvider, ProviderVerdict } from "./provider.js";

// ipaddr.js range names → tags an analyst reads. "unicast" is a public address.
const RANGE_TAGS: Record<string, string> = {
  private: "private", uniqueLocal: "private", loopback: "loopback", linkLocal: "link-local",
  carrierGradeNat: "cgnat", multicast: "multicast", broadcast: "broadcast", unspecified: "unspecified",
  reserved: "reserved", benchmarking: "benchmarking", amt: "reserved", as112: "reserved", deprecated: "reserved",
  orchid2: "reserved", droneRemoteIdProtocolEntityTags: "reserved", ipv4Mapped: "ipv4-mapped", rfc6145: "reserved",
  rfc6052: "reserved", "6to4": "6to4", teredo: "teredo", discard: "reserved",
};

export function ipTags(value: string): string[] {
  const addr = parseIp(value);
  if (!addr) return [];
  const range = addr.range();
  // ipaddr.js files the documentation ranges under "reserved"; name them for what they are.
  const documentation = isDocumentationIp(addr);
  const tags = new Set<string>([documentation ? "documentation-range" : range === "unicast" ? "public" : (RANGE_TAGS[range] ?? range)]);
  tags.add(addr.kind());
  return [...tags];
}

/** Offline: what kind of address this is. Says nothing about reputation, so its verdict is unknown. */
export const ipClassification: EnrichmentProvider = {
  name: "ip-classification",
  online: false,
  supports: (t) => t === "ip",
  async lookup(_type, value): Promise<ProviderVerdict | null> {
    const tags = ipTags(value);
    if (!tags.length) return null;
    return { verdict: "unknown", tags, detail: tags.join(", ") };
  },
};
