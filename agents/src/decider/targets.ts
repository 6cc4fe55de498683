/**
 * Whether a proposed target may be acted on. The analyst's text is not trusted to name a target:
 * an IP to block or a host to isolate must be something the normalizer extracted from this very
 * alert, and our own or allowlisted addresses are never blocked.
 */
import type { CanonicalAlert, Enrichment } from "@secops/contracts";
import type { Policy } from "../shared/policy.js";
import { clip } from "./display-text.js";
import { domainCovered, inCidr, isNonPublic, normalizedIp, parseCidr, parseIp } from "../shared/network.js";

export type TargetCheck<T> = { ok: true; value: T; notes: string[] } | { ok: false; rule: string; reason: string };

export function checkBlockTarget(target: string | null, alert: CanonicalAlert, enrichment: Enrichment, policy: Policy): TargetCheck<{ ip: string }> {
  if (!target) return { ok: false, rule: "target.required", reason: "BLOCK_IP needs the IP address to block and the analyst named none" };
  const ip = parseIp(target);
  if (!ip) return { ok: false, rule: "target.must_be_ip", reason: `BLOCK_IP takes an IP address; "${clip(target)}" is not one` };
  const wanted = ip.toNormalizedString();
  const extracted = alert.iocs.find((i) => i.type === "ip" && normalizedIp(i.value) === wanted);
  const hostIp = alert.host.ip !== null && normalizedIp(alert.host.ip) === wanted;
  if (!extracted && !hostIp) {
    return { ok: false, rule: "target.must_be_extracted", reason: `${clip(target)} is not among the addresses extracted from this alert (${listIps(alert)}); a target named only by the analyst is not acted on` };
  }
  if (extracted?.internal || hostIp || isNonPublic(ip)) {
    return { ok: false, rule: "network.never_block_internal", reason: `${clip(target)} is an internal or non-public address; internal addresses are never blocked` };
  }
  const tagged = enrichment.indicators.find((i) => i.type === "ip" && normalizedIp(i.value) === wanted && i.tags.some((t) => /^(private|loopback|internal|link-local)$/i.test(t)));
  if (tagged) return { ok: false, rule: "network.never_block_internal", reason: `${clip(target)} is tagged ${tagged.tags.join(", ")} by enrichment; internal addresses are never blocked` };
  const internalRange = policy.network.internalRanges.find((c) => inCidrText(ip, c));
  if (internalRange) return { ok: false, rule: "network.never_block_internal", reason: `${clip(target)} is inside the internal range ${internalRange} from the policy` };
  if (policy.network.allowlist.ips.some((a) => normalizedIp(a) === wanted)) {
    return { ok: false, rule: "network.allowlist", reason: `${clip(target)} is on the policy's IP allowlist and is never blocked` };
  }
  const cidr = policy.network.allowlist.cidrs.find((c) => inCidrText(ip, c));
  if (cidr) return { ok: false, rule: "network.allowlist", reason: `${clip(target)} is inside the allowlisted range ${cidr} and is never blocked` };
  const geo = enrichment.indicators.find((i) => i.type === "ip" && normalizedIp(i.value) === wanted)?.geo;
  if (geo?.asn != null && (policy.network.allowlist.asns ?? []).includes(geo.asn)) {
    return { ok: false, rule: "network.allowlist", reason: `${clip(target)} belongs to the allowlisted AS${geo.asn}${geo.org ? ` (${clip(geo.org)})` : ""} and is never blocked` };
  }
  // An address that stands in the same place as an allowlisted domain (e.g. both the destination) is that service.
  const role = extracted?.role ?? null;
  const domain = alert.iocs.find((i) => i.type === "domain" && role !== null && i.role === role &&
    policy.network.allowlist.domains.some((d) => domainCovered(i.value, d)));
  if (domain) return { ok: false, rule: "network.allowlist", reason: `${clip(target)} is the ${role} of this alert, as is the allowlisted domain ${domain.value}; it is never blocked` };
  return { ok: true, value: { ip: extracted?.value ?? target.trim() }, notes: [`${clip(target)} was extracted from the alert (${extracted?.path ?? "iocs"}) and is external`] };
}

export function checkIsolateTarget(target: string | null, alert: CanonicalAlert): TargetCheck<{ host: string; ip: string | null }> {
  if (!target) return { ok: false, rule: "target.required", reason: "ISOLATE_HOST needs the host to isolate and the analyst named none" };
  const wanted = target.trim().toLowerCase();
  const wantedIp = normalizedIp(target);
  const hostName = alert.host.name?.toLowerCase() ?? null;
  const hostIp = alert.host.ip !== null ? normalizedIp(alert.host.ip) : null;
  if (hostName !== null && wanted === hostName) return ok({ host: alert.host.name!, ip: alert.host.ip }, "it is the alert's host");
  if (wantedIp !== null && wantedIp === hostIp) return ok({ host: alert.host.name ?? alert.host.ip!, ip: alert.host.ip }, "it is the alert's host address");
  const asset = alert.assets.find((a) => a.toLowerCase() === wanted || (wantedIp !== null && normalizedIp(a) === wantedIp));
  if (asset) return ok({ host: asset, ip: normalizedIp(asset) ? asset : null }, "it is an affected asset named by the alert");
  const ioc = wantedIp !== null ? alert.iocs.find((i) => i.type === "ip" && normalizedIp(i.value) === wantedIp) : undefined;
  if (ioc && ioc.internal) return ok({ host: ioc.value, ip: ioc.value }, "it is an internal address extracted from the alert");
  if (ioc) return { ok: false, rule: "target.isolate_internal_only", reason: `${clip(target)} is an external address; only our own hosts can be isolated` };
  const known = [alert.host.name, alert.host.ip, ...alert.assets].filter(Boolean).join(", ") || "none";
  return { ok: false, rule: "target.must_be_extracted", reason: `${clip(target)} is not a host extracted from this alert (${known}); a target named only by the analyst is not acted on` };
}

export function criticalAssetMatch(host: string, ip: string | null, enrichment: Enrichment, policy: Policy): string | null {
  const names = [host, ip].filter((n): n is string => !!n).map((n) => n.toLowerCase());
  const byName = policy.criticalAssets.names.find((n) => names.includes(n.toLowerCase()));
  if (byName) return `${host} is listed as a critical asset`;
  const byPattern = policy.criticalAssets.patterns.find((p) => names.some((n) => globMatches(p, n)));
  if (byPattern) return `${host} matches the critical-asset pattern ${byPattern}`;
  if (policy.criticalAssets.fromEnrichment && enrichment.asset.criticality === "critical") {
    const same = enrichment.asset.name === null || names.includes(enrichment.asset.name.toLowerCase());
    if (same) return `enrichment rates ${enrichment.asset.name ?? host} critical (${enrichment.asset.reason})`;
  }
  return null;
}

function globMatches(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.toLowerCase().replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  return re.test(name);
}

function ok<T>(value: T, why: string): TargetCheck<T> {
  return { ok: true, value, notes: [why] };
}

function inCidrText(ip: NonNullable<ReturnType<typeof parseIp>>, cidr: string): boolean {
  const parsed = parseCidr(cidr);
  return parsed !== null && inCidr(ip, parsed);
}

function listIps(alert: CanonicalAlert): string {
  const ips = alert.iocs.filter((i) => i.type === "ip").map((i) => i.value);
  return ips.length ? ips.slice(0, 10).join(", ") : "none";
}

