// The responder's own never-block check (responder/guard.ts): each rule alone refuses, so deleting
// any one branch fails a test here, whatever the decider does.
import { describe, expect, it } from "vitest";
import { DecidedMessage, type ActionParameters } from "@secops/contracts";
import { loadPolicy, type Policy } from "../../src/shared/policy.js";
import { neverBlockRefusal } from "../../src/responder/guard.js";
import { TrustState } from "../../src/trust/state.js";
import { block, decided, isolate, useResponderEnv } from "./fixtures.js";

const policy = loadPolicy();
const withNetwork = (network: Partial<Policy["network"]>): Policy => ({ ...policy, network: { ...policy.network, ...network } });
const allow = (a: Partial<Policy["network"]["allowlist"]>): Policy => withNetwork({ allowlist: { ips: [], cidrs: [], domains: [], ...a } });

/** A BLOCK_IP decision whose alert and enrichment are changed by `edit` (then validated again). */
function blockMsg(ip: string, edit: (m: DecidedMessage) => void = () => {}): DecidedMessage {
  const m = structuredClone(decided(block(ip)));
  edit(m);
  return DecidedMessage.parse(m);
}
const indicator = (value: string, tags: string[], asn: number | null = null) => ({
  type: "ip" as const, value, verdict: "unknown" as const, sources: [], tags, cached: false,
  geo: asn === null ? null : { countryCode: "US", country: "United States", city: null, asn, org: "Example Net" },
});

