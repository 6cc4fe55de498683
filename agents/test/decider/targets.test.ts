// The decider's target rules one at a time: each case trips exactly one branch of
// checkBlockTarget / checkIsolateTarget / criticalAssetMatch, so deleting that branch fails here
// (the other rules would not catch it). Found by mutation testing (npm run mutation).
import { describe, expect, it } from "vitest";
import type { CanonicalAlert, Enrichment, IndicatorEnrichment } from "@secops/contracts";
import { loadPolicy, type Policy } from "../../src/shared/policy.js";
import { checkBlockTarget, checkIsolateTarget, criticalAssetMatch } from "../../src/decider/targets.js";
import { indicator, ip, makeAlert, makeEnrichment } from "../investigator/seed-fixtures.js";

const policy = loadPolicy();
const withNetwork = (network: Partial<Policy["network"]>): Policy => ({ ...policy, network: { ...policy.network, ...network } });
const allow = (a: Partial<Policy["network"]["allowlist"]>): Policy => withNetwork({ allowlist: { ips: [], cidrs: [], domains: [], ...a } });
const asset = { name: "ws-1.example.com", criticality: "medium" as const, reason: "test" };

function alertWith(over: Partial<CanonicalAlert> = {}): CanonicalAlert {
  return makeAlert({ category: "network_scan", severity: "high", title: "targets", iocs: [ip("203.0.113.7", "source", false, "src")], ...over });
}
const none = makeEnrichment([], asset);
const enriched = (...i: IndicatorEnrichment[]): Enrichment => makeEnrichment(i, asset);
const geoIndicator = (value: string, asn: number, org: string | null = "Example Net"): IndicatorEnrichment =>
  ({ ...indicator("ip", value, "unknown"), geo: { countryCode: "US", country: "United States", city: null, asn, org } }) as IndicatorEnrichment;

