// Online answers are shared by enricher replicas through the KV bucket, kept per verdict for
// different times; one alert's lookups run at once under one deadline; and each enricher's
// provider state reaches KV for the dashboard. Real nats-server, fake provider APIs.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Kvm, type KV } from "@nats-io/kv";
import { Enrichment, type CanonicalAlert } from "@secops/contracts";
import { startNats, type TestNats } from "../harness/nats.js";
import { enrichmentSetup } from "../../src/enricher/enrich/setup.js";
import { enrichIndicators } from "../../src/enricher/enrich/index.js";
import { readProviderStates } from "../../src/state/enrichment.js";
import { normalizeAlert } from "../../src/enricher/normalize/index.js";
import { BAD_DOMAIN, BENIGN_IP, MALICIOUS_IP, fakeEnv, startFakeIntel, type FakeIntel, type FakeProvider } from "./fake-intel-server.js";

let nats: TestNats;
let nc: NatsConnection;
let intel: FakeIntel;
let kv: KV;
let n = 0;

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
  intel = await startFakeIntel();
});
afterAll(async () => {
  await intel?.close();
  await nc?.close();
  await nats?.stop();
});
beforeEach(async () => {
  intel.requests.length = 0;
  for (const k of Object.keys(intel.mode) as FakeProvider[]) intel.mode[k] = "normal";
  kv = await new Kvm(nc).create(`cache-${nats.topo.namespace}-${n++}`, { ttl: 24 * 3600 * 1000 });
});

function alert(text: string): CanonicalAlert {
  const r = normalizeAlert(JSON.stringify({ title: "Suspicious connections", description: text }));
  if (!r.ok) throw new Error(r.error.reason);
  return r.alert;
}

class Clock { t = Date.parse("2026-12-01T12:00:10Z"); now = () => new Date(this.t); }

function replica(instance: string, clock: Clock, extra: Record<string, string> = {}) {
  const setup = enrichmentSetup(fakeEnv(intel, { ENRICH_CACHE_TTL: "malicious=24h,clean=1h,unknown=10m", ...extra }), { now: clock.now });
  const running = setup.start({ cache: kv, instance });
  return { setup, running, enrich: (a: CanonicalAlert) => enrichIndicators(a, { providers: setup.providers, assetRules: setup.assetRules, cache: kv, timeoutMs: setup.timeoutMs }) };
}

describe("two enricher replicas", () => {
  it("share cached answers through KV: the second replica asks no provider, and its result says cached", async () => {
    const clock = new Clock();
    const a = replica("replica-a", clock);
    const b = replica("replica-b", clock);
    const x = alert(`Beacon from ${MALICIOUS_IP} to ${BAD_DOMAIN}`);
    const first = Enrichment.parse(await a.enrich(x));
    const asked = intel.requests.length;
    expect(asked).toBeGreaterThanOrEqual(8); // every provider that supports an ip or a domain
    const ip = first.indicators.find((i) => i.value === MALICIOUS_IP)!;
    expect(ip.verdict).toBe("malicious");
    expect(ip.cached).toBe(false);
    expect(ip.sources.find((s) => s.name === "abuseipdb")).toMatchObject({ verdict: "malicious", confidence: 100, evidence: { score: 100, reports: 1234 } });

    const second = Enrichment.parse(await b.enrich(x));
    expect(intel.requests.length).toBe(asked);
    expect(second.indicators.find((i) => i.value === MALICIOUS_IP)).toMatchObject({ verdict: "malicious", cached: true });
    expect(b.setup.online.find((p) => p.name === "abuseipdb")!.state()).toMatchObject({ calls: 0, cacheHits: 1 });
    await a.running.stop();
    await b.running.stop();
  });

  it("keep a clean answer for less time than a malicious one (ENRICH_CACHE_TTL)", async () => {
    const clock = new Clock();
    const a = replica("replica-a", clock, { VIRUSTOTAL_QUOTA: "none" });
    await a.enrich(alert(`${MALICIOUS_IP} then ${BENIGN_IP}`));
    intel.requests.length = 0;
    clock.t += 2 * 3600 * 1000; // past clean=1h, inside malicious=24h
    const again = await a.enrich(alert(`${MALICIOUS_IP} then ${BENIGN_IP}`));
    const asked = new Set(intel.requests.map((r) => decodeURIComponent(r.path)));
    expect([...asked].some((p) => p.includes(BENIGN_IP))).toBe(true);
    // every provider that called 185.220.101.1 malicious is still answered from the cache
    const fakeOf: Record<string, FakeProvider> = { abuseipdb: "abuseipdb", virustotal: "virustotal", greynoise: "greynoise", "shodan-internetdb": "shodan", otx: "otx", urlhaus: "urlhaus" };
    const malicious = again.indicators.find((i) => i.value === MALICIOUS_IP)!.sources.filter((s) => s.verdict === "malicious");
    expect(malicious.length).toBeGreaterThanOrEqual(4);
    for (const s of malicious) {
      expect(intel.requests.some((r) => r.provider === fakeOf[s.name] && decodeURIComponent(r.path + r.body).includes(MALICIOUS_IP)), s.name).toBe(false);
    }
    await a.running.stop();
  });

  it("publish their provider state to KV, and the dashboard's reader adds the replicas up", async () => {
    const clock = new Clock();
    const a = replica("replica-a", clock);
    const b = replica("replica-b", clock);
    const x = alert(`Beacon from ${MALICIOUS_IP}`);
    await a.enrich(x);
    await b.enrich(x);
    await a.running.stop(); // stop() writes the last state
    await b.running.stop();
    const states = await readProviderStates(kv, new Date());
    const abuse = states.find((s) => s.name === "abuseipdb")!;
    expect(abuse).toMatchObject({ enabled: true, calls: 1, cacheHits: 1, instances: 2, lastError: null });
    expect(abuse.quotaLeft).toBeGreaterThan(900); // from X-RateLimit-Remaining and the daily quota
    expect(states.map((s) => s.name).sort()).toEqual(["abuseipdb", "greynoise", "malwarebazaar", "otx", "shodan-internetdb", "urlhaus", "virustotal"]);
  });
});

