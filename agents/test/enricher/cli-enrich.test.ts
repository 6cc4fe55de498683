// `secops enrich <ioc>...`: what each source says, and each online provider's quota.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { indicatorType } from "../../src/cli/commands/enrich.js";
import { capturingIo } from "../normalize/cli-io.js";
import { EICAR_SHA256, MALICIOUS_IP, fakeEnv, startFakeIntel, type FakeIntel } from "./fake-intel-server.js";

let intel: FakeIntel;
beforeAll(async () => { intel = await startFakeIntel(); });
afterAll(async () => { await intel.close(); });

describe("secops enrich", () => {
  it("prints each source's verdict per indicator, then each provider's calls and quota", async () => {
    const io = capturingIo("", fakeEnv(intel, { GEOIP: "on", VIRUSTOTAL_QUOTA: "4/min,500/day" }));
    expect(await main(["enrich", MALICIOUS_IP, "8.8.8.8", "10.0.0.5"], io)).toBe(0);
    const out = io.outLines.join("\n");
    expect(out).toMatch(/^185\.220\.101\.1 \(ip\): malicious$/m);
    expect(out).toMatch(/^ {2}abuseipdb +malicious +confidence of abuse 100%, 1234 report\(s\), last 2026-11-30T21:14:02\+00:00 \(confidence 100\)$/m);
    expect(out).toMatch(/^ {2}geoip +unknown +US AS15169 Google LLC$/m);
    expect(out).toMatch(/^10\.0\.0\.5 \(ip\): unknown {2}\[not sent to online providers: a private address is never sent out\]$/m);
    expect(out).toMatch(/^ {2}virustotal +calls 2, quota left 2 \(4\/min, 500\/day; used 2 this minute, 2 today\)$/m);
    expect(out).toMatch(/^ {2}abuseipdb +calls 2, quota left \d+ \(1000\/day; used 2 this minute, 2 today\)$/m);
    expect(intel.requests.some((r) => r.path.includes("10.0.0.5") || r.body.includes("10.0.0.5"))).toBe(false);
  });

  it("--json: one line per indicator and one for the providers, with the reason a provider could not answer", async () => {
    intel.mode.virustotal = "429";
    const io = capturingIo("", fakeEnv(intel));
    expect(await main(["enrich", "--json", EICAR_SHA256], io)).toBe(0);
    intel.mode.virustotal = "normal";
    const [hash, providers] = io.outLines.map((l) => JSON.parse(l));
    expect(hash).toMatchObject({ indicator: EICAR_SHA256, type: "sha256", verdict: "malicious", sentOut: true });
    expect(hash.sources.find((s: { provider: string }) => s.provider === "virustotal")).toMatchObject({ verdict: "unknown", detail: expect.stringMatching(/429 Too Many Requests.*QuotaExceededError/) });
    expect(hash.sources.find((s: { provider: string }) => s.provider === "malwarebazaar")).toMatchObject({ verdict: "malicious", evidence: { signature: "EICAR-Test-File" } });
    expect(providers.providers.find((p: { name: string }) => p.name === "virustotal")).toMatchObject({ skippedUntil: expect.any(String), lastError: { message: expect.stringMatching(/429/) } });
  });

  it("reads defanged input, names what is not an indicator, and exits 1 for it", async () => {
    expect(indicatorType("evil top")).toBe("expected an IP address, domain, URL, e-mail address or an MD5/SHA-1/SHA-256 hash");
    expect(indicatorType("hxxp://evil[.]top/x")).toBe("not a valid URL"); // before refanging
    const io = capturingIo("", { GEOIP: "off" });
    expect(await main(["enrich", "hxxp://evil[.]top/x", "not an ioc"], io)).toBe(1);
    expect(io.outLines[0]).toBe("http://evil.top/x (url): unknown");
    expect(io.outLines).toContain("not an ioc: expected an IP address, domain, URL, e-mail address or an MD5/SHA-1/SHA-256 hash");
    expect(io.outLines.join("\n")).toMatch(/online providers: none \(set ABUSEIPDB_API_KEY/);
  });
});
