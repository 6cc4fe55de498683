/**
 * Address questions the policy asks: is this IP ours (never blocked), is it allowlisted, does a
 * domain fall under an allowlisted one. Built on ipaddr.js so IPv4-mapped IPv6 (::ffff:10.0.0.1)
 * cannot sneak an internal address past a string comparison.
 */
import ipaddr from "ipaddr.js";

// Ranges no firewall rule of ours should ever drop. "reserved" is deliberately absent: it holds the
// documentation ranges (TEST-NET) the sample alerts use as attacker addresses.
const NEVER_PUBLIC = new Set(["private", "loopback", "linkLocal", "uniqueLocal", "unspecified", "broadcast", "multicast", "carrierGradeNat"]);

export function parseIp(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const trimmed = text.trim().replace(/^\[(.*)\]$/, "$1");
  if (!ipaddr.isValid(trimmed)) return null;
  // ipaddr.isValid accepts "10" or "0x0a" as IPv4 shorthand; only dotted quads and IPv6 count here.
  if (!trimmed.includes(":") && !/^\d{1,3}(\.\d{1,3}){3}$/.test(trimmed)) return null;
  return ipaddr.process(trimmed);
}

export function normalizedIp(text: string): string | null {
  return parseIp(text)?.toNormalizedString() ?? null;
}

export function isNonPublic(ip: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  return NEVER_PUBLIC.has(ip.range());
}

export type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

export function parseCidr(text: string): Cidr | null {
  try {
    const [addr, bits] = ipaddr.parseCIDR(text.trim());
    return [addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address() : addr, bits];
  } catch {
    return null;
  }
}

export function inCidr(ip: ipaddr.IPv4 | ipaddr.IPv6, cidr: Cidr): boolean {
  return ip.kind() === cidr[0].kind() && ip.match(cidr);
}

/** `sub.example.com` is covered by an allowlisted `example.com`; `badexample.com` is not. */
export function domainCovered(domain: string, allowlisted: string): boolean {
  const d = domain.trim().toLowerCase().replace(/\.$/, "");
  const a = allowlisted.trim().toLowerCase().replace(/^\*\./, "").replace(/\.$/, "");
  return d === a || d.endsWith(`.${a}`);
}
