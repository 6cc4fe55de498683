// The decider binds an approval to a digest and the responder recomputes it before asking anyone
// to approve: the two must agree, or every decision that needs a person fails in the responder.
import { describe, expect, it } from "vitest";
import { Decision, type Enrichment } from "@secops/contracts";
import { decideResponse } from "../../src/decider/handler.js";
import { loadPolicy } from "../../src/decider/policy.js";
import { actionDigest as responderDigest } from "@secops/contracts";
import { analyzeWithRules } from "../../src/investigator/handler.js";
import { enrichedMessage, investigatedMessage, seeds } from "../investigator/seed-fixtures.js";

describe("approval digest", () => {
  it("is the digest the responder recomputes for the same parameters", () => {
    const { alert, enrichment } = seeds.seed3;
    const critical: Enrichment = { ...enrichment, asset: { ...enrichment.asset, criticality: "critical", reason: "test: critical" } };
    const investigation = { ...analyzeWithRules(alert, critical, null), injection: { detected: false, findings: [] } };
    const d = Decision.parse(decideResponse(investigatedMessage(enrichedMessage(alert, critical, "SEC-DIGEST-1"), investigation), loadPolicy(), { now: new Date("2025-05-08T12:00:00.000Z") }));
    expect(d.status).toBe("awaiting_approval");
    expect(d.approval!.digest).toBe(responderDigest(d.parameters));
  });
});
