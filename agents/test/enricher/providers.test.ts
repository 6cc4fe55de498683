// Each online provider against a fake that speaks its documented API (fake-intel-server.ts):
// the request it sends, the verdict and evidence it reads, and what happens on 404, 429 with
// Retry-After, rate-limit headers, 5xx, refused keys, timeouts and an exhausted quota.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { IocType } from "@secops/contracts";
import { ConfigError } from "../../src/runtime/config.js";
import { enrichmentSetup } from "../../src/enricher/enrich/setup.js";
import type { OnlineProvider } from "../../src/enricher/enrich/online/runner.js";
import { ProviderUnavailable } from "../../src/enricher/enrich/online/definition.js";
import {
  BAD_DOMAIN, BAD_URL, BENIGN_IP, EICAR_MD5, EICAR_SHA256, EXPOSED_IP, FAKE_KEY, MALICIOUS_IP,
  fakeEnv, startFakeIntel, type FakeIntel, type FakeProvider,
} from "./fake-intel-server.js";

let intel: FakeIntel;
beforeAll(async () => { intel = await startFakeIntel(); });
afterAll(async () => { await intel.close(); });
beforeEach(() => {
  intel.requests.length = 0;
  for (const k of Object.keys(intel.mode) as FakeProvider[]) intel.mode[k] = "normal";
  intel.abuseipdbRemaining = 999;
  intel.now = () => Date.now();
});

class Clock { t = Date.parse("2026-12-01T12:00:10Z"); now = () => new Date(this.t); advance(s: number) { this.t += s * 1000; } }

function providers(extra: Record<string, string> = {}, clock = new Clock()): Map<string, OnlineProvider> {
  const setup = enrichmentSetup(fakeEnv(intel, extra), { now: clock.now });
  return new Map(setup.online.map((p) => [p.name, p]));
}

const ask = (p: OnlineProvider, type: IocType, value: string, signal?: AbortSignal) => p.lookup(type, value, signal ? { signal } : {});