describe("checkBlockTarget", () => {
  it("allows an extracted external address, keeping the extracted spelling", () => {
    expect(checkBlockTarget("203.0.113.7", alertWith(), none, policy)).toEqual({ ok: true, value: { ip: "203.0.113.7" }, notes: ["203.0.113.7 was extracted from the alert (src) and is external"] });
    const v6 = alertWith({ iocs: [{ type: "ip", value: "2001:db8::7", role: "source", internal: false, from: "field" }] });
    expect(checkBlockTarget(" 2001:0db8:0:0::7 ", v6, none, policy)).toMatchObject({ ok: true, value: { ip: "2001:db8::7" }, notes: [expect.stringMatching(/\(iocs\) and is external/)] });
  });

  it("needs a target, an IP, and one the normalizer extracted", () => {
    expect(checkBlockTarget(null, alertWith(), none, policy)).toMatchObject({ ok: false, rule: "target.required" });
    expect(checkBlockTarget("", alertWith(), none, policy)).toMatchObject({ ok: false, rule: "target.required" });
    expect(checkBlockTarget("evil.example", alertWith(), none, policy)).toMatchObject({ ok: false, rule: "target.must_be_ip", reason: 'BLOCK_IP takes an IP address; "evil.example" is not one' });
    expect(checkBlockTarget("203.0.113.8", alertWith(), none, policy)).toMatchObject({ ok: false, rule: "target.must_be_extracted", reason: expect.stringContaining("(203.0.113.7)") });
    expect(checkBlockTarget("203.0.113.8", alertWith({ iocs: [] }), none, policy)).toMatchObject({ reason: expect.stringContaining("(none)") });
    // a domain IoC with the same text is not an extracted address
    const dom = alertWith({ iocs: [{ type: "domain", value: "203.0.113.9", role: "source", internal: false, from: "field" }] });
    expect(checkBlockTarget("203.0.113.9", dom, none, policy)).toMatchObject({ ok: false, rule: "target.must_be_extracted" });
  });

  it("network.never_block_internal: an address the normalizer marked internal (a public range used inside)", () => {
    const a = alertWith({ iocs: [ip("198.51.100.9", "destination", true)] });
    expect(checkBlockTarget("198.51.100.9", a, none, policy)).toMatchObject({ ok: false, rule: "network.never_block_internal", reason: expect.stringMatching(/internal or non-public/) });
  });

  it("network.never_block_internal: the alert's own host address, even when not among the IoCs", () => {
    const a = alertWith({ host: { name: "ws-1", ip: "198.51.100.10" } });
    expect(checkBlockTarget("198.51.100.10", a, none, policy)).toMatchObject({ ok: false, rule: "network.never_block_internal" });
  });

  it("network.never_block_internal: a non-public address the normalizer did not mark internal", () => {
    for (const t of ["10.1.1.1", "::ffff:10.1.1.1", "192.168.0.5", "fe80::1"]) {
      const a = alertWith({ iocs: [ip(t, "destination", false)] });
      expect(checkBlockTarget(t, a, none, policy), t).toMatchObject({ ok: false, rule: "network.never_block_internal" });
    }
  });

  it("network.never_block_internal: an address enrichment tagged internal (any case), not other tags or other addresses", () => {
    const a = alertWith({ iocs: [ip("198.51.100.11", "destination", false)] });
    expect(checkBlockTarget("198.51.100.11", a, enriched(indicator("ip", "198.51.100.11", "unknown", ["Link-Local"])), policy)).toMatchObject({ ok: false, rule: "network.never_block_internal", reason: "198.51.100.11 is tagged Link-Local by enrichment; internal addresses are never blocked" });
    expect(checkBlockTarget("198.51.100.11", a, enriched(indicator("ip", "198.51.100.11", "unknown", ["not-private"]), indicator("ip", "198.51.100.12", "unknown", ["private"]), indicator("domain", "198.51.100.11", "unknown", ["private"])), policy)).toMatchObject({ ok: true });
  });

  it("network.never_block_internal: the policy's internal ranges", () => {
    expect(checkBlockTarget("203.0.113.7", alertWith(), none, withNetwork({ internalRanges: ["203.0.113.0/24"] }))).toMatchObject({ ok: false, rule: "network.never_block_internal", reason: "203.0.113.7 is inside the internal range 203.0.113.0/24 from the policy" });
    expect(checkBlockTarget("203.0.113.7", alertWith(), none, withNetwork({ internalRanges: ["203.0.114.0/24", "2001:db8::/32"] }))).toMatchObject({ ok: true });
  });

  it("network.allowlist: IPs, CIDRs and ASNs", () => {
    expect(checkBlockTarget("203.0.113.7", alertWith(), none, allow({ ips: ["203.0.113.7"] }))).toMatchObject({ ok: false, rule: "network.allowlist", reason: "203.0.113.7 is on the policy's IP allowlist and is never blocked" });
    expect(checkBlockTarget("203.0.113.7", alertWith(), none, allow({ ips: ["203.0.113.70"] }))).toMatchObject({ ok: true });
    expect(checkBlockTarget("203.0.113.7", alertWith(), none, allow({ cidrs: ["203.0.113.0/29"] }))).toMatchObject({ ok: false, rule: "network.allowlist", reason: "203.0.113.7 is inside the allowlisted range 203.0.113.0/29 and is never blocked" });
    expect(checkBlockTarget("203.0.113.7", alertWith(), none, allow({ cidrs: ["203.0.113.8/29"] }))).toMatchObject({ ok: true });
    expect(checkBlockTarget("203.0.113.7", alertWith(), enriched(geoIndicator("203.0.113.7", 13335)), allow({ asns: [13335] }))).toMatchObject({ ok: false, rule: "network.allowlist", reason: "203.0.113.7 belongs to the allowlisted AS13335 (Example Net) and is never blocked" });
    expect(checkBlockTarget("203.0.113.7", alertWith(), enriched(geoIndicator("203.0.113.7", 13335, null)), allow({ asns: [13335] }))).toMatchObject({ reason: "203.0.113.7 belongs to the allowlisted AS13335 and is never blocked" });
    expect(checkBlockTarget("203.0.113.7", alertWith(), enriched(geoIndicator("203.0.113.7", 13335)), allow({ asns: [64500] }))).toMatchObject({ ok: true });
    expect(checkBlockTarget("203.0.113.7", alertWith(), enriched(geoIndicator("203.0.113.7", 13335)), allow({}))).toMatchObject({ ok: true });
    expect(checkBlockTarget("203.0.113.7", alertWith(), enriched(geoIndicator("203.0.113.8", 13335)), allow({ asns: [13335] }))).toMatchObject({ ok: true });
  });

  it("network.allowlist: an address in the same role as an allowlisted domain", () => {
    const a = alertWith({ iocs: [ip("203.0.113.7", "destination", false), { type: "domain", value: "ns1.Resolver.example", role: "destination", internal: false, from: "field" }] });
    expect(checkBlockTarget("203.0.113.7", a, none, allow({ domains: ["resolver.example"] }))).toMatchObject({ ok: false, rule: "network.allowlist", reason: "203.0.113.7 is the destination of this alert, as is the allowlisted domain ns1.Resolver.example; it is never blocked" });
    expect(checkBlockTarget("203.0.113.7", a, none, allow({ domains: ["other.example"] }))).toMatchObject({ ok: true });
    const otherRole = alertWith({ iocs: [ip("203.0.113.7", "source", false), { type: "domain", value: "ns1.resolver.example", role: "destination", internal: false, from: "field" }] });
    expect(checkBlockTarget("203.0.113.7", otherRole, none, allow({ domains: ["resolver.example"] }))).toMatchObject({ ok: true });
    const ipNotDomain = alertWith({ iocs: [ip("203.0.113.7", "destination", false), ip("203.0.113.9", "destination", false)] });
    expect(checkBlockTarget("203.0.113.7", ipNotDomain, none, allow({ domains: ["resolver.example"] }))).toMatchObject({ ok: true });
  });
});

