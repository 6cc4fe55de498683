import { describe, expect, it } from "vitest";
import { Investigation } from "@secops/contracts";
import { analyzeWithRules } from "../../src/investigator/handler.js";
import { indicator, ip, makeAlert, makeEnrichment, seed1, seed2, seed3, seed4, seed5 } from "./seed-fixtures.js";

describe("rules analyst on the five seed samples", () => {
  it("1: Tor login to a finance admin account → high ticket, ~0.9", () => {
    const inv = Investigation.parse(analyzeWithRules(seed1.alert, seed1.enrichment, null));
    expect(inv).toMatchObject({ analyst: "rules", severity: "high", recommendedAction: "CREATE_TICKET", recommendedTarget: null, verdict: "true_positive" });
    expect(inv.confidence).toBeCloseTo(0.9, 2);
    expect(inv.reasoning).toMatch(/Tor/);
    expect(inv.reasoning).toMatch(/privileged/);
    expect(inv.evidence.join(" ")).toContain("03:14:22");
  });

  it("2: large transfer to an unknown external host → high ticket, 0.85", () => {
    const inv = Investigation.parse(analyzeWithRules(seed2.alert, seed2.enrichment, null));
    expect(inv).toMatchObject({ severity: "high", confidence: 0.85, recommendedAction: "CREATE_TICKET" });
    expect(inv.evidence.join(" ")).toMatch(/245 MB .* 25 MB.*9\.8x/);
  });

  it("3: BlackCat ransomware → isolate the host, critical, 0.95", () => {
    const inv = Investigation.parse(analyzeWithRules(seed3.alert, seed3.enrichment, null));
    expect(inv).toMatchObject({ severity: "critical", confidence: 0.95, recommendedAction: "ISOLATE_HOST", recommendedTarget: "workstation-17.example.com" });
    expect(inv.mitre).toContain("T1486");
  });

  it("4: external SYN scan → block the external source, medium, 0.8", () => {
    const inv = Investigation.parse(analyzeWithRules(seed4.alert, seed4.enrichment, null));
    expect(inv).toMatchObject({ severity: "medium", confidence: 0.8, recommendedAction: "BLOCK_IP", recommendedTarget: "198.51.100.77" });
  });

  it("5: resigning employee taking sensitive documents → isolate the device, high or critical, 0.9", () => {
    const inv = Investigation.parse(analyzeWithRules(seed5.alert, seed5.enrichment, null));
    expect(["high", "critical"]).toContain(inv.severity);
    expect(inv).toMatchObject({ confidence: 0.9, recommendedAction: "ISOLATE_HOST", recommendedTarget: "personal-laptop.example.com" });
    expect(inv.reasoning).toMatch(/resigned/);
  });

  it("says why it answered in fallbackReason and in the reasoning", () => {
    const inv = analyzeWithRules(seed1.alert, seed1.enrichment, "the LLM timed out");
    expect(inv.fallbackReason).toBe("the LLM timed out");
    expect(inv.reasoning).toContain("answering because the LLM timed out");
  });
});