describe("what each provider asks and how its answer maps onto a verdict", () => {
  const cases: { provider: string; fake: FakeProvider; type: IocType; value: string; verdict: string; evidence: Record<string, unknown>; request: RegExp; auth: [string, string] | null }[] = [
    { provider: "abuseipdb", fake: "abuseipdb", type: "ip", value: MALICIOUS_IP, verdict: "malicious", evidence: { score: 100, reports: 1234, tor: true, lastSeen: "2026-11-30T21:14:02+00:00" }, request: /^\/api\/v2\/check\?ipAddress=185\.220\.101\.1&maxAgeInDays=90$/, auth: ["key", FAKE_KEY] },
    { provider: "abuseipdb", fake: "abuseipdb", type: "ip", value: BENIGN_IP, verdict: "clean", evidence: { score: 0, whitelisted: true }, request: /ipAddress=8\.8\.8\.8/, auth: ["key", FAKE_KEY] },
    { provider: "virustotal", fake: "virustotal", type: "ip", value: MALICIOUS_IP, verdict: "malicious", evidence: { malicious: 12, asOwner: "Tor relay hoster" }, request: /^\/api\/v3\/ip_addresses\/185\.220\.101\.1$/, auth: ["x-apikey", FAKE_KEY] },
    { provider: "virustotal", fake: "virustotal", type: "domain", value: BAD_DOMAIN, verdict: "malicious", evidence: { malicious: 9 }, request: /^\/api\/v3\/domains\/login-verify-account\.top$/, auth: ["x-apikey", FAKE_KEY] },
    { provider: "virustotal", fake: "virustotal", type: "url", value: BAD_URL, verdict: "malicious", evidence: { malicious: 7 }, request: new RegExp(`^/api/v3/urls/${Buffer.from(BAD_URL).toString("base64url")}$`), auth: ["x-apikey", FAKE_KEY] },
    { provider: "virustotal", fake: "virustotal", type: "sha256", value: EICAR_SHA256, verdict: "malicious", evidence: { malicious: 62, name: "eicar.com", threatLabel: "virus.eicar/test" }, request: /^\/api\/v3\/files\/275a/, auth: ["x-apikey", FAKE_KEY] },
    { provider: "virustotal", fake: "virustotal", type: "ip", value: BENIGN_IP, verdict: "clean", evidence: { malicious: 0, harmless: 70 }, request: /ip_addresses\/8\.8\.8\.8/, auth: ["x-apikey", FAKE_KEY] },
    { provider: "greynoise", fake: "greynoise", type: "ip", value: MALICIOUS_IP, verdict: "malicious", evidence: { noise: true, riot: false, classification: "malicious", lastSeen: "2026-11-30" }, request: /^\/v3\/community\/185\.220\.101\.1$/, auth: ["key", FAKE_KEY] },
    { provider: "greynoise", fake: "greynoise", type: "ip", value: BENIGN_IP, verdict: "clean", evidence: { riot: true, name: "Google Public DNS" }, request: /community\/8\.8\.8\.8/, auth: ["key", FAKE_KEY] },
    { provider: "shodan-internetdb", fake: "shodan", type: "ip", value: EXPOSED_IP, verdict: "unknown", evidence: { ports: ["53", "80", "443"], tags: ["cdn"] }, request: /^\/1\.1\.1\.1$/, auth: null },
    { provider: "shodan-internetdb", fake: "shodan", type: "ip", value: MALICIOUS_IP, verdict: "malicious", evidence: { tags: ["tor", "compromised"], vulns: ["CVE-2023-38408"] }, request: /^\/185\.220\.101\.1$/, auth: null },
    { provider: "otx", fake: "otx", type: "ip", value: MALICIOUS_IP, verdict: "malicious", evidence: { pulses: 5 }, request: /^\/api\/v1\/indicators\/IPv4\/185\.220\.101\.1\/general$/, auth: ["x-otx-api-key", FAKE_KEY] },
    { provider: "otx", fake: "otx", type: "ip", value: BENIGN_IP, verdict: "clean", evidence: { pulses: 0, whitelist: ["whitelist"] }, request: /IPv4\/8\.8\.8\.8/, auth: ["x-otx-api-key", FAKE_KEY] },
    { provider: "otx", fake: "otx", type: "domain", value: BAD_DOMAIN, verdict: "malicious", evidence: { pulses: 5 }, request: /^\/api\/v1\/indicators\/domain\/login-verify-account\.top\/general$/, auth: ["x-otx-api-key", FAKE_KEY] },
    { provider: "urlhaus", fake: "urlhaus", type: "domain", value: BAD_DOMAIN, verdict: "malicious", evidence: { urls: 2, online: 1, spamhausDbl: "abused_legit_malware" }, request: /^\/v1\/host\/$/, auth: ["auth-key", FAKE_KEY] },
    { provider: "urlhaus", fake: "urlhaus", type: "url", value: BAD_URL, verdict: "malicious", evidence: { urlStatus: "online", threat: "malware_download" }, request: /^\/v1\/url\/$/, auth: ["auth-key", FAKE_KEY] },
    { provider: "urlhaus", fake: "urlhaus", type: "md5", value: EICAR_MD5, verdict: "malicious", evidence: { signature: "EICAR" }, request: /^\/v1\/payload\/$/, auth: ["auth-key", FAKE_KEY] },
    { provider: "malwarebazaar", fake: "bazaar", type: "sha256", value: EICAR_SHA256, verdict: "malicious", evidence: { signature: "EICAR-Test-File", firstSeen: "2026-10-01 09:00:00" }, request: /^\/api\/v1\/$/, auth: ["auth-key", FAKE_KEY] },
  ];

  it.each(cases)("$provider $type $value -> $verdict", async (c) => {
    const p = providers().get(c.provider)!;
    const answer = await ask(p, c.type, c.value);
    expect(answer).toMatchObject({ verdict: c.verdict, evidence: c.evidence });
    expect(answer!.detail).toBeTruthy();
    const sent = intel.requests.filter((r) => r.provider === c.fake);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.path).toMatch(c.request);
    if (c.auth) expect(sent[0]!.headers[c.auth[0]]).toBe(c.auth[1]);
  });

  // What each documents for an indicator it has nothing on: VirusTotal, GreyNoise and InternetDB
  // answer 404; AbuseIPDB a score of 0, OTX no pulses, abuse.ch "no_results"/"hash_not_found".
  it.each([
    ["virustotal", "virustotal", "ip", "9.9.9.9", 404],
    ["greynoise", "greynoise", "ip", "9.9.9.9", 404],
    ["shodan-internetdb", "shodan", "ip", "9.9.9.9", 404],
    ["abuseipdb", "abuseipdb", "ip", "9.9.9.9", 200],
    ["otx", "otx", "ip", "9.9.9.9", 200],
    ["urlhaus", "urlhaus", "domain", "quiet-bakery-shop.net", 200],
    ["malwarebazaar", "bazaar", "sha256", "a".repeat(64), 200],
  ] as const)("%s (fake %s) %s %s: not known (HTTP %i) is unknown, never clean", async (name, fake, type, value, status) => {
    const answer = await ask(providers().get(name)!, type, value);
    expect(answer?.verdict).toBe("unknown");
    const sent = intel.requests.filter((r) => r.provider === fake);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.status).toBe(status);
  });

  it("sends the abuse.ch lookups as form bodies", async () => {
    const ps = providers();
    await ask(ps.get("urlhaus")!, "url", BAD_URL);
    await ask(ps.get("malwarebazaar")!, "md5", EICAR_MD5);
    expect(new URLSearchParams(intel.requests.find((r) => r.provider === "urlhaus")!.body).get("url")).toBe(BAD_URL);
    const mb = new URLSearchParams(intel.requests.find((r) => r.provider === "bazaar")!.body);
    expect([mb.get("query"), mb.get("hash")]).toEqual(["get_info", EICAR_MD5]);
  });

  it.each([
    ["virustotal", "ip", "9.9.9.9"], ["greynoise", "ip", "9.9.9.9"], ["shodan-internetdb", "ip", "9.9.9.9"],
    ["urlhaus", "domain", "unknown-site.xyz"], ["malwarebazaar", "sha256", "a".repeat(64)], ["abuseipdb", "ip", "9.9.9.9"], ["otx", "ip", "9.9.9.9"],
  ] as [string, IocType, string][])("%s: an indicator it does not know is unknown, not clean", async (name, type, value) => {
    const answer = await ask(providers().get(name)!, type, value);
    expect(answer!.verdict).toBe("unknown");
  });
});

