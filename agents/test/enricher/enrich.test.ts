// Offline enrichment: local threat-intel feeds, IP classification, asset criticality, and how
// providers are combined (worst verdict wins; a failing provider means unknown, never clean).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { Enrichment, type CanonicalAlert, type IocType } from "@secops/contracts";
import { startNats, type TestNats } from "../harness/nats.js";
import { FeedError, ThreatIntelFeeds } from "../../src/enricher/enrich/feeds.js";
import { ipClassification, ipTags } from "../../src/enricher/enrich/ip-classification.js";
import { assessAsset, DEFAULT_ASSET_RULES, loadAssetInventory } from "../../src/enricher/enrich/assets.js";
import { enrichIndicators } from "../../src/enricher/enrich/index.js";
import type { EnrichmentProvider } from "../../src/enricher/enrich/provider.js";
import { enrichRawAlert } from "../../src/enricher/handler.js";
import { PermanentError } from "../../src/runtime/errors.js";
import { normalizeAlert } from "../../src/enricher/normalize/index.js";
import { loadSamples } from "../e2e/samples.js";

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "enrich-")); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sampleAlert(i: number): CanonicalAlert {
  const r = normalizeAlert(loadSamples()[i]!.body);
  if (!r.ok) throw new Error(r.error.reason);
  return r.alert;
}

describe("local threat-intel feeds", () => {
  it("matches exact indicators case-insensitively and IPs inside CIDRs, with the file as the source", async () => {
    const feeds = new ThreatIntelFeeds();
    feeds.load(join(dir, "partner.txt"), "# comment\n203.0.113.0/24,suspicious,tor-exit,relay block\nEvil.Example.NET,malicious\n\n192.0.2.7,clean,,known scanner we run\n");
    expect(feeds.size).toBe(3);
    expect(await feeds.lookup("ip", "203.0.113.99")).toMatchObject({ verdict: "suspicious", tags: ["tor-exit"], detail: "partner: relay block", evidence: { feeds: ["partner"], hits: 1 } });
    expect(await feeds.lookup("domain", "evil.example.net")).toMatchObject({ verdict: "malicious", detail: "partner" });
    expect(await feeds.lookup("ip", "192.0.2.7")).toMatchObject({ verdict: "clean" });
    expect(await feeds.lookup("ip", "198.51.100.1")).toBeNull();
  });

  it("refuses a bad verdict naming the file and line, refuses a JSON file that is no feed, and reads a directory of feeds", () => {
    const feeds = new ThreatIntelFeeds();
    expect(() => feeds.load("/x/bad.txt", "1.2.3.4,malicious\n5.6.7.8,dangerous\n")).toThrow(FeedError);
    expect(() => feeds.load("/x/bad.txt", "5.6.7.8,dangerous\n")).toThrow(/\/x\/bad.txt:1: verdict "dangerous" is not one of malicious, suspicious, clean/);
    writeFileSync(join(dir, "a.txt"), "198.51.100.5\n");
    writeFileSync(join(dir, "notes.md"), "not read");
    writeFileSync(join(dir, "unknown.json"), "{}");
    expect(() => ThreatIntelFeeds.fromDirectory(dir)).toThrow(/unknown.json: not a feed: expected a STIX 2.1 bundle .*, a MISP event/);
    rmSync(join(dir, "unknown.json"));
    const fromDir = ThreatIntelFeeds.fromDirectory(dir);
    expect(fromDir.files.map((f) => f.split("/").pop())).toEqual(["a.txt"]); // .txt, .list, .csv and .json only
    expect(ThreatIntelFeeds.fromDirectory(join(dir, "missing")).size).toBe(0);
  });
});

describe("IP classification", () => {
  it("tags what kind of address it is and never calls that a reputation", async () => {
    expect(ipTags("10.1.2.3")).toEqual(expect.arrayContaining(["private", "ipv4"]));
    expect(ipTags("203.0.113.42")).toEqual(["documentation-range", "ipv4"]);
    expect(ipTags("2001:db8::1")).toEqual(["documentation-range", "ipv6"]);
    expect(ipTags("8.8.8.8")).toEqual(["public", "ipv4"]);
    expect(ipTags("fd00::1")).toEqual(expect.arrayContaining(["private", "ipv6"]));
    expect(ipTags("100.64.0.1")).toContain("cgnat");
    expect(ipTags("not-an-ip")).toEqual([]);
    expect((await ipClassification.lookup("ip", "10.0.0.1"))!.verdict).toBe("unknown");
  });
});

