// The decider binds an approval to a digest of the exact action, and the responder recomputes it
// before it asks anyone to approve and again before it runs the approved action. If the two
// disagree, every decision that needs a person fails in the responder; if the digest missed a
// parameter, an action could be changed after approval. These tests check the decider's digest
// against one computed here by hand, and run the decider's own decision through the responder.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DecidedMessage, Decision, SchemaIds, actionDigest, type ActionParameters, type Enrichment } from "@secops/contracts";
import { decideResponse } from "../../src/decider/handler.js";
import { loadPolicy } from "../../src/shared/policy.js";
import { analyzeWithRules } from "../../src/investigator/handler.js";
import { enrichedMessage, investigatedMessage, seeds } from "../investigator/seed-fixtures.js";
import { useResponderEnv } from "../responder/fixtures.js";

const env = useResponderEnv();

function awaitingIsolation() {
  const { alert, enrichment } = seeds.seed3;
  const critical: Enrichment = { ...enrichment, asset: { ...enrichment.asset, criticality: "critical", reason: "test: critical" } };
  const investigation = { ...analyzeWithRules(alert, critical, null), injection: { detected: false, findings: [] } };
  const input = investigatedMessage(enrichedMessage(alert, critical, `SEC-DIGEST-${Math.random().toString(36).slice(2, 8)}`), investigation);
  const decision = Decision.parse(decideResponse(input, loadPolicy(), { now: new Date() }));
  return { input, decision };
}

/** sha256 of the parameters as JSON with sorted keys, written out independently of canonicalJson (the parameters are flat). */
function digestByHand(p: ActionParameters): string {
  const o = p as unknown as Record<string, unknown>;
  const body = Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(o[k])}`).join(",");
  return createHash("sha256").update(`{${body}}`, "utf8").digest("hex");
}

describe("approval digest", () => {
  it("is sha256 of the action's parameters with sorted keys, so producers that order keys differently agree", () => {
    const { decision } = awaitingIsolation();
    expect(decision.status).toBe("awaiting_approval");
    expect(decision.approval!.digest).toBe(digestByHand(decision.parameters));
    const reordered = Object.fromEntries(Object.entries(decision.parameters).reverse()) as ActionParameters;
    expect(actionDigest(reordered)).toBe(decision.approval!.digest);
  });

  it("changes with the target and with every other parameter", () => {
    const { decision } = awaitingIsolation();
    const p = decision.parameters as Extract<ActionParameters, { action: "ISOLATE_HOST" }>;
    expect(actionDigest({ ...p, host: `${p.host}x` })).not.toBe(decision.approval!.digest);
    expect(actionDigest({ ...p, reason: `${p.reason} ` })).not.toBe(decision.approval!.digest);
  });

  it("the responder accepts the decider's approval as it is, and refuses the action once its parameters change", async () => {
    const { input, decision } = awaitingIsolation();
    const decided = DecidedMessage.parse({ ...input, schema: SchemaIds.decided, timestamps: { ...input.timestamps, decided: new Date().toISOString() }, decision });
    const responder = await env.make();
    const pending = await responder.execute(decided);
    expect(pending.kind).toBe("pending");
    const id = decision.approval!.id;
    expect(id).toMatch(/^APR-[0-9A-F]{16}$/);
    await responder.approvals.approve(id, "alice");
    await responder.approvals.approve(id, "bob");
    const p = decision.parameters as Extract<ActionParameters, { action: "ISOLATE_HOST" }>;
    const tampered = DecidedMessage.parse({
      ...decided,
      decision: { ...decision, status: "approved", parameters: { ...p, host: "another-host.corp.example.com" }, approval: { ...decision.approval!, approvers: [] } },
    });
    const refused = await responder.execute(tampered);
    expect(refused.kind === "executed" && refused.execution.status).toBe("failed");
    expect(refused.kind === "executed" && refused.execution.error).toMatch(/differs from what was approved/);
  });
});