describe("quota shared by replicas", () => {
  it("counts every replica's calls against one key's quota (VIRUSTOTAL_QUOTA), so together they never exceed it", async () => {
    const clock = new Clock();
    const a = replica("replica-a", clock, { VIRUSTOTAL_QUOTA: "3/min" });
    const b = replica("replica-b", clock, { VIRUSTOTAL_QUOTA: "3/min" });
    await a.enrich(alert("9.9.9.9 and 8.8.4.4"));
    const e = await b.enrich(alert("1.0.0.1 and 4.2.2.2"));
    const vt = e.indicators.map((i) => i.sources.find((s) => s.name === "virustotal")!);
    expect(vt.filter((s) => /quota of 3 calls per minute is used up \(all replicas\)/.test(s.detail ?? ""))).toHaveLength(1);
    expect(vt.filter((s) => s.detail === "not known to VirusTotal")).toHaveLength(1);
    expect(intel.requests.filter((r) => r.provider === "virustotal")).toHaveLength(3);
    await a.running.stop();
    await b.running.stop();
  });

  it("a 429 one replica received makes the others skip the provider without asking it again", async () => {
    const clock = new Clock();
    const a = replica("replica-a", clock);
    const b = replica("replica-b", clock);
    intel.mode.abuseipdb = "429";
    intel.retryAfterSeconds = 300;
    await a.enrich(alert("Login from 9.9.9.9"));
    intel.mode.abuseipdb = "normal";
    await new Promise((r) => setTimeout(r, 100)); // the skip is written in the background
    const before = intel.requests.filter((r) => r.provider === "abuseipdb").length;
    const e = await b.enrich(alert("Login from 8.8.4.4"));
    expect(intel.requests.filter((r) => r.provider === "abuseipdb")).toHaveLength(before);
    expect(e.indicators[0]!.sources.find((s) => s.name === "abuseipdb")).toMatchObject({ verdict: "unknown", detail: expect.stringMatching(/skipped until .*rate-limited by AbuseIPDB \(429\)/) });
    await a.running.stop();
    await b.running.stop();
  });
});

describe("one alert, one deadline", () => {
  it("runs the lookups at once; a provider that hangs is unknown at ENRICH_TIMEOUT_MS while the others answer", async () => {
    const clock = new Clock();
    intel.mode.greynoise = "hang";
    const a = replica("replica-a", clock, { ENRICH_TIMEOUT_MS: "400" });
    const e = Enrichment.parse(await a.enrich(alert(`${MALICIOUS_IP} and ${BENIGN_IP}`)));
    for (const ip of [MALICIOUS_IP, BENIGN_IP]) {
      const i = e.indicators.find((x) => x.value === ip)!;
      expect(i.sources.find((s) => s.name === "greynoise")).toMatchObject({ verdict: "unknown", detail: expect.stringMatching(/no answer within ENRICH_TIMEOUT_MS \(400 ms\)|before the enrichment deadline/) });
      expect(i.sources.find((s) => s.name === "abuseipdb")!.verdict).not.toBe("unknown");
    }
    // both greynoise requests were in flight together, not one after the other
    expect(intel.requests.filter((r) => r.provider === "greynoise")).toHaveLength(2);
    await a.running.stop();
  });

  it("a rate-limited provider leaves the indicator unknown, never clean, with the reason on the source", async () => {
    const clock = new Clock();
    intel.mode.abuseipdb = "429";
    intel.mode.virustotal = "429";
    intel.mode.greynoise = "429";
    intel.mode.otx = "429";
    intel.mode.shodan = "429";
    const a = replica("replica-a", clock);
    const e = await a.enrich(alert(`Login from 9.9.9.9`));
    const i = e.indicators.find((x) => x.value === "9.9.9.9")!;
    expect(i.verdict).toBe("unknown");
    expect(i.sources.filter((s) => /429/.test(s.detail ?? "")).map((s) => s.name).sort()).toEqual(["abuseipdb", "greynoise", "otx", "shodan-internetdb", "virustotal"]);
    await a.running.stop();
  });
});
