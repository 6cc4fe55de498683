// AlienVault OTX DirectConnect API (otx.alienvault.com/api, "Indicators"): GET
// /api/v1/indicators/{IPv4|IPv6|domain|url|file}/{indicator}/general with the key in
// `X-OTX-API-KEY`. The answer has pulse_info.count (community threat reports naming the
// indicator), pulse_info.pulses[] (name, modified, tags) and validation[] (whitelist hits, e.g.
// a well-known domain). An unknown indicator is 404 or a count of 0.
//
// Verdict: 3 or more pulses -> malicious; 1 or 2 -> suspicious; no pulse and a validation
// (whitelist) entry -> clean; no pulse otherwise -> unknown (nobody reported it, which is not clean).
import ipaddr from "ipaddr.js";
import { read, type OnlineProviderDefinition } from "../online/definition.js";
import type { ProviderVerdict } from "../provider.js";

function section(type: string, value: string): string {
  if (type === "ip") return ipaddr.isValid(value) && ipaddr.parse(value).kind() === "ipv6" ? "IPv6" : "IPv4";
  if (type === "md5" || type === "sha1" || type === "sha256") return "file";
  return type; // domain, url
}

export const otx: OnlineProviderDefinition = {
  name: "otx",
  title: "AlienVault OTX",
  docs: "https://otx.alienvault.com/api",
  enableVar: "OTX_API_KEY",
  urlVar: "OTX_URL",
  defaultUrl: "https://otx.alienvault.com",
  quotaVar: "OTX_QUOTA",
  defaultQuota: { perMinute: null, perDay: null },
  types: ["ip", "domain", "url", "md5", "sha1", "sha256"],
  request: (type, value, key) => ({
    // As the OTXv2 SDK does: the indicator goes into the path as it is, with only ? # % and spaces escaped.
    path: `/api/v1/indicators/${section(type, value)}/${encodeURI(value).replace(/[?#]/g, encodeURIComponent)}/general`,
    headers: { "X-OTX-API-KEY": key },
  }),
  interpret(reply): ProviderVerdict | null {
    const b = read.obj(reply.body);
    const info = read.obj(b.pulse_info);
    const count = read.num(info.count);
    if (count === null) return null;
    const pulses = Array.isArray(info.pulses) ? (info.pulses as unknown[]).map(read.obj) : [];
    const validation = Array.isArray(b.validation) ? (b.validation as unknown[]).map(read.obj) : [];
    const verdict = count >= 3 ? "malicious" : count >= 1 ? "suspicious" : validation.length ? "clean" : "unknown";
    const names = pulses.map((p) => read.str(p.name)).filter((n): n is string => !!n);
    const lastSeen = pulses.map((p) => read.str(p.modified)).filter((d): d is string => !!d).sort().pop() ?? null;
    return {
      verdict,
      detail: `${count} pulse(s)${names.length ? `: ${names.slice(0, 3).join("; ")}` : ""}${validation.length && !count ? `; whitelisted (${validation.map((v) => read.str(v.source) ?? "?").join(", ")})` : ""}`,
      tags: [...new Set(pulses.flatMap((p) => read.strings(p.tags, 5)))].slice(0, 5).map((t) => t.toLowerCase().slice(0, 64)),
      evidence: { pulses: count, pulseNames: names.slice(0, 10), lastSeen, reputation: read.num(b.reputation), whitelist: validation.map((v) => read.str(v.source) ?? "").filter(Boolean) },
    };
  },
};
