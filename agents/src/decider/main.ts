// Process entry point of the decider: alerts.investigated → alerts.decided.
import { fileURLToPath } from "node:url";
import { DecidedMessage, InvestigatedMessage, SchemaIds } from "@secops/contracts";
import { runAgentProcess, type AgentRuntime } from "../runtime/agent.js";
import { parseStageMessage } from "../runtime/parse.js";
import type { StageHandler } from "../runtime/stage.js";
import { traceparent } from "../runtime/trace.js";
import { loadPolicyWithText, recordPolicyVersion } from "../replay/policy-versions.js";
import { decideResponse } from "./handler.js";
import { createDecisionGuard } from "../trust/decision-guard.js";

export async function createDeciderHandler(rt: AgentRuntime): Promise<StageHandler> {
  // A bad policy file stops the process at start, naming the file and the problem.
  const loaded = loadPolicyWithText(rt.env.POLICY_FILE || undefined);
  const policy = loaded.policy;
  // Its full text is kept by version, so every decision can be explained with the exact policy that made it.
  const recorded = await recordPolicyVersion(rt.nc, rt.topo, loaded, rt.producer.instance).catch((e: unknown) => {
    throw new Error(`cannot record policy ${loaded.version} in KV bucket ${rt.topo.buckets.policies} (the decider needs publish rights on $KV.${rt.topo.buckets.policies}.>): ${(e as Error).message}`, { cause: e });
  });
  rt.log.info({ policy: rt.env.POLICY_FILE || "default", version: loaded.version, bucket: rt.topo.buckets.policies, newVersion: recorded.created }, "policy loaded");
  // Kill switch, containment limits and the signature (agents/src/trust).
  const guard = await createDecisionGuard(rt, policy);
  return async (m) => {
    const input = parseStageMessage(InvestigatedMessage, SchemaIds.investigated, m);
    const decision = await guard.apply(input.alertId, decideResponse(input, policy));
    const out: DecidedMessage = {
      ...input,
      schema: SchemaIds.decided,
      producer: rt.producer,
      timestamps: { ...input.timestamps, decided: new Date().toISOString() },
      decision,
    };
    return {
      alertId: input.alertId,
      traceId: input.traceId,
      note: `${decision.action} ${decision.mode} ${decision.status}`,
      publish: [{ subject: rt.topo.subjects.decided, data: guard.sign(DecidedMessage.parse(out)), msgId: `${input.alertId}:decided`, headers: { traceparent: traceparent(input.traceId), "Alert-Id": input.alertId } }],
    };
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runAgentProcess({ agent: "decider", createHandler: createDeciderHandler });
}
