/**
 * Address questions the policy asks: is this IP ours (never blocked), is it allowlisted, does a
 * domain fall under an allowlisted one. Built on ipaddr.js so IPv4-mapped IPv6 (::ffff:10.0.0.1)
 * cannot sneak an internal address past a string comparison.
 */
import { z } from "zod";
import { NON_PUBLIC_RANGES, parseCidr, parseIp as parseAddress, type IpAddress } from "./ip.js";

export { inCidr, parseCidr, type Cidr } from "./ip.js";

/**
 * A comma-separated list of CIDR ranges, as INTERNAL_RANGES holds it, read into the list of
 * ranges. An entry that is not a range is an error that names it (parseEnv then names the
 * variable): a typo must not leave an internal network looking external.
 */
export const CidrList = z.string().default("").transform((value, ctx) => {
  const ranges = value.split(",").map((s) => s.trim()).filter(Boolean);
  for (const r of ranges) {
    if (!parseCidr(r)) ctx.addIssue({ code: "custom", message: `"${r.slice(0, 60)}" is not a CIDR range; expected ranges such as 10.20.0.0/16 or fd00::/8, comma-separated` });
  }
  return ranges;
});

/** An address as a policy target may write it: bare, or in brackets ([2001:db8::1]). */
export function parseIp(text: string): IpAddress | null {
  // Stryker disable next-line Regex: equivalent: a bracket left unmatched makes the text no address either way
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
  // Stryker disable next-line Regex: equivalent: the policy schema allows "*." only at the start of a domain
  const a = allowlisted.trim().toLowerCase().replace(/^\*\./, "").replace(/\.$/, "");
  return d === a || d.endsWith(`.${a}`);
}
