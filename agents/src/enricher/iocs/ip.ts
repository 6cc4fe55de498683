// IP parsing and internal/external classification with ipaddr.js. "Internal" means an address an
// analyst would never block or look up as an external indicator: RFC 1918, ULA, loopback,
// link-local, CGNAT (RFC 6598), unspecified, plus the organisation's configured ranges.
import ipaddr from "ipaddr.js";

export type IpClass = { version: 4 | 6; range: string; internal: boolean; normalized: string };

const INTERNAL_RANGES = new Set(["private", "uniqueLocal", "loopback", "linkLocal", "carrierGradeNat", "unspecified"]);

function parseStrict(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const s = ip.trim();
  // ipaddr.isValid accepts "10" and "0x0a.1" forms; indicators must be dotted-quad or real IPv6.
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) return ipaddr.IPv4.isValidFourPartDecimal(s) ? ipaddr.IPv4.parse(s) : null;
  if (s.includes(":") && ipaddr.IPv6.isValid(s)) {
    const v6 = ipaddr.IPv6.parse(s);
    return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
  }
  return null;
}

/** Range name and internal flag of an address, or null when it is not an IP address. */
export function classifyIp(ip: string): IpClass | null {
  const addr = parseStrict(ip);
  if (!addr) return null;
  const range = addr.range();
  return { version: addr.kind() === "ipv4" ? 4 : 6, range, internal: INTERNAL_RANGES.has(range), normalized: addr.toString() };
}

/** Parses CIDR strings once; bad entries are reported, not ignored silently. */
export function parseRanges(ranges: readonly string[]): { parsed: [ipaddr.IPv4 | ipaddr.IPv6, number][]; invalid: string[] } {
  const parsed: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  const invalid: string[] = [];
  for (const r of ranges.map((x) => x.trim()).filter(Boolean)) {
    try {
      parsed.push(ipaddr.parseCIDR(r));
    } catch {
      invalid.push(r);
    }
  }
  return { parsed, invalid };
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
