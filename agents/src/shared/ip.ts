// IP addresses and CIDR ranges, parsed one way for the whole pipeline (on ipaddr.js). An address
// is a dotted-quad IPv4 address or an IPv6 address: ipaddr.js on its own also accepts inet_aton
// shorthands such as "10" (10.0.0.0) or "0x0a.1", which must never become an indicator, a policy
// match or a firewall rule. An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is read as the IPv4
// address it carries, so it cannot slip an internal address past a range check.
import ipaddr from "ipaddr.js";

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;
export type Cidr = [IpAddress, number];

const DOTTED_QUAD = /^\d{1,3}(\.\d{1,3}){3}$/;

/** The address, or null when the text is not a dotted-quad IPv4 or an IPv6 address. */
export function parseIp(text: string): IpAddress | null {
  const s = text.trim();
  if (DOTTED_QUAD.test(s)) return ipaddr.IPv4.isValidFourPartDecimal(s) ? ipaddr.IPv4.parse(s) : null;
  if (s.includes(":") && ipaddr.IPv6.isValid(s)) {
    const v6 = ipaddr.IPv6.parse(s);
    return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
  }
  return null;
}

/** Ranges that are ours or nobody's: never an external indicator (RFC 1918, ULA, loopback, link-local, CGNAT, unspecified). */
export const INTERNAL_RANGES: ReadonlySet<string> = new Set(["private", "uniqueLocal", "loopback", "linkLocal", "carrierGradeNat", "unspecified"]);

/**
 * Ranges no firewall rule of ours should ever drop: the internal ones plus broadcast and
 * multicast. "reserved" is deliberately absent: it holds the documentation ranges (TEST-NET)
 * the sample alerts use as attacker addresses.
 */
export const NON_PUBLIC_RANGES: ReadonlySet<string> = new Set([...INTERNAL_RANGES, "broadcast", "multicast"]);

/** The CIDR, or null when it is not one; an IPv4-mapped IPv6 network is read as IPv4. */
export function parseCidr(text: string): Cidr | null {
  const t = text.trim();
  // The address part obeys the same rules as an address ("10/8" is not 10.0.0.0/8).
  if (!parseIp(t.slice(0, Math.max(0, t.indexOf("/"))))) return null;
  try {
    const [addr, bits] = ipaddr.parseCIDR(t);
    if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress()) return [(addr as ipaddr.IPv6).toIPv4Address(), Math.max(0, bits - 96)];
    return [addr, bits];
  } catch {
    return null;
  }
}

/** Parses a list of CIDRs once; entries that are not CIDRs are returned, not dropped silently. */
export function parseCidrs(texts: readonly string[]): { parsed: Cidr[]; invalid: string[] } {
  const parsed: Cidr[] = [];
  const invalid: string[] = [];
  for (const t of texts.map((x) => x.trim()).filter(Boolean)) {
    const c = parseCidr(t);
    if (c) parsed.push(c);
    else invalid.push(t);
  }
  return { parsed, invalid };
}

export function inCidr(ip: IpAddress, cidr: Cidr): boolean {
  return ip.kind() === cidr[0].kind() && ip.match(cidr);
}

// Documentation ranges (RFC 5737, RFC 3849): common in examples and tests; real traffic never has them.
const DOCUMENTATION: Cidr[] = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"].map((c) => parseCidr(c)!);

export function isDocumentationIp(ip: IpAddress): boolean {
  return DOCUMENTATION.some((c) => inCidr(ip, c));
}
