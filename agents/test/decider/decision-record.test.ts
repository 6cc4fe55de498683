// The decision record a person reads: every rule that applied with its reason, the summary, and
// the parameters built for the actions that take no target. Exact values for a handful of
// situations, so that a changed reason, a lost rule or a parameter built from the wrong field
// shows here (the rules themselves are tested in handler.test.ts and targets.test.ts).
import { describe, expect, it } from "vitest";
import { Decision, type CanonicalAlert, type Enrichment, type Investigation } from "@secops/contracts";
import { decideResponse } from "../../src/decider/handler.js";
import { loadPolicy, type Policy } from "../../src/shared/policy.js";
import { enrichedMessage, indicator, investigatedMessage, ip, makeAlert, makeEnrichment } from "../investigator/seed-fixtures.js";

const policy = loadPolicy();
const now = new Date("2025-05-08T12:00:00.000Z");

const alert = (over: Partial<CanonicalAlert> = {}) => makeAlert({
  severity: "medium", category: "other", title: "Outbound beacon", host: { name: "ws-1", ip: "10.0.0.5" }, user: { name: "jdoe" },
  assets: ["ws-1", "db-1"], iocs: [ip("203.0.113.9", "destination", false, "dst")], ...over,
} as never);
const enrichment = (over: Partial<Enrichment> = {}): Enrichment => ({ ...makeEnrichment([indicator("ip", "203.0.113.9", "malicious")], { name: "ws-1", criticality: "low", reason: "workstation" }), ...over });

function investigation(over: Partial<Investigation> = {}): Investigation {
  return {
    analyst: "llm", severity: "medium", confidence: 0.95, verdict: "true_positive", summary: "Beacon to a known C2", reasoning: "The address is on two feeds.",
    thinking: null, mitre: [], evidence: ["feed hit", "periodic"], recommendedAction: "CREATE_TICKET", recommendedTarget: null, fallbackReason: null,
    injection: { detected: false, findings: [] }, llm: null, ...over,
  } as Investigation;
}

function decide(a: CanonicalAlert, e: Enrichment, inv: Investigation, p: Policy = policy): Decision {
  return Decision.parse(decideResponse(investigatedMessage(enrichedMessage(a, e, "SEC-1"), inv), p, { now }));
}
const rules = (d: Decision) => d.policy.rules.map((r) => [r.rule, r.effect, r.reason]);

const scenarios: Record<string, () => Decision> = {
  ticket: () => decide(alert(), enrichment(), investigation({ confidence: 0.951 })),
  missing: () => decide(alert(), enrichment(), investigation({ analyst: "rules", recommendedAction: null, summary: "  " })),
  taintedClose: () => decide(alert(), enrichment(), investigation({
    recommendedAction: "CLOSE_FALSE_POSITIVE", severity: "low",
    injection: { detected: true, findings: [
      { kind: "override", path: "title", excerpt: "ignore previous" }, { kind: "role_marker", path: "raw.msg", excerpt: "system:" },
      { kind: "instruction", path: "description", excerpt: "dear ai" }, { kind: "action_request", path: "user.name", excerpt: "close" },
    ] },
  })),
  taintedTicket: () => decide(alert(), enrichment(), investigation({ injection: { detected: true, findings: [{ kind: "override", path: "title", excerpt: "x" }] } })),
  highRiskClose: () => decide(alert({ severity: "low" }), enrichment({ indicators: [{ ...indicator("ip", "203.0.113.9", "malicious"), geo: { countryCode: "KP", country: "North Korea", asn: null, org: null, city: null } as never }] }),
    investigation({ recommendedAction: "CLOSE_FALSE_POSITIVE", severity: "low", evidence: ["scheduled backup"] }), { ...policy, network: { ...policy.network, highRiskCountries: ["KP"] } }),
  highRiskTicket: () => decide(alert(), enrichment({ indicators: [{ ...indicator("ip", "203.0.113.9", "malicious"), geo: { countryCode: "KP", country: "North Korea", asn: null, org: null, city: null } as never }] }),
    investigation(), { ...policy, network: { ...policy.network, highRiskCountries: ["KP"] } }),
  shadowNeeds: () => decide(alert(), enrichment(), investigation({ recommendedAction: "BLOCK_IP", recommendedTarget: "203.0.113.9", confidence: 0.5 }),
    { ...policy, actions: { ...policy.actions, BLOCK_IP: { ...policy.actions.BLOCK_IP, mode: "shadow" } } }),
  lowClose: () => decide(alert({ severity: "low" }), enrichment(), investigation({ recommendedAction: "CLOSE_FALSE_POSITIVE", severity: "low", confidence: 0.5 })),
  blockRefused: () => decide(alert(), enrichment(), investigation({ analyst: "rules", recommendedAction: "BLOCK_IP", recommendedTarget: "10.0.0.5" })),
  isolateRefused: () => decide(alert(), enrichment(), investigation({ recommendedAction: "ISOLATE_HOST", recommendedTarget: "203.0.113.9" })),
  isolateCritical: () => decide(alert(), enrichment({ asset: { name: "ws-1", criticality: "critical", reason: "finance" } }), investigation({ recommendedAction: "ISOLATE_HOST", recommendedTarget: "ws-1" })),
  blockOk: () => decide(alert(), enrichment(), investigation({ recommendedAction: "BLOCK_IP", recommendedTarget: "203.0.113.9", confidence: 0.85 })),
};

