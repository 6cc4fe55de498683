// The rules analyst weighs GeoIP/ASN (agents/src/investigator/rules-geo.ts): hosting and
// anonymizing infrastructure and the policy's high-risk countries raise suspicion, and an address
// of an AS the policy allowlists is never proposed for a block. Alerts go through the real
// normalizer and the real embedded GeoIP (the packaged databases), as in the pipeline.
import { describe, expect, it } from "vitest";
import type { CanonicalAlert, Enrichment } from "@secops/contracts";
import { normalizeAlert } from "../../src/enricher/normalize/index.js";
import { enrichmentSetup } from "../../src/enricher/enrich/setup.js";
import { enrichIndicators } from "../../src/enricher/enrich/index.js";
import { analyzeWithRules, investigateAlert } from "../../src/investigator/handler.js";
import { geoPolicyOf, infrastructure } from "../../src/investigator/rules-geo.js";
import { loadPolicy } from "../../src/shared/policy.js";
import { createLogger } from "../../src/runtime/logger.js";
import { enrichedMessage } from "./seed-fixtures.js";

const setup = enrichmentSetup({});

async function enriched(details: Record<string, unknown>, name: string): Promise<{ alert: CanonicalAlert; enrichment: Enrichment }> {
  const r = normalizeAlert(JSON.stringify({ alert_id: "SEC-GEO-RULES", name, severity: "Medium", source: "SIEM", timestamp: "2026-03-11T02:47:09Z", description: name, details }));
  if (!r.ok) throw new Error(r.error.reason);
  return { alert: r.alert, enrichment: await enrichIndicators(r.alert, { providers: setup.providers, assetRules: setup.assetRules }) };
}

const login = (ip: string, extra: Record<string, unknown> = {}) => enriched({ user: "j.doe", source_ip: ip, ...extra }, "Suspicious Authentication Activity");
const scan = (ip: string) => enriched({ source_ip: ip, destination_ips: ["10.5.0.10", "10.5.0.11", "10.5.0.12"], scanned_ports: [22, 80, 443, 445, 3389], packets_per_second: 40 }, "External Port Scan");
const transfer = (ip: string) => enriched({ source_host: "wks-1.corp.example.com", source_ip: "10.22.8.108", destination_ip: ip, transfer_size_mb: 200, typical_daily_transfer_mb: 50 }, "Anomalous Outbound Data Transfer");