describe("BLOCK_IP: the responder refuses our own and allowlisted addresses on its own", () => {
  it("blocks an ordinary external address", () => {
    expect(neverBlockRefusal(blockMsg("203.0.113.7"), policy, 0)).toBeNull();
  });

  it.each(["10.1.2.3", "192.168.1.1", "127.0.0.1", "169.254.1.1", "100.64.0.1", "fd00::1", "::ffff:10.0.0.9", "0.0.0.0", "224.0.0.1"])("%s: non-public", (ip) => {
    expect(neverBlockRefusal(blockMsg(ip), policy, 0)).toMatchObject({ rule: "network.never_block_internal", reason: expect.stringMatching(/non-public/) });
  });

  it("an address the normalizer marked internal (a public range used inside)", () => {
    const m = blockMsg("198.51.100.9", (x) => { x.alert.iocs.push({ type: "ip", value: "198.51.100.9", role: "source", internal: true, from: "field" }); });
    expect(neverBlockRefusal(m, policy, 0)).toMatchObject({ rule: "network.never_block_internal", reason: expect.stringMatching(/extracted from the alert as an internal/) });
    const external = blockMsg("198.51.100.9", (x) => { x.alert.iocs.push({ type: "ip", value: "198.51.100.9", role: "source", internal: false, from: "field" }); });
    expect(neverBlockRefusal(external, policy, 0)).toBeNull();
  });

  it("the alert's own host", () => {
    const m = blockMsg("198.51.100.10", (x) => { x.alert.host.ip = "198.51.100.10"; });
    expect(neverBlockRefusal(m, policy, 0)).toMatchObject({ rule: "network.never_block_internal", reason: expect.stringMatching(/alert's own host/) });
  });

  it("an address enrichment tagged internal, in any case; other tags do not count", () => {
    const m = blockMsg("198.51.100.11", (x) => { x.enrichment.indicators.push(indicator("198.51.100.11", ["Internal"])); });
    expect(neverBlockRefusal(m, policy, 0)).toMatchObject({ rule: "network.never_block_internal", reason: expect.stringMatching(/tagged Internal/) });
    const other = blockMsg("198.51.100.11", (x) => { x.enrichment.indicators.push(indicator("198.51.100.11", ["scanner"]), indicator("198.51.100.99", ["private"])); });
    expect(neverBlockRefusal(other, policy, 0)).toBeNull();
  });

  it("the policy's internal ranges", () => {
    expect(neverBlockRefusal(blockMsg("198.51.100.12"), withNetwork({ internalRanges: ["198.51.100.0/24"] }), 0)).toMatchObject({ rule: "network.never_block_internal", reason: expect.stringMatching(/internal range 198\.51\.100\.0\/24/) });
    expect(neverBlockRefusal(blockMsg("198.51.101.12"), withNetwork({ internalRanges: ["198.51.100.0/24", "not-a-cidr"] }), 0)).toBeNull();
  });

  it("the allowlist: IPs (any spelling), CIDRs, ASNs and addresses standing where an allowlisted domain stands", () => {
    expect(neverBlockRefusal(blockMsg("2001:db8::1"), allow({ ips: ["2001:0db8:0:0::1"] }), 0)).toMatchObject({ rule: "network.allowlist", reason: expect.stringMatching(/IP allowlist/) });
    expect(neverBlockRefusal(blockMsg("203.0.113.8"), allow({ ips: ["203.0.113.80"] }), 0)).toBeNull();
    expect(neverBlockRefusal(blockMsg("203.0.113.8"), allow({ cidrs: ["203.0.113.0/28"] }), 0)).toMatchObject({ rule: "network.allowlist", reason: expect.stringMatching(/allowlisted range 203\.0\.113\.0\/28/) });
    expect(neverBlockRefusal(blockMsg("203.0.113.99"), allow({ cidrs: ["203.0.113.0/28"] }), 0)).toBeNull();
    const asn = blockMsg("203.0.113.7", (x) => { x.enrichment.indicators.push(indicator("203.0.113.7", [], 13335)); });
    expect(neverBlockRefusal(asn, allow({ asns: [13335] }), 0)).toMatchObject({ rule: "network.allowlist", reason: expect.stringMatching(/AS13335/) });
    expect(neverBlockRefusal(asn, allow({ asns: [64500] }), 0)).toBeNull();
    expect(neverBlockRefusal(asn, allow({}), 0)).toBeNull();
    // The fixture's 203.0.113.7 is the destination; so is the allowlisted resolver's domain.
    const dom = blockMsg("203.0.113.7", (x) => { x.alert.iocs.push({ type: "domain", value: "dns.partner.example", role: "destination", internal: false, from: "field" }); });
    expect(neverBlockRefusal(dom, allow({ domains: ["partner.example"] }), 0)).toMatchObject({ rule: "network.allowlist", reason: expect.stringMatching(/destination of this alert, as is the allowlisted domain dns\.partner\.example/) });
    const otherRole = blockMsg("203.0.113.7", (x) => { x.alert.iocs.push({ type: "domain", value: "dns.partner.example", role: "source", internal: false, from: "field" }); });
    expect(neverBlockRefusal(otherRole, allow({ domains: ["partner.example"] }), 0)).toBeNull();
    expect(neverBlockRefusal(dom, allow({ domains: ["other.example"] }), 0)).toBeNull();
  });

  it("shadow decisions and other actions are not checked; an unparsable target is left to the action's validation", () => {
    expect(neverBlockRefusal(DecidedMessage.parse({ ...decided(block("10.0.0.1")), decision: { ...decided(block("10.0.0.1")).decision, mode: "shadow" } }), policy, 0)).toBeNull();
    expect(neverBlockRefusal(blockMsg("not an ip"), policy, 0)).toBeNull();
    const ticket: ActionParameters = { action: "CREATE_TICKET", title: "t", priority: "high", description: "d", assets: [] };
    expect(neverBlockRefusal(decided(ticket), policy, 0)).toBeNull();
  });
});

describe("ISOLATE_HOST: a critical asset needs the approvers the policy demands", () => {
  const approved = (host: string, over: Partial<DecidedMessage["enrichment"]["asset"]> = {}) => {
    const m = structuredClone(decided(isolate(host), { mode: "approval", status: "approved" }));
    m.enrichment.asset = { ...m.enrichment.asset, ...over };
    return DecidedMessage.parse(m);
  };

  it("a host matching a critical pattern is refused automatically, and with too few approvers", () => {
    const auto = decided(isolate("dc-01.corp.example.com"));
    expect(neverBlockRefusal(auto, policy, 0)).toMatchObject({ rule: "asset.critical", reason: expect.stringMatching(/demands 2 approver\(s\).*no approval \(auto mode\)/) });
    expect(neverBlockRefusal(approved("dc-01.corp.example.com"), policy, 1)).toMatchObject({ rule: "asset.critical", reason: expect.stringMatching(/had 1 approver/) });
    expect(neverBlockRefusal(approved("dc-01.corp.example.com"), policy, 2)).toBeNull();
  });

  it("the larger of criticalAssets.approvers and the action's approvers is required", () => {
    const p: Policy = { ...policy, criticalAssets: { ...policy.criticalAssets, approvers: 3 }, actions: { ...policy.actions, ISOLATE_HOST: { ...policy.actions.ISOLATE_HOST, approvers: 1 } } };
    expect(neverBlockRefusal(approved("dc-01.corp.example.com"), p, 2)).toMatchObject({ rule: "asset.critical" });
    expect(neverBlockRefusal(approved("dc-01.corp.example.com"), p, 3)).toBeNull();
    const q: Policy = { ...p, criticalAssets: { ...p.criticalAssets, approvers: 1 }, actions: { ...p.actions, ISOLATE_HOST: { ...p.actions.ISOLATE_HOST, approvers: 4 } } };
    expect(neverBlockRefusal(approved("dc-01.corp.example.com"), q, 3)).toMatchObject({ rule: "asset.critical" });
  });

  it("names (case-insensitive, host or IP), and enrichment's critical rating for the same asset", () => {
    const p: Policy = { ...policy, criticalAssets: { ...policy.criticalAssets, names: ["WS-FIN-042"], patterns: [] } };
    expect(neverBlockRefusal(decided(isolate("ws-fin-042")), p, 0)).toMatchObject({ rule: "asset.critical" });
    const byIp: Policy = { ...p, criticalAssets: { ...p.criticalAssets, names: ["10.0.0.42"] } };
    expect(neverBlockRefusal(decided(isolate("ws-other")), byIp, 0)).toMatchObject({ rule: "asset.critical" });
    expect(neverBlockRefusal(decided(isolate("ws-fin-043")), p, 0)).toBeNull();
    expect(neverBlockRefusal(decided(isolate("ws-fin-042")), policy, 0)).toBeNull(); // rated high, not critical
    expect(neverBlockRefusal(approved("ws-fin-042", { criticality: "critical" }), policy, 1)).toMatchObject({ rule: "asset.critical" });
    expect(neverBlockRefusal(approved("ws-fin-042", { criticality: "critical", name: null }), policy, 1)).toMatchObject({ rule: "asset.critical" });
    expect(neverBlockRefusal(approved("ws-fin-042", { criticality: "critical", name: "ws-elsewhere" }), policy, 1)).toBeNull();
    const noEnrichment: Policy = { ...policy, criticalAssets: { ...policy.criticalAssets, fromEnrichment: false } };
    expect(neverBlockRefusal(approved("ws-fin-042", { criticality: "critical" }), noEnrichment, 1)).toBeNull();
    const glob: Policy = { ...policy, criticalAssets: { ...policy.criticalAssets, patterns: ["ws-fin-04?"] } };
    expect(neverBlockRefusal(decided(isolate("ws-fin-042")), glob, 0)).toMatchObject({ rule: "asset.critical" });
    expect(neverBlockRefusal(decided(isolate("ws-fin-0420")), glob, 0)).toBeNull();
    expect(neverBlockRefusal(decided(isolate("wsxfin-042")), glob, 0)).toBeNull(); // a dot in a pattern is literal
  });
});

describe("in the responder: refused, reported as failed, and a security event", () => {
  const env = useResponderEnv();

  it("an automatic block of an internal address that the decider let through changes nothing", async () => {
    const r = await env.make();
    const msg = decided(block("10.0.0.53"));
    const out = await r.execute(msg);
    expect(out.kind).toBe("executed");
    const ex = out.kind === "executed" ? out.execution : null;
    expect(ex).toMatchObject({ status: "failed", target: "10.0.0.53", error: expect.stringMatching(/refused by the responder \(network\.never_block_internal\)/) });
    expect(await r.buckets.blocklist.get("10.0.0.53")).toBeNull();
    expect(await r.ledger.get(ex!.actionId)).toBeNull();
    const events = await (await TrustState.open(env.nc, env.topo)).events();
    expect(events.find((e) => e.alertId === msg.alertId)).toMatchObject({ kind: "execution", reason: expect.stringMatching(/10\.0\.0\.53 is a non-public address/) });
  });

  it("an automatic isolation of a critical asset is refused; the same host not critical is isolated", async () => {
    const r = await env.make();
    const ex = await r.execute(decided(isolate("dc-02.corp.example.com")));
    expect(ex.kind === "executed" && ex.execution).toMatchObject({ status: "failed", error: expect.stringMatching(/asset\.critical/) });
    const ok = await r.execute(decided(isolate("ws-fin-077")));
    expect(ok.kind === "executed" && ok.execution.status).toBe("success");
  });
});
