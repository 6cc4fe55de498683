// IP parsing and internal/external classification with ipaddr.js. "Internal" means an address an
// analyst would never block or look up as an external indicator: RFC 1918, ULA, loopback,
// link-local, CGNAT (RFC 6598), unspecified, plus the organisation's configured ranges.
// Parsing and the range sets are the pipeline's one IP module (shared/ip.ts).
import { INTERNAL_RANGES, parseCidrs, parseIp as parseStrict, type Cidr } from "../../shared/ip.js";

export type IpClass = { version: 4 | 6; range: string; internal: boolean; normalized: string };

/** Range name and internal flag of an address, or null when it is not an IP address. */
export function classifyIp(ip: string): IpClass | null {
  const addr = parseStrict(ip);
  if (!addr) return null;
  const range = addr.range();
  return { version: addr.kind() === "ipv4" ? 4 : 6, range, internal: INTERNAL_RANGES.has(range), normalized: addr.toString() };
}

/** Parses CIDR strings once; bad entries are reported, not ignored silently. */
export function parseRanges(ranges: readonly string[]): { parsed: Cidr[]; invalid: string[] } {
  return parseCidrs(ranges);
}

/** True for built-in internal ranges and for any of the configured CIDRs. */
export function isInternalIp(ip: string, ranges: readonly string[] = []): boolean {
  const c = classifyIp(ip);
  if (!c) return false;
  if (c.internal) return true;
  const addr = parseStrict(ip)!;
  return parseRanges(ranges).parsed.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits));
}

/** A reusable checker for many addresses against the same configured ranges. */
export function internalChecker(ranges: readonly string[]): (ip: string) => boolean {
  const { parsed } = parseRanges(ranges);
  return (ip) => {
    const c = classifyIp(ip);
    if (!c) return false;
    if (c.internal) return true;
    const addr = parseStrict(ip)!;
    return parsed.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits));
  };
}

/** Addresses that never identify an actor: 0.0.0.0, broadcast, multicast, documentation-reserved "reserved" blocks. */
export function isMeaninglessIp(c: IpClass): boolean {
  return c.range === "unspecified" || c.range === "broadcast" || c.range === "multicast";
}
