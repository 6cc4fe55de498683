// Branches of the decision that the decision-record scenarios do not pin: which mode rule a policy
// mode gives, when the taint and shadow rules apply, a critical asset after a downgrade, the
// analyst's own MANUAL_REVIEW, and the caps that keep a decision valid for long alert text. Each
// test names the bug it would catch (found by `npm run mutation` on decider/handler.ts).
import { describe, expect, it } from "vitest";
import { Decision, type CanonicalAlert, type Enrichment, type Investigation } from "@secops/contracts";
import { decideResponse } from "../../src/decider/handler.js";
import { loadPolicy, type Policy } from "../../src/shared/policy.js";
import { enrichedMessage, indicator, investigatedMessage, ip, makeAlert, makeEnrichment } from "../investigator/seed-fixtures.js";

const policy = loadPolicy();
const now = new Date("2025-05-08T12:00:00.000Z");

const alert = (over: Partial<CanonicalAlert> = {}) => makeAlert({
  severity: "medium", category: "other", title: "Outbound beacon", host: { name: "ws-1", ip: "10.0.0.5" }, user: { name: "jdoe" },
  assets: ["ws-1"], iocs: [ip("203.0.113.9", "destination", false, "dst")], ...over,
} as never);
const enrichment = (over: Partial<Enrichment> = {}): Enrichment => ({ ...makeEnrichment([indicator("ip", "203.0.113.9", "malicious")], { name: "ws-1", criticality: "low", reason: "workstation" }), ...over });
const investigation = (over: Partial<Investigation> = {}): Investigation => ({
  analyst: "llm", severity: "medium", confidence: 0.95, verdict: "true_positive", summary: "Beacon to a known C2", reasoning: "The address is on two feeds.",
  thinking: null, mitre: [], evidence: [], recommendedAction: "CREATE_TICKET", recommendedTarget: null, fallbackReason: null,
  injection: { detected: false, findings: [] }, llm: null, ...over,
} as Investigation);
const decide = (a: CanonicalAlert, e: Enrichment, inv: Investigation, p: Policy = policy): Decision =>
  Decision.parse(decideResponse(investigatedMessage(enrichedMessage(a, e, "SEC-B"), inv), p, { now }));
const withAction = (action: keyof Policy["actions"], over: Partial<Policy["actions"][typeof action]>): Policy =>
  ({ ...policy, actions: { ...policy.actions, [action]: { ...policy.actions[action], ...over } } });
const ruleIds = (d: Decision) => d.policy.rules.map((r) => r.rule);
const tainted = { detected: true, findings: [{ kind: "override" as const, path: "title", excerpt: "ignore previous" }] };

