// The decider stage: alerts.investigated → alerts.decided.
import { fileURLToPath } from "node:url";
import { DecidedMessage, InvestigatedMessage } from "@secops/contracts";
import { runAgentProcess } from "../runtime/agent.js";
import { defineStage } from "../runtime/define-stage.js";
import { loadPolicyWithText, recordPolicyVersion } from "../state/policy-versions.js";
import { decideResponse } from "./handler.js";
import { createDecisionGuard } from "../trust/decision-guard.js";

export const deciderStage = defineStage({
  name: "decider",
  input: InvestigatedMessage,
  output: DecidedMessage,
  async setup(rt) {
    // A bad policy file stops the process at start, naming the file and the problem.
    const loaded = loadPolicyWithText(rt.env.POLICY_FILE || undefined);
    const policy = loaded.policy;
    // Its full text is kept by version, so every decision can be explained with the exact policy that made it.
    const recorded = await recordPolicyVersion(rt.nc, rt.topo, loaded, rt.producer.instance).catch((e: unknown) => {
      throw new Error(`cannot record policy ${loaded.version} in KV bucket ${rt.topo.buckets.policies} (the decider needs publish rights on $KV.${rt.topo.buckets.policies}.>): ${(e as Error).message}`, { cause: e });
    });
    rt.log.info({ policy: rt.env.POLICY_FILE || "default", version: loaded.version, bucket: rt.topo.buckets.policies, newVersion: recorded.created }, "policy loaded");
    // Kill switch, containment limits and the signature (agents/src/trust).
    return { policy, guard: await createDecisionGuard(rt, policy) };
  },
  async handle(msg, { deps, note }) {
    const decision = await deps.guard.apply(msg.alertId, decideResponse(msg, deps.policy));
    note(`${decision.action} ${decision.mode} ${decision.status}`);
    return { decision };
  },
  // The signature covers the whole message, envelope included.
  seal: (msg, deps) => deps.guard.sign(msg),
});

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runAgentProcess(deciderStage);
