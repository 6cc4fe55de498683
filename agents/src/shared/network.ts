/**
 * Address questions the policy asks: is this IP ours (never blocked), is it allowlisted, does a
 * domain fall under an allowlisted one. Built on ipaddr.js so IPv4-mapped IPv6 (::ffff:10.0.0.1)
 * cannot sneak an internal address past a string comparison.
 */
import { NON_PUBLIC_RANGES, parseIp as parseAddress, type IpAddress } from "./ip.js";

export { inCidr, parseCidr, type Cidr } from "./ip.js";

/** An address as a policy target may write it: bare, or in brackets ([2001:db8::1]). */
export function parseIp(text: string): IpAddress | null {
  return parseAddress(text.trim().replace(/^\[(.*)\]$/, "$1"));
}

export function normalizedIp(text: string): string | null {
  return parseIp(text)?.toNormalizedString() ?? null;
}

export function isNonPublic(ip: IpAddress): boolean {
  return NON_PUBLIC_RANGES.has(ip.range());
}

/** `sub.example.com` is covered by an allowlisted `example.com`; `badexample.com` is not. */
export function domainCovered(domain: string, allowlisted: string): boolean {
  const d = domain.trim().toLowerCase().replace(/\.$/, "");
  const a = allowlisted.trim().toLowerCase().replace(/^\*\./, "").replace(/\.$/, "");
  return d === a || d.endsWith(`.${a}`);
}