describe("checkIsolateTarget", () => {
  const a = alertWith({ host: { name: "WS-1.example.com", ip: "10.0.0.5" }, assets: ["db-7", "10.0.0.8"], iocs: [ip("10.0.0.9", "source", true), ip("203.0.113.7", "destination", false)] });

  it("the alert's host by name (any case) or address, an affected asset, or an internal extracted address", () => {
    expect(checkIsolateTarget(" ws-1.EXAMPLE.com ", a)).toEqual({ ok: true, value: { host: "WS-1.example.com", ip: "10.0.0.5" }, notes: ["it is the alert's host"] });
    expect(checkIsolateTarget("::ffff:10.0.0.5", a)).toEqual({ ok: true, value: { host: "WS-1.example.com", ip: "10.0.0.5" }, notes: ["it is the alert's host address"] });
    expect(checkIsolateTarget("10.0.0.5", alertWith({ host: { name: null, ip: "10.0.0.5" } }))).toMatchObject({ ok: true, value: { host: "10.0.0.5", ip: "10.0.0.5" } });
    expect(checkIsolateTarget("DB-7", a)).toEqual({ ok: true, value: { host: "db-7", ip: null }, notes: ["it is an affected asset named by the alert"] });
    expect(checkIsolateTarget("10.0.0.8", a)).toMatchObject({ ok: true, value: { host: "10.0.0.8", ip: "10.0.0.8" } });
    expect(checkIsolateTarget("10.0.0.9", a)).toEqual({ ok: true, value: { host: "10.0.0.9", ip: "10.0.0.9" }, notes: ["it is an internal address extracted from the alert"] });
  });

  it("refuses an external address, an unknown host, and no target", () => {
    expect(checkIsolateTarget("203.0.113.7", a)).toMatchObject({ ok: false, rule: "target.isolate_internal_only" });
    expect(checkIsolateTarget("dc-01", a)).toMatchObject({ ok: false, rule: "target.must_be_extracted", reason: expect.stringContaining("(WS-1.example.com, 10.0.0.5, db-7, 10.0.0.8)") });
    expect(checkIsolateTarget("dc-01", alertWith())).toMatchObject({ reason: expect.stringContaining("(none)") });
    expect(checkIsolateTarget("10.0.0.77", a)).toMatchObject({ ok: false, rule: "target.must_be_extracted" });
    expect(checkIsolateTarget(null, a)).toMatchObject({ ok: false, rule: "target.required" });
  });
});

describe("criticalAssetMatch", () => {
  const p = (c: Partial<Policy["criticalAssets"]>): Policy => ({ ...policy, criticalAssets: { ...policy.criticalAssets, names: [], patterns: [], ...c } });
  const rated = (criticality: Enrichment["asset"]["criticality"], name: string | null = "ws-1") => makeEnrichment([], { name, criticality, reason: "cmdb" });

  it("names (any case, host or address), patterns, and enrichment's rating for the same asset", () => {
    expect(criticalAssetMatch("WS-1", null, none, p({ names: ["ws-1"] }))).toBe("WS-1 is listed as a critical asset");
    expect(criticalAssetMatch("ws-1", "10.0.0.5", none, p({ names: ["10.0.0.5"] }))).toBe("ws-1 is listed as a critical asset");
    expect(criticalAssetMatch("ws-2", null, none, p({ names: ["ws-1"] }))).toBeNull();
    expect(criticalAssetMatch("DC-01.corp", null, none, p({ patterns: ["dc-??.*"] }))).toBe("DC-01.corp matches the critical-asset pattern dc-??.*");
    expect(criticalAssetMatch("dc-001.corp", null, none, p({ patterns: ["dc-??.*"] }))).toBeNull();
    expect(criticalAssetMatch("dcx01", null, none, p({ patterns: ["dc.01"] }))).toBeNull();
    expect(criticalAssetMatch("xdc-01", null, none, p({ patterns: ["dc-01"] }))).toBeNull();
    expect(criticalAssetMatch("ws-1", null, rated("critical"), p({}))).toBe("enrichment rates ws-1 critical (cmdb)");
    expect(criticalAssetMatch("ws-1", null, rated("critical", null), p({}))).toBe("enrichment rates ws-1 critical (cmdb)");
    expect(criticalAssetMatch("ws-1", null, rated("critical", "db-9"), p({}))).toBeNull();
    expect(criticalAssetMatch("ws-1", null, rated("high"), p({}))).toBeNull();
    expect(criticalAssetMatch("ws-1", null, rated("critical"), p({ fromEnrichment: false }))).toBeNull();
  });
});