/** What each situation decides, checked by hand against the policy (agents/policy/default.yaml) when written. */
const expected: Record<string, unknown> = {
  "ticket": {
    "action": "CREATE_TICKET",
    "mode": "auto",
    "proposedBy": "llm",
    "reason": "CREATE_TICKET in auto mode (proposed by the LLM)",
    "rules": [
      [
        "proposal",
        "info",
        "the LLM proposed CREATE_TICKET at confidence 0.95"
      ],
      [
        "action.mode",
        "allow",
        "the policy runs CREATE_TICKET in auto mode"
      ]
    ],
    "parameters": {
      "action": "CREATE_TICKET",
      "title": "[medium, analyst's] Outbound beacon",
      "priority": "medium",
      "description": "Beacon to a known C2\n\nThe address is on two feeds.\n\nEvidence:\n- feed hit\n- periodic",
      "assets": [
        "ws-1",
        "10.0.0.5",
        "db-1"
      ]
    },
    "approvers": null
  },
  "missing": {
    "action": "MANUAL_REVIEW",
    "mode": "auto",
    "proposedBy": "policy",
    "reason": "MANUAL_REVIEW in auto mode (the policy replaced a missing proposal) The analyst proposed no action.",
    "rules": [
      [
        "proposal.missing",
        "downgrade",
        "The analyst proposed no action."
      ],
      [
        "action.mode",
        "allow",
        "the policy runs MANUAL_REVIEW in auto mode"
      ]
    ],
    "parameters": {
      "action": "MANUAL_REVIEW",
      "reason": "The analyst proposed no action.",
      "questions": [
        "What response does this alert need?"
      ]
    },
    "approvers": null
  },
  "taintedClose": {
    "action": "MANUAL_REVIEW",
    "mode": "approval",
    "proposedBy": "policy",
    "reason": "MANUAL_REVIEW in approval mode (the policy replaced CLOSE_FALSE_POSITIVE) A tainted alert is never closed as a false positive. Needs approval: the alert is tainted by a prompt-injection attempt.",
    "rules": [
      [
        "proposal",
        "info",
        "the LLM proposed CLOSE_FALSE_POSITIVE at confidence 0.95"
      ],
      [
        "taint.detected",
        "info",
        "the alert carries a prompt-injection attempt (override in title, role_marker in raw.msg, instruction in description); it cannot be closed or run automatically"
      ],
      [
        "taint.no_close",
        "downgrade",
        "A tainted alert is never closed as a false positive."
      ],
      [
        "action.mode",
        "allow",
        "the policy runs MANUAL_REVIEW in auto mode"
      ],
      [
        "taint.no_auto",
        "require_approval",
        "a tainted alert never runs automatically"
      ]
    ],
    "parameters": {
      "action": "MANUAL_REVIEW",
      "reason": "A tainted alert is never closed as a false positive.",
      "questions": [
        "The alert contains text aimed at the analyst (override in title, role_marker in raw.msg, instruction in description): is someone trying to get this activity dismissed?"
      ]
    },
    "approvers": 1
  },
  "taintedTicket": {
    "action": "CREATE_TICKET",
    "mode": "approval",
    "proposedBy": "llm",
    "reason": "CREATE_TICKET in approval mode (proposed by the LLM) Needs approval: the alert is tainted by a prompt-injection attempt.",
    "rules": [
      [
        "proposal",
        "info",
        "the LLM proposed CREATE_TICKET at confidence 0.95"
      ],
      [
        "taint.detected",
        "info",
        "the alert carries a prompt-injection attempt (override in title); it cannot be closed or run automatically"
      ],
      [
        "action.mode",
        "allow",
        "the policy runs CREATE_TICKET in auto mode"
      ],
      [
        "taint.no_auto",
        "require_approval",
        "a tainted alert never runs automatically"
      ]
    ],
    "parameters": {
      "action": "CREATE_TICKET",
      "title": "[medium, analyst's] Outbound beacon",
      "priority": "medium",
      "description": "Beacon to a known C2\n\nThe address is on two feeds.\n\nEvidence:\n- feed hit\n- periodic",
      "assets": [
        "ws-1",
        "10.0.0.5",
        "db-1"
      ]
    },
    "approvers": 1
  },
  "highRiskClose": {
    "action": "CLOSE_FALSE_POSITIVE",
    "mode": "approval",
    "proposedBy": "llm",
    "reason": "CLOSE_FALSE_POSITIVE in approval mode (proposed by the LLM) Needs approval: it involves 203.0.113.9 (KP), in a high-risk country.",
    "rules": [
      [
        "proposal",
        "info",
        "the LLM proposed CLOSE_FALSE_POSITIVE at confidence 0.95"
      ],
      [
        "threshold.confidence",
        "allow",
        "confidence 0.95 meets the CLOSE_FALSE_POSITIVE threshold 0.9"
      ],
      [
        "network.high_risk_country",
        "require_approval",
        "the alert involves 203.0.113.9 (KP), in a high-risk country of the policy; closing it needs a human"
      ],
      [
        "action.mode",
        "allow",
        "the policy runs CLOSE_FALSE_POSITIVE in auto mode"
      ]
    ],
    "parameters": {
      "action": "CLOSE_FALSE_POSITIVE",
      "reason": "Beacon to a known C2",
      "evidence": [
        "scheduled backup"
      ]
    },
    "approvers": 1
  },
  "highRiskTicket": {
    "action": "CREATE_TICKET",
    "mode": "auto",
    "proposedBy": "llm",
    "reason": "CREATE_TICKET in auto mode (proposed by the LLM)",
    "rules": [
      [
        "proposal",
        "info",
        "the LLM proposed CREATE_TICKET at confidence 0.95"
      ],
      [
        "network.high_risk_country",
        "info",
        "the alert involves 203.0.113.9 (KP), in a high-risk country of the policy"
      ],
      [
        "action.mode",
        "allow",
        "the policy runs CREATE_TICKET in auto mode"
      ]
    ],
    "parameters": {
      "action": "CREATE_TICKET",
      "title": "[medium, analyst's] Outbound beacon",
      "priority": "medium",
      "description": "Beacon to a known C2\n\nThe address is on two feeds.\n\nEvidence:\n- feed hit\n- periodic",
      "assets": [
        "ws-1",
        "10.0.0.5",
        "db-1"
      ]
    },
    "approvers": null
  },
  "shadowNeeds": {
    "action": "BLOCK_IP",
    "mode": "shadow",
    "proposedBy": "llm",
    "reason": "BLOCK_IP in shadow mode (proposed by the LLM) Needs approval: confidence 0.50 is below the BLOCK_IP threshold 0.8.",
    "rules": [
      [
        "proposal",
        "info",
        "the LLM proposed BLOCK_IP on 203.0.113.9 at confidence 0.50"
      ],
      [
        "target.must_be_extracted",
        "allow",
        "203.0.113.9 was extracted from the alert (dst) and is external"
      ],
      [
        "threshold.confidence",
        "require_approval",
        "confidence 0.50 is below the BLOCK_IP threshold 0.8"
      ],
      [
        "action.mode",
        "shadow",
        "the policy runs BLOCK_IP in shadow mode"
      ],
      [
        "action.mode.shadow",
        "shadow",
        "shadow mode records the action without running it; it would have needed approval because confidence 0.50 is below the BLOCK_IP threshold 0.8"
      ]
    ],
    "parameters": {
      "action": "BLOCK_IP",
      "ip": "203.0.113.9",
      "durationHours": 24,
      "reason": "Beacon to a known C2"
    },
    "approvers": null
  },
  "lowClose": {
    "action": "MANUAL_REVIEW",
    "mode": "auto",
    "proposedBy": "policy",
    "reason": "MANUAL_REVIEW in auto mode (the policy replaced CLOSE_FALSE_POSITIVE) Confidence 0.50 is below the CLOSE_FALSE_POSITIVE threshold 0.9.",
    "rules": [
      [
        "proposal",
        "info",
        "the LLM proposed CLOSE_FALSE_POSITIVE at confidence 0.50"
      ],
      [
        "threshold.confidence",
        "downgrade",
        "Confidence 0.50 is below the CLOSE_FALSE_POSITIVE threshold 0.9."
      ],
      [
        "action.mode",
        "allow",
        "the policy runs MANUAL_REVIEW in auto mode"
      ]
    ],
    "parameters": {
      "action": "MANUAL_REVIEW",
      "reason": "Confidence 0.50 is below the CLOSE_FALSE_POSITIVE threshold 0.9.",
      "questions": [
        "Is CLOSE_FALSE_POSITIVE right for this alert? The analyst was not confident enough to do it automatically."
      ]
    },
    "approvers": null
  },
  "blockRefused": {
    "action": "MANUAL_REVIEW",
    "mode": "auto",
    "proposedBy": "policy",
    "reason": "MANUAL_REVIEW in auto mode (the policy replaced BLOCK_IP) BLOCK_IP rejected: 10.0.0.5 is an internal or non-public address; internal addresses are never blocked.",
    "rules": [
      [
        "proposal",
        "info",
        "the rules analyst proposed BLOCK_IP on 10.0.0.5 at confidence 0.95"
      ],
      [
        "network.never_block_internal",
        "downgrade",
        "BLOCK_IP rejected: 10.0.0.5 is an internal or non-public address; internal addresses are never blocked."
      ],
      [
        "action.mode",
        "allow",
        "the policy runs MANUAL_REVIEW in auto mode"
      ]
    ],
    "parameters": {
      "action": "MANUAL_REVIEW",
      "reason": "BLOCK_IP rejected: 10.0.0.5 is an internal or non-public address; internal addresses are never blocked.",
      "questions": [
        "Should an address from this alert be blocked? The proposed target \"10.0.0.5\" was refused."
      ]
    },
    "approvers": null
  },
  "isolateRefused": {
    "action": "MANUAL_REVIEW",
    "mode": "auto",
    "proposedBy": "policy",
    "reason": "MANUAL_REVIEW in auto mode (the policy replaced ISOLATE_HOST) ISOLATE_HOST rejected: 203.0.113.9 is an external address; only our own hosts can be isolated.",
    "rules": [
      [
        "proposal",
        "info",
        "the LLM proposed ISOLATE_HOST on 203.0.113.9 at confidence 0.95"
      ],
      [
        "target.isolate_internal_only",
        "downgrade",
        "ISOLATE_HOST rejected: 203.0.113.9 is an external address; only our own hosts can be isolated."
      ],
      [
        "action.mode",
        "allow",
        "the policy runs MANUAL_REVIEW in auto mode"
      ]
    ],
    "parameters": {
      "action": "MANUAL_REVIEW",
      "reason": "ISOLATE_HOST rejected: 203.0.113.9 is an external address; only our own hosts can be isolated.",
      "questions": [
        "Should a host from this alert be isolated? The proposed target \"203.0.113.9\" was refused."
      ]
    },
    "approvers": null
  },
  "isolateCritical": {
    "action": "ISOLATE_HOST",
    "mode": "approval",
    "proposedBy": "llm",
    "reason": "ISOLATE_HOST in approval mode (proposed by the LLM) Needs approval: enrichment rates ws-1 critical (finance).",
    "rules": [
      [
        "proposal",
        "info",
        "the LLM proposed ISOLATE_HOST on ws-1 at confidence 0.95"
      ],
      [
        "target.must_be_extracted",
        "allow",
        "ws-1: it is the alert's host"
      ],
      [
        "threshold.confidence",
        "allow",
        "confidence 0.95 meets the ISOLATE_HOST threshold 0.9"
      ],
      [
        "asset.critical",
        "require_approval",
        "enrichment rates ws-1 critical (finance); critical assets are never isolated without 2 approver(s)"
      ],
      [
        "action.mode",
        "allow",
        "the policy runs ISOLATE_HOST in auto mode"
      ]
    ],
    "parameters": {
      "action": "ISOLATE_HOST",
      "host": "ws-1",
      "ip": "10.0.0.5",
      "reason": "Beacon to a known C2"
    },
    "approvers": 2
  },
  "blockOk": {
    "action": "BLOCK_IP",
    "mode": "auto",
    "proposedBy": "llm",
    "reason": "BLOCK_IP in auto mode (proposed by the LLM)",
    "rules": [
      [
        "proposal",
        "info",
        "the LLM proposed BLOCK_IP on 203.0.113.9 at confidence 0.85"
      ],
      [
        "target.must_be_extracted",
        "allow",
        "203.0.113.9 was extracted from the alert (dst) and is external"
      ],
      [
        "threshold.confidence",
        "allow",
        "confidence 0.85 meets the BLOCK_IP threshold 0.8"
      ],
      [
        "action.mode",
        "allow",
        "the policy runs BLOCK_IP in auto mode"
      ]
    ],
    "parameters": {
      "action": "BLOCK_IP",
      "ip": "203.0.113.9",
      "durationHours": 24,
      "reason": "Beacon to a known C2"
    },
    "approvers": null
  }
};

