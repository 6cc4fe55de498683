// Defense in depth for the never-block rules. The decider is the place where the policy is applied,
// but a decider bug (or a deleted branch) must not let the responder block one of our own or an
// allowlisted address, or isolate a critical asset without the approvers the policy demands. So the
// responder checks these rules again, here, on its own reading of the policy, written separately
// from decider/targets.ts so that one mistake does not remove both checks. A refusal is also a
// security event (the decider let it through), shown on the dashboard next to forged signatures.
import type { DecidedMessage } from "@secops/contracts";
import type { Policy } from "../shared/policy.js";
import { domainCovered, inCidr, isNonPublic, normalizedIp, parseCidr, parseIp } from "../shared/network.js";

export interface GuardRefusal {
  rule: "network.never_block_internal" | "network.allowlist" | "asset.critical";
  reason: string;
}

const INTERNAL_TAGS = new Set(["private", "loopback", "internal", "link-local"]);

/**
 * Why this decision must not act, or null. `approvers` is the number of different people who
 * approved it (0 for an automatic decision). Shadow decisions change nothing and are not checked.
 */
export function neverBlockRefusal(msg: DecidedMessage, policy: Policy, approvers: number): GuardRefusal | null {
  const p = msg.decision.parameters;
  if (msg.decision.mode === "shadow") return null;
  if (p.action === "BLOCK_IP") return blockRefusal(p.ip, msg, policy);
  if (p.action === "ISOLATE_HOST") return isolateRefusal(p.host, p.ip, msg, policy, approvers);
  return null;
}

function blockRefusal(target: string, msg: DecidedMessage, policy: Policy): GuardRefusal | null {
  const ip = parseIp(target);
  // An unparsable target is refused by the action's own validation (responder/targets.ts).
  if (!ip) return null;
  const wanted = ip.toNormalizedString();
  const internal = (why: string): GuardRefusal => ({ rule: "network.never_block_internal", reason: `${target} ${why}; internal addresses are never blocked` });
  const allow = (why: string): GuardRefusal => ({ rule: "network.allowlist", reason: `${target} ${why}; it is never blocked` });
  const same = (text: string | null | undefined) => text != null && normalizedIp(text) === wanted;

  if (isNonPublic(ip)) return internal(`is a non-public address (${ip.range()})`);
  if (msg.alert.iocs.some((i) => i.type === "ip" && i.internal && same(i.value))) return internal("was extracted from the alert as an internal address");
  if (same(msg.alert.host.ip)) return internal("is the alert's own host");
  const tagged = msg.enrichment.indicators.find((i) => i.type === "ip" && same(i.value) && i.tags.some((t) => INTERNAL_TAGS.has(t.toLowerCase())));
  if (tagged) return internal(`is tagged ${tagged.tags.join(", ")} by enrichment`);
  const range = policy.network.internalRanges.find((c) => within(ip, c));
  if (range) return internal(`is inside the policy's internal range ${range}`);

  if (policy.network.allowlist.ips.some((a) => same(a))) return allow("is on the policy's IP allowlist");
  const cidr = policy.network.allowlist.cidrs.find((c) => within(ip, c));
  if (cidr) return allow(`is inside the allowlisted range ${cidr}`);
  const asn = msg.enrichment.indicators.find((i) => i.type === "ip" && same(i.value))?.geo?.asn;
  if (asn != null && (policy.network.allowlist.asns ?? []).includes(asn)) return allow(`belongs to the allowlisted AS${asn}`);
  const role = msg.alert.iocs.find((i) => i.type === "ip" && same(i.value))?.role ?? null;
  const domain = role === null ? undefined : msg.alert.iocs.find((i) => i.type === "domain" && i.role === role && policy.network.allowlist.domains.some((d) => domainCovered(i.value, d)));
  if (domain) return allow(`is the ${role} of this alert, as is the allowlisted domain ${domain.value}`);
  return null;
}

function isolateRefusal(host: string, ip: string | null, msg: DecidedMessage, policy: Policy, approvers: number): GuardRefusal | null {
  const names = [host, ip].filter((n): n is string => !!n).map((n) => n.toLowerCase());
  const asset = msg.enrichment.asset;
  const critical =
    policy.criticalAssets.names.some((n) => names.includes(n.toLowerCase())) ||
    policy.criticalAssets.patterns.some((pat) => names.some((n) => glob(pat).test(n))) ||
    (policy.criticalAssets.fromEnrichment && asset.criticality === "critical" && (asset.name === null || names.includes(asset.name.toLowerCase())));
  if (!critical) return null;
  const required = Math.max(policy.criticalAssets.approvers, policy.actions.ISOLATE_HOST.approvers);
  if (msg.decision.status === "approved" && approvers >= required) return null;
  const had = msg.decision.status === "approved" ? `${approvers} approver(s)` : `no approval (${msg.decision.mode} mode)`;
  return { rule: "asset.critical", reason: `${host} is a critical asset; the policy demands ${required} approver(s) to isolate it and the decision had ${had}` };
}

function within(ip: NonNullable<ReturnType<typeof parseIp>>, cidr: string): boolean {
  const parsed = parseCidr(cidr);
  return parsed !== null && inCidr(ip, parsed);
}

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.toLowerCase().replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
}
