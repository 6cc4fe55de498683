// GeoIP/ASN where it is used: one line per indicator in the investigation prompt, and the
// policy's allowlist.asns and network.highRiskCountries in the decider.
import { describe, expect, it } from "vitest";
import { Decision, type CanonicalAlert, type Enrichment, type Investigation } from "@secops/contracts";
import { normalizeAlert } from "../../src/enricher/normalize/index.js";
import { enrichmentSetup } from "../../src/enricher/enrich/setup.js";
import { enrichIndicators } from "../../src/enricher/enrich/index.js";
import { buildInvestigationPrompt } from "../../src/investigator/prompt.js";
import { analyzeWithRules } from "../../src/investigator/handler.js";
import { decideResponse } from "../../src/decider/handler.js";
import { loadPolicy, parsePolicy, PolicyError, type Policy } from "../../src/shared/policy.js";
import { enrichedMessage, investigatedMessage } from "../investigator/seed-fixtures.js";
import { readFileSync } from "node:fs";
import { DEFAULT_POLICY_FILE } from "../../src/shared/policy.js";

const setup = enrichmentSetup({});

async function enriched(text: string): Promise<{ alert: CanonicalAlert; enrichment: Enrichment }> {
  const r = normalizeAlert(JSON.stringify({ title: "External port scan", severity: "medium", description: text }));
  if (!r.ok) throw new Error(r.error.reason);
  return { alert: r.alert, enrichment: await enrichIndicators(r.alert, { providers: setup.providers, assetRules: setup.assetRules }) };
}

function decide(alert: CanonicalAlert, enrichment: Enrichment, override: Partial<Investigation>, policy: Policy): Decision {
  const investigation: Investigation = { ...analyzeWithRules(alert, enrichment, null), injection: { detected: false, findings: [] }, ...override };
  return decideResponse(investigatedMessage(enrichedMessage(alert, enrichment, "SEC-GEO-1"), investigation), policy, { now: new Date("2026-12-01T12:00:00Z") });
}

const withNetwork = (o: { asns?: string; countries?: string }) => parsePolicy(readFileSync(DEFAULT_POLICY_FILE, "utf8")
  .replace("    asns: []\n", `    asns: ${o.asns ?? "[]"}\n`)
  .replace("  highRiskCountries: []\n", `  highRiskCountries: ${o.countries ?? "[]"}\n`));

describe("GeoIP in the investigation prompt", () => {
  it("puts country, AS number and organisation on the indicator's own line", async () => {
    const { alert, enrichment } = await enriched("9.9.9.9 scanned 10.0.0.5 ports 22-443");
    const { user } = buildInvestigationPrompt(alert, enrichment, "n0nce");
    expect(user).toMatch(/^- ip 9\.9\.9\.9 \(.*external\): unknown \[external, public, ipv4\] US AS19281 Quad9$/m);
    expect(user).toMatch(/^- ip 10\.0\.0\.5 \(.*internal\): unknown \[internal, private, ipv4\]$/m);
  });
});

describe("GeoIP in the policy", () => {
  it("never blocks an address of an allowlisted AS", async () => {
    const { alert, enrichment } = await enriched("1.1.1.1 scanned 10.0.0.5 ports 22-443");
    const block = { recommendedAction: "BLOCK_IP" as const, recommendedTarget: "1.1.1.1", confidence: 0.95 };
    expect(decide(alert, enrichment, block, loadPolicy())).toMatchObject({ action: "BLOCK_IP" });
    const d = decide(alert, enrichment, block, withNetwork({ asns: "[13335]" }));
    expect(d.action).toBe("MANUAL_REVIEW");
    expect(d.policy.rules).toContainEqual({ rule: "network.allowlist", effect: "downgrade", reason: expect.stringMatching(/1\.1\.1\.1 belongs to the allowlisted AS13335 \(Cloudflare, Inc\.\) and is never blocked/) });
  });

  it("does not close an alert involving a high-risk country without a human, and notes it otherwise", async () => {
    const { alert, enrichment } = await enriched("8.8.8.8 scanned 10.0.0.5 ports 22-443");
    const policy = withNetwork({ countries: "[us]" });
    expect(policy.network.highRiskCountries).toEqual(["US"]);
    const close = decide(alert, enrichment, { recommendedAction: "CLOSE_FALSE_POSITIVE", recommendedTarget: null, confidence: 0.95, severity: "low" }, policy);
    expect(close).toMatchObject({ action: "CLOSE_FALSE_POSITIVE", mode: "approval", status: "awaiting_approval" });
    expect(close.policy.rules).toContainEqual({ rule: "network.high_risk_country", effect: "require_approval", reason: expect.stringMatching(/8\.8\.8\.8 \(US\), in a high-risk country/) });
    expect(decide(alert, enrichment, { recommendedAction: "CLOSE_FALSE_POSITIVE", recommendedTarget: null, confidence: 0.95, severity: "low" }, loadPolicy())).toMatchObject({ mode: "auto" });
    const ticket = decide(alert, enrichment, { recommendedAction: "CREATE_TICKET", recommendedTarget: null, confidence: 0.7 }, policy);
    expect(ticket.policy.rules.map((r) => `${r.rule}:${r.effect}`)).toContain("network.high_risk_country:info");
  });

  it("refuses a bad AS number or country code naming the setting", () => {
    expect(() => withNetwork({ asns: "[AS13335]" })).toThrow(PolicyError);
    expect(() => withNetwork({ asns: "[AS13335]" })).toThrow(/network.allowlist.asns.0: expected an AS number, e.g. 13335/);
    expect(() => withNetwork({ countries: "[Russia]" })).toThrow(/network.highRiskCountries.0: expected a two-letter ISO 3166-1 country code/);
  });
});