describe("rules analyst beyond the matrix", () => {
  const scan = (context: Record<string, string | number | boolean | string[]>, verdict: "unknown" | "malicious" | "clean" = "unknown", severity: "low" | "medium" = "medium") => ({
    alert: makeAlert({
      category: "network_scan", severity, title: "Port scan", iocs: [ip("198.51.100.9", "source", false), ip("10.0.0.5", "destination", true), ip("10.0.0.6", "destination", true)],
      context: { scanned_ports: ["22", "80", "443", "445"], ...context },
    }),
    enrichment: makeEnrichment([indicator("ip", "198.51.100.9", verdict, [], verdict === "unknown" ? [] : [{ name: "feed", verdict }])], { name: null, criticality: "medium", reason: "default" }),
  });

  it("closes sanctioned activity as benign (authorized scanner with a change ticket)", () => {
    const { alert, enrichment } = scan({ sanctioned_scanner: true, change_ticket: "CHG-1234" });
    const inv = analyzeWithRules(alert, enrichment, null);
    expect(inv).toMatchObject({ recommendedAction: "CLOSE_FALSE_POSITIVE", verdict: "benign", severity: "low" });
    expect(inv.reasoning).toContain("CHG-1234");
  });

  it("closes a low-severity alert whose indicators are clean everywhere as a false positive", () => {
    const alert = makeAlert({ category: "other", severity: "low", title: "Odd DNS", iocs: [{ type: "domain", value: "updates.example.org", role: null, internal: false, from: "text" }] });
    const enrichment = makeEnrichment([indicator("domain", "updates.example.org", "clean", [], [{ name: "feed", verdict: "clean" }])], { name: null, criticality: "low", reason: "default" });
    expect(analyzeWithRules(alert, enrichment, null)).toMatchObject({ recommendedAction: "CLOSE_FALSE_POSITIVE", verdict: "false_positive" });
  });

  it("sends conflicting evidence to manual review: labelled sanctioned but the source is malicious", () => {
    const { alert, enrichment } = scan({ authorized_pentest: "yes" }, "malicious");
    const inv = analyzeWithRules(alert, enrichment, null);
    expect(inv).toMatchObject({ recommendedAction: "MANUAL_REVIEW", verdict: "undetermined" });
    expect(inv.reasoning).toMatch(/sanctioned.*malicious/s);
  });

  it("sends a block whose target every source rates clean to manual review", () => {
    const { alert, enrichment } = scan({}, "clean");
    expect(analyzeWithRules(alert, enrichment, null)).toMatchObject({ recommendedAction: "MANUAL_REVIEW", recommendedTarget: null });
  });

  it("asks a person when evidence is insufficient", () => {
    const alert = makeAlert({ category: "other", severity: "medium", title: "Something happened" });
    const inv = analyzeWithRules(alert, makeEnrichment([], { name: null, criticality: "low", reason: "default" }), null);
    expect(inv).toMatchObject({ recommendedAction: "MANUAL_REVIEW", verdict: "undetermined" });
    expect(inv.confidence).toBeLessThan(0.5);
  });

  it("never proposes blocking an internal scanner", () => {
    const alert = makeAlert({ category: "network_scan", severity: "medium", title: "Internal scan", iocs: [ip("10.0.0.9", "source", true), ip("10.0.0.5", "destination", true)] });
    const inv = analyzeWithRules(alert, makeEnrichment([], { name: null, criticality: "medium", reason: "x" }), null);
    expect(inv).toMatchObject({ recommendedAction: "CREATE_TICKET", severity: "high" });
  });

  it("a ransomware alert without a host becomes a ticket instead of an isolation of nothing", () => {
    const alert = makeAlert({ category: "malware", severity: "high", title: "Ransomware detected", context: { malware_type: "Ransomware" } });
    const inv = analyzeWithRules(alert, makeEnrichment([], { name: null, criticality: "medium", reason: "x" }), null);
    expect(inv).toMatchObject({ recommendedAction: "CREATE_TICKET", severity: "critical", recommendedTarget: null });
  });

  it("uses every one of the five actions across scenarios", () => {
    const actions = new Set([
      analyzeWithRules(seed1.alert, seed1.enrichment, null).recommendedAction,
      analyzeWithRules(seed3.alert, seed3.enrichment, null).recommendedAction,
      analyzeWithRules(seed4.alert, seed4.enrichment, null).recommendedAction,
      analyzeWithRules(scan({ sanctioned_scanner: true }).alert, scan({ sanctioned_scanner: true }).enrichment, null).recommendedAction,
      analyzeWithRules(scan({}, "clean").alert, scan({}, "clean").enrichment, null).recommendedAction,
    ]);
    expect([...actions].sort()).toEqual(["BLOCK_IP", "CLOSE_FALSE_POSITIVE", "CREATE_TICKET", "ISOLATE_HOST", "MANUAL_REVIEW"]);
  });
});