describe("the decision record", () => {
  for (const [name, scenario] of Object.entries(scenarios)) {
    it(name, () => {
      const d = scenario();
      expect({ action: d.action, mode: d.mode, proposedBy: d.proposedBy, reason: d.reason, rules: rules(d), parameters: d.parameters, approvers: d.approval?.approversRequired ?? null }).toEqual(expected[name]);
    });
  }
});

describe("high-risk countries", () => {
  it("count only IP indicators with a listed country, and the record names at most three", () => {
    const geo = (countryCode: string) => ({ countryCode, country: countryCode, asn: null, org: null, city: null }) as never;
    const indicators = [
      { ...indicator("domain", "evil.example", "malicious"), geo: geo("KP") },
      indicator("ip", "203.0.113.1", "unknown"),
      { ...indicator("ip", "203.0.113.2", "unknown"), geo: geo("US") },
      ...["203.0.113.3", "203.0.113.4", "203.0.113.5", "203.0.113.6"].map((v) => ({ ...indicator("ip", v, "unknown"), geo: geo("KP") })),
    ];
    const p: Policy = { ...policy, network: { ...policy.network, highRiskCountries: ["KP"] } };
    const d = decide(alert({ severity: "low" }), enrichment({ indicators }), investigation({ recommendedAction: "CLOSE_FALSE_POSITIVE", severity: "low" }), p);
    expect(d.mode).toBe("approval");
    expect(d.policy.rules.find((r) => r.rule === "network.high_risk_country")?.reason)
      .toBe("the alert involves 203.0.113.3 (KP), 203.0.113.4 (KP), 203.0.113.5 (KP), in a high-risk country of the policy; closing it needs a human");
    const none = decide(alert({ severity: "low" }), enrichment({ indicators: indicators.slice(0, 3) }), investigation({ recommendedAction: "CLOSE_FALSE_POSITIVE", severity: "low" }), p);
    expect(none.policy.rules.map((r) => r.rule)).not.toContain("network.high_risk_country");
    expect(none.mode).toBe("auto");
  });
});
