// Action targets are re-validated here even though the policy checked them: the responder is
// the last line before a real effect, and a target with quotes or spaces could otherwise
// become part of a vendor query (FQL, OData) or a command line.
import { parseIp } from "../shared/ip.js";

/**
 * The IP in its normalized text form; throws naming the value when it is not a dotted-quad IPv4
 * or an IPv6 address ("10" is not 10.0.0.0 here). An IPv4-mapped IPv6 address is blocked as the
 * IPv4 address firewalls will see.
 */
export function validIp(ip: string): string {
  const parsed = parseIp(ip);
  if (!parsed) throw new Error(`"${ip.trim().slice(0, 64)}" is not an IPv4 or IPv6 address: expected four decimal parts (203.0.113.7) or IPv6`);
  return parsed.toString();
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_-]{1,63})*$/;

/** The host name lowercased; throws when it is not a DNS-style name (no quotes, spaces or operators). */
export function validHostname(host: string): string {
  const s = host.trim();
  if (!HOSTNAME.test(s)) throw new Error(`"${s.slice(0, 64)}" is not a host name: expected letters, digits, '-', '_' and dots`);
  return s.toLowerCase();
}