describe("asset criticality", () => {
  it("rates the most critical asset the alert names, with the reason", () => {
    const auth = sampleAlert(0); // finance and payroll systems
    expect(assessAsset(auth, DEFAULT_ASSET_RULES)).toMatchObject({ criticality: "critical", reason: "finance system naming" });
    const none = { ...auth, host: { name: null, ip: null }, assets: [] };
    expect(assessAsset(none, DEFAULT_ASSET_RULES)).toEqual({ name: null, criticality: "low", reason: "the alert names no asset" });
  });

  it("loads an inventory file, and refuses a bad one naming the problem", () => {
    const good = join(dir, "inventory.json");
    writeFileSync(good, JSON.stringify([{ match: "^eng-wks-", criticality: "high", reason: "engineering workstations hold source code" }]));
    const rules = loadAssetInventory(good);
    expect(assessAsset(sampleAlert(2), rules)).toMatchObject({ criticality: "high", reason: "engineering workstations hold source code" });
    const bad = join(dir, "bad-inventory.json");
    writeFileSync(bad, JSON.stringify([{ match: "([", criticality: "extreme", reason: "" }]));
    expect(() => loadAssetInventory(bad)).toThrow(/ASSET_INVENTORY_FILE .*bad-inventory.json: 0.match: expected a valid regular expression/);
    writeFileSync(bad, "{not json");
    expect(() => loadAssetInventory(bad)).toThrow(/cannot read JSON/);
  });
});

describe("combining providers", () => {
  let nats: TestNats;
  let nc: NatsConnection;
  beforeAll(async () => {
    nats = await startNats();
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  const provider = (name: string, online: boolean, answer: (type: IocType, v: string) => Promise<ReturnType<EnrichmentProvider["lookup"]> extends Promise<infer R> ? R : never>): EnrichmentProvider & { calls: number } => {
    const p = { name, online, calls: 0, supports: () => true, async lookup(t: IocType, v: string) { p.calls++; return answer(t, v); } };
    return p;
  };

  it("takes the worst verdict, reports a failing provider as unknown (never clean), and caches online answers in KV", async () => {
    const alert = sampleAlert(3); // external scanner + internal targets
    const cache = await new Kvm(nc).create(`cache-${nats.topo.namespace}`);
    const online = provider("online-ti", true, async (_t, v) => (v === "80.82.77.139" ? { verdict: "malicious", detail: "seen scanning" } : { verdict: "clean" }));
    const broken = provider("rate-limited", true, async () => { throw new Error("429 Too Many Requests"); });
    const first = Enrichment.parse(await enrichIndicators(alert, { providers: [ipClassification, online, broken], assetRules: DEFAULT_ASSET_RULES, cache }));
    const scanner = first.indicators.find((i) => i.value === "80.82.77.139")!;
    expect(scanner.verdict).toBe("malicious");
    expect(scanner.tags).toEqual(expect.arrayContaining(["external", "public"]));
    expect(scanner.sources.find((s) => s.name === "rate-limited")).toMatchObject({ verdict: "unknown", detail: expect.stringMatching(/lookup failed: 429/) });
    expect(first.summary.malicious).toBe(1);
    expect(first.summary.externalIps).toBe(1);
    expect(first.summary.internalIps).toBe(alert.iocs.filter((i) => i.internal).length);
    const calls = online.calls;
    const second = await enrichIndicators(alert, { providers: [ipClassification, online, broken], assetRules: DEFAULT_ASSET_RULES, cache });
    expect(online.calls).toBe(calls); // answered from the KV cache
    expect(second.indicators.find((i) => i.value === scanner.value)!.verdict).toBe("malicious");
  });
});

describe("the enricher's handler", () => {
  const enrich = (alert: CanonicalAlert, suppressed: Enrichment["suppressed"]) => enrichIndicators(alert, { providers: [ipClassification], assetRules: DEFAULT_ASSET_RULES, suppression: suppressed });

  it("records a suppression and the receive time's alert", async () => {
    const data = new TextEncoder().encode(loadSamples()[3]!.body);
    const suppression = { by: "alice", reason: "authorized scan", until: null };
    const msg = await enrichRawAlert(
      { data, headers: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" }, receivedAt: "2026-11-23T10:00:00.000Z" },
      { internalRanges: [], enrich, findSuppression: async () => suppression },
    );
    expect(msg.alertId).toMatch(/^al-[0-9a-f]{24}$/);
    expect(msg.enrichment.suppressed).toEqual(suppression);
  });

  it("fails permanently, with what is accepted, on an unknown Alert-Format or an unreadable alert", async () => {
    const data = new TextEncoder().encode(loadSamples()[0]!.body);
    await expect(enrichRawAlert({ data, headers: { "Alert-Format": "qradar" }, receivedAt: new Date().toISOString() }, { internalRanges: [], enrich }))
      .rejects.toThrow(/Alert-Format header "qradar" is not a known format \(accepted: wazuh, .*webhook\)/);
    const err = await enrichRawAlert({ data: new TextEncoder().encode("[1, 2"), headers: {}, receivedAt: new Date().toISOString() }, { internalRanges: [], enrich }).catch((e) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toMatch(/JSON/);
  });
});