describe("limits and failures: unknown with the reason, never clean", () => {
  it("429 with Retry-After: unknown, then skipped without a call until the window resets", async () => {
    const clock = new Clock();
    const p = providers({}, clock).get("abuseipdb")!;
    intel.mode.abuseipdb = "429";
    intel.retryAfterSeconds = 120;
    intel.now = () => clock.t;
    const err = await ask(p, "ip", MALICIOUS_IP).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderUnavailable);
    expect(err.message).toMatch(/AbuseIPDB answered 429 Too Many Requests .*Daily rate limit of 1000/);
    const calls = intel.requests.length;
    intel.mode.abuseipdb = "normal";
    await expect(ask(p, "ip", MALICIOUS_IP)).rejects.toThrow(/skipped until 2026-12-01T12:02:10.000Z: rate-limited by AbuseIPDB \(429\)/);
    expect(intel.requests.length).toBe(calls); // not asked while skipped
    expect(p.state()).toMatchObject({ skippedUntil: "2026-12-01T12:02:10.000Z", lastError: { message: expect.stringMatching(/429/) } });
    clock.advance(121);
    expect(await ask(p, "ip", MALICIOUS_IP)).toMatchObject({ verdict: "malicious" });
  });

  it("429 without Retry-After (VirusTotal QuotaExceededError, GreyNoise): skipped until the next window", async () => {
    const clock = new Clock();
    const ps = providers({}, clock);
    intel.mode.virustotal = "429";
    intel.mode.greynoise = "429";
    await expect(ask(ps.get("virustotal")!, "ip", MALICIOUS_IP)).rejects.toThrow(/429 .*QuotaExceededError/);
    await expect(ask(ps.get("greynoise")!, "ip", MALICIOUS_IP)).rejects.toThrow(/429 .*daily rate limit/);
    expect(ps.get("virustotal")!.state().skippedUntil).toBe("2026-12-01T12:01:00.000Z");
  });

  it("X-RateLimit-Remaining: 0 stops the calls before the provider has to refuse them", async () => {
    const p = providers().get("abuseipdb")!;
    intel.abuseipdbRemaining = 1;
    await ask(p, "ip", MALICIOUS_IP);
    expect(p.state().quotaLeft).toBe(1);
    await ask(p, "ip", BENIGN_IP);
    expect(p.state().quotaLeft).toBe(0);
    const calls = intel.requests.length;
    await expect(ask(p, "ip", "9.9.9.9")).rejects.toThrow(/quota used up \(rate-limit headers\)/);
    expect(intel.requests.length).toBe(calls);
  });

  it("a configured quota (VIRUSTOTAL_QUOTA) that is used up gives unknown without a call, until the next minute", async () => {
    const clock = new Clock();
    const p = providers({ VIRUSTOTAL_QUOTA: "2/min,500/day" }, clock).get("virustotal")!;
    await ask(p, "ip", MALICIOUS_IP);
    await ask(p, "ip", BENIGN_IP);
    await expect(ask(p, "ip", "9.9.9.9")).rejects.toThrow(/the quota of 2 calls per minute is used up/);
    expect(intel.requests.filter((r) => r.provider === "virustotal")).toHaveLength(2);
    expect(p.state()).toMatchObject({ calls: 2, quotaLeft: 0, quota: { perMinute: 2, perDay: 500, usedThisMinute: 2, usedToday: 2 } });
    clock.advance(60);
    expect(await ask(p, "ip", "9.9.9.9")).toMatchObject({ verdict: "unknown", detail: "not known to VirusTotal" });
  });

  it("5xx and a refused key: unknown with the reason, and the provider is left alone for a while", async () => {
    const clock = new Clock();
    const ps = providers({ ENRICH_COOLDOWN_SECONDS: "30" }, clock);
    intel.mode.otx = "5xx";
    await expect(ask(ps.get("otx")!, "ip", MALICIOUS_IP)).rejects.toThrow(/AlienVault OTX answered 503/);
    await expect(ask(ps.get("otx")!, "ip", MALICIOUS_IP)).rejects.toThrow(/skipped until 2026-12-01T12:00:40.000Z/);
    intel.mode.urlhaus = "badkey";
    const err = await ask(ps.get("urlhaus")!, "domain", BAD_DOMAIN).catch((e) => e);
    expect(err).toMatchObject({ kind: "auth", message: expect.stringMatching(/URLhaus refused the API key \(401\)/) });
    intel.mode.greynoise = "badkey";
    await expect(ask(ps.get("greynoise")!, "ip", MALICIOUS_IP)).rejects.toThrow(/refused the API key \(401\)/);
  });

  it("a provider that does not answer is cut off at the deadline", async () => {
    const p = providers().get("shodan-internetdb")!;
    intel.mode.shodan = "hang";
    const err = await ask(p, "ip", EXPOSED_IP, AbortSignal.timeout(200)).catch((e) => e);
    expect(err).toMatchObject({ kind: "timeout", message: expect.stringMatching(/no answer from Shodan InternetDB before the enrichment deadline/) });
  });

  it("private, documentation, reserved and internal indicators are never sent", async () => {
    const ps = providers();
    for (const p of ps.values()) {
      for (const [type, value] of [["ip", "10.1.2.3"], ["ip", "192.0.2.7"], ["ip", "198.51.100.23"], ["ip", "fd00::1"], ["ip", "127.0.0.1"], ["ip", "100.64.1.1"], ["ip", "224.0.0.1"],
        ["domain", "fileserver.corp.local"], ["domain", "intranet"], ["domain", "www.example.com"], ["url", "http://10.0.0.5/admin"], ["url", "https://wiki.internal/page"]] as [IocType, string][]) {
        if (p.supports(type)) expect(await p.lookup(type, value)).toBeNull();
      }
      if (p.supports("ip")) expect(await p.lookup("ip", "9.9.9.9", { internal: true })).toBeNull(); // INTERNAL_RANGES says it is ours
    }
    expect(intel.requests).toEqual([]);
  });
});