describe("decision branches", () => {
  it("an action the policy runs in approval mode is marked require_approval, with its approvers", () => {
    const d = decide(alert(), enrichment(), investigation(), withAction("CREATE_TICKET", { mode: "approval", approvers: 2 }));
    expect(d.policy.rules.find((r) => r.rule === "action.mode")).toMatchObject({ effect: "require_approval" });
    expect(d.mode).toBe("approval");
    expect(d.approval?.approversRequired).toBe(2);
    // An auto action is allowed, not marked as needing approval.
    expect(decide(alert(), enrichment(), investigation()).policy.rules.find((r) => r.rule === "action.mode")).toMatchObject({ effect: "allow" });
  });

  it("the taint rule that stops automatic running applies to auto mode only", () => {
    const auto = decide(alert(), enrichment(), investigation({ injection: tainted }));
    expect(ruleIds(auto)).toContain("taint.no_auto");
    const approval = decide(alert(), enrichment(), investigation({ injection: tainted }), withAction("CREATE_TICKET", { mode: "approval" }));
    expect(ruleIds(approval)).not.toContain("taint.no_auto");
    expect(approval.mode).toBe("approval");
  });

  it("shadow mode says what approval it would have needed only when it would have needed one", () => {
    const shadow = withAction("CREATE_TICKET", { mode: "shadow" });
    expect(ruleIds(decide(alert(), enrichment(), investigation(), shadow))).not.toContain("action.mode.shadow");
    const needs = decide(alert(), enrichment(), investigation({ injection: tainted }), shadow);
    expect(needs.policy.rules.find((r) => r.rule === "action.mode.shadow")?.reason).toMatch(/would have needed approval because the alert is tainted/);
    expect(needs.mode).toBe("shadow");
  });

  it("lists every reason an action needs approval, separated", () => {
    const high = { ...policy, network: { ...policy.network, highRiskCountries: ["KP"] } };
    const geo = enrichment({ indicators: [{ ...indicator("ip", "203.0.113.9", "malicious"), geo: { countryCode: "KP", country: "North Korea", asn: null, org: null, city: null } as never }] });
    const d = decide(alert({ severity: "critical" }), geo, investigation({ recommendedAction: "CLOSE_FALSE_POSITIVE", severity: "critical", confidence: 0.99 }), high);
    expect(d.mode).toBe("approval");
    expect(d.reason).toMatch(/Needs approval: it involves 203\.0\.113\.9 \(KP\), in a high-risk country; closing a critical alert as a false positive needs a human \(policy: \w+ and above\)\./);
    expect(d.policy.rules.find((r) => r.rule === "false_positive.high_severity")?.reason).toMatch(/^closing a critical alert as a false positive needs a human/);
  });

  it("a critical asset whose isolation was lowered to MANUAL_REVIEW asks for no isolation approvers", () => {
    const critical = enrichment({ asset: { name: "ws-1", criticality: "critical", reason: "finance" } });
    const lowered = decide(alert(), critical, investigation({ recommendedAction: "ISOLATE_HOST", recommendedTarget: "ws-1", confidence: 0.5 }),
      withAction("ISOLATE_HOST", { belowThreshold: "manual_review" }));
    expect(lowered.action).toBe("MANUAL_REVIEW");
    expect(ruleIds(lowered)).not.toContain("asset.critical");
    expect(lowered.mode).toBe("auto");
    expect(lowered.approval).toBeNull();
  });

  it("an analyst's own MANUAL_REVIEW below a manual_review threshold is not lowered again: it stays the analyst's and needs approval", () => {
    const d = decide(alert(), enrichment(), investigation({ recommendedAction: "MANUAL_REVIEW", confidence: 0.3 }), withAction("MANUAL_REVIEW", { minConfidence: 0.5, belowThreshold: "manual_review" }));
    expect(d.action).toBe("MANUAL_REVIEW");
    expect(d.proposedBy).toBe("llm");
    expect(d.policy.rules.filter((r) => r.rule === "threshold.confidence").map((r) => r.effect)).toEqual(["require_approval"]);
    expect(d.mode).toBe("approval");
    expect(d.parameters).toEqual({ action: "MANUAL_REVIEW", reason: "Beacon to a known C2", questions: ["Is this activity expected, and what response does it need?"] });
  });

  it("says which analyst proposed the action", () => {
    expect(decide(alert(), enrichment(), investigation({ analyst: "rules" })).reason).toContain("(proposed by the rules analyst)");
    expect(decide(alert(), enrichment(), investigation()).reason).toContain("(proposed by the LLM)");
  });

  it("a block whose analyst wrote no summary gives the alert's title as its reason", () => {
    const d = decide(alert(), enrichment(), investigation({ recommendedAction: "BLOCK_IP", recommendedTarget: "203.0.113.9", summary: "" }));
    expect(d.parameters).toMatchObject({ action: "BLOCK_IP", ip: "203.0.113.9", reason: "Outbound beacon" });
  });

  it("a ticket for a long title and many assets is still a valid decision, within the contract's caps", () => {
    const assets = Array.from({ length: 120 }, (_, i) => `host-${i}`);
    const d = decide(alert({ title: "T".repeat(1000), assets }), enrichment(), investigation());
    expect(d.parameters).toMatchObject({ action: "CREATE_TICKET" });
    const p = d.parameters as { title: string; assets: string[]; description: string };
    expect(p.title).toHaveLength(300);
    expect(p.title.startsWith("[medium, analyst's] TTT")).toBe(true);
    expect(p.assets).toHaveLength(50);
    // No evidence: the description is the summary and the reasoning, nothing else.
    expect(p.description).toBe("Beacon to a known C2\n\nThe address is on two feeds.");
  });
});