describe("GeoIP/ASN in the rules analyst", () => {
  it("reads hosting and anonymizing networks from the AS, not from the alert's words", () => {
    expect(infrastructure({ country: "Singapore", countryCode: "SG", asn: 14061, org: "DigitalOcean, LLC" })).toEqual({ kind: "hosting", name: "DigitalOcean" });
    expect(infrastructure({ country: "Germany", countryCode: "DE", asn: 60729, org: "Stiftung Erneuerbare Freiheit" })).toMatchObject({ kind: "anonymizer" });
    expect(infrastructure({ country: "Lithuania", countryCode: "LT", asn: 64512, org: "UAB Example Hosting" })).toMatchObject({ kind: "hosting" });
    expect(infrastructure({ country: "United States", countryCode: "US", asn: 7922, org: "Comcast Cable Communications, LLC" })).toBeNull();
    expect(infrastructure({ country: "Australia", countryCode: "AU", asn: 13335, org: "Cloudflare, Inc." })).toBeNull();
  });

  it("failed logins then a success from hosting infrastructure is a likely compromise, from a home ISP only a look", async () => {
    const chain = { failed_attempts: 3, successful_login: true };
    const hosted = await login("159.223.45.12", chain);
    expect(hosted.enrichment.indicators.find((i) => i.value === "159.223.45.12")?.geo).toMatchObject({ countryCode: "SG", asn: 14061 });
    const fromHosting = analyzeWithRules(hosted.alert, hosted.enrichment, null);
    expect(fromHosting).toMatchObject({ recommendedAction: "CREATE_TICKET", verdict: "true_positive", confidence: 0.85 });
    expect(fromHosting.reasoning).toMatch(/159\.223\.45\.12 is located in SG AS14061 DigitalOcean, LLC; hosting infrastructure \(DigitalOcean\)/);
    expect(fromHosting.evidence).toContainEqual(expect.stringMatching(/^source 159\.223\.45\.12 rated unknown \[.*\] in SG AS14061 DigitalOcean, LLC$/));

    const home = await login("73.162.10.20", chain); // Comcast, a residential ISP
    expect(home.enrichment.indicators.find((i) => i.value === "73.162.10.20")?.geo).toMatchObject({ countryCode: "US" });
    expect(analyzeWithRules(home.alert, home.enrichment, null)).toMatchObject({ recommendedAction: "CREATE_TICKET", verdict: "undetermined", confidence: 0.65 });
  });

  it("a Tor exit operator's AS counts as anonymizing even when no feed lists the address", async () => {
    const { alert, enrichment } = await login("171.25.193.78", { failed_attempts: 4, successful_login: true });
    expect(enrichment.indicators.find((i) => i.value === "171.25.193.78")?.verdict).toBe("unknown");
    const inv = analyzeWithRules(alert, enrichment, null);
    expect(inv).toMatchObject({ verdict: "true_positive", recommendedAction: "CREATE_TICKET" });
    expect(inv.reasoning).toMatch(/from an anonymizing network \(Tor\)/);
  });

  it("a login from a high-risk country of the policy gets a ticket; elsewhere it is not evidence", async () => {
    const { alert, enrichment } = await login("77.88.8.8"); // RU, AS13238 Yandex: an access network, not hosting
    expect(analyzeWithRules(alert, enrichment, null).recommendedAction).toBe("MANUAL_REVIEW");
    const risky = analyzeWithRules(alert, enrichment, null, { network: { highRiskCountries: ["RU"] } });
    expect(risky).toMatchObject({ recommendedAction: "CREATE_TICKET" });
    expect(risky.reasoning).toMatch(/77\.88\.8\.8 is located in RU AS13238 YANDEX LLC; a high-risk country of the policy \(RU\)/);
  });

  it("a scan from a high-risk country is more severe", async () => {
    const { alert, enrichment } = await scan("77.88.8.8");
    expect(analyzeWithRules(alert, enrichment, null)).toMatchObject({ recommendedAction: "BLOCK_IP", recommendedTarget: "77.88.8.8", severity: "medium" });
    expect(analyzeWithRules(alert, enrichment, null, { network: { highRiskCountries: ["ru"] } })).toMatchObject({ recommendedAction: "BLOCK_IP", severity: "high" });
  });

  it("never proposes to block an address of an allowlisted AS, and says why", async () => {
    const { alert, enrichment } = await scan("1.1.1.1");
    expect(analyzeWithRules(alert, enrichment, null)).toMatchObject({ recommendedAction: "BLOCK_IP", recommendedTarget: "1.1.1.1" });
    const inv = analyzeWithRules(alert, enrichment, null, { network: { allowlistAsns: [13335] } });
    expect(inv).toMatchObject({ recommendedAction: "MANUAL_REVIEW", recommendedTarget: null });
    expect(inv.reasoning).toMatch(/1\.1\.1\.1 belongs to AS13335 \(AU AS13335 Cloudflare, Inc\.\), which the policy allowlists and never blocks/);
    // Another AS on the list changes nothing.
    expect(analyzeWithRules(alert, enrichment, null, { network: { allowlistAsns: [15169] } }).recommendedAction).toBe("BLOCK_IP");
  });

  it("an unusual transfer to a high-risk country isolates the sender", async () => {
    const { alert, enrichment } = await transfer("77.88.8.8");
    expect(analyzeWithRules(alert, enrichment, null)).toMatchObject({ recommendedAction: "CREATE_TICKET" });
    const inv = analyzeWithRules(alert, enrichment, null, { network: { highRiskCountries: ["RU"] } });
    expect(inv).toMatchObject({ recommendedAction: "ISOLATE_HOST", recommendedTarget: "wks-1.corp.example.com", severity: "critical" });
  });

  it("the investigator hands the policy's lists to the rules analyst", async () => {
    const { alert, enrichment } = await scan("1.1.1.1");
    const log = createLogger("test", "silent");
    const policy = loadPolicy();
    const allowCloudflare = { ...policy, network: { ...policy.network, allowlist: { ...policy.network.allowlist, asns: [13335] } } };
    const msg = enrichedMessage(alert, enrichment, "SEC-GEO-RULES");
    expect((await investigateAlert(msg, { llm: null, log, network: geoPolicyOf(policy) })).recommendedAction).toBe("BLOCK_IP");
    expect((await investigateAlert(msg, { llm: null, log, network: geoPolicyOf(allowCloudflare) })).recommendedAction).toBe("MANUAL_REVIEW");
  });
});