describe("configuration", () => {
  it("turns a provider on only when its key is set, and SHODAN_INTERNETDB only when on", () => {
    expect(enrichmentSetup({ GEOIP: "off" }).online).toEqual([]);
    expect(enrichmentSetup({ GEOIP: "off", ABUSECH_AUTH_KEY: FAKE_KEY }).online.map((p) => p.name)).toEqual(["urlhaus", "malwarebazaar"]);
    expect(enrichmentSetup({ GEOIP: "off", SHODAN_INTERNETDB: "off" }).online).toEqual([]);
    const p = enrichmentSetup({ GEOIP: "off", VIRUSTOTAL_API_KEY: FAKE_KEY }).online[0]!;
    expect(p.settings).toMatchObject({ baseUrl: "https://www.virustotal.com/api/v3", quota: { perMinute: 4, perDay: 500 } });
  });

  it("stops on a bad value naming the variable and what it accepts", () => {
    const bad = (env: Record<string, string>) => { try { enrichmentSetup({ GEOIP: "off", ...env }); return null; } catch (e) { return e as Error; } };
    expect(bad({ VIRUSTOTAL_QUOTA: "lots" })).toBeInstanceOf(ConfigError);
    expect(bad({ VIRUSTOTAL_QUOTA: "lots" })!.message).toMatch(/VIRUSTOTAL_QUOTA="lots": expected calls per minute and\/or per day, e.g. "4\/min,500\/day"/);
    expect(bad({ ABUSEIPDB_URL: "ftp://x" })!.message).toMatch(/ABUSEIPDB_URL=.*expected an http\(s\) base URL/);
    expect(bad({ SHODAN_INTERNETDB: "yes" })!.message).toMatch(/SHODAN_INTERNETDB="yes": expected on or off/);
    expect(bad({ OTX_CACHE_TTL: "clean=forever" })!.message).toMatch(/OTX_CACHE_TTL=.*expected verdict=duration pairs/);
    expect(bad({ ENRICH_TIMEOUT_MS: "10" })!.message).toMatch(/ENRICH_TIMEOUT_MS="10": expected at least 100 ms/);
    expect(bad({ TAXII_URL: "https://taxii.example.org" })!.message).toMatch(/TAXII_API_ROOT=\(unset\): set TAXII_URL, TAXII_API_ROOT and TAXII_COLLECTION together/);
  });
});
