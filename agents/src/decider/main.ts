// The decider stage: alerts.investigated → alerts.decided.
import { fileURLToPath } from "node:url";
import { DecidedMessage, InvestigatedMessage } from "@secops/contracts";
import { runAgentProcess } from "../runtime/agent.js";
import { defineStage } from "../runtime/define-stage.js";
import { loadPolicy } from "./policy.js";
import { decideResponse } from "./handler.js";
import { createDecisionGuard } from "../trust/decision-guard.js";

export const deciderStage = defineStage({
  name: "decider",
  input: InvestigatedMessage,
  output: DecidedMessage,
  async setup(rt) {
    // A bad policy file stops the process at start, naming the file and the problem.
    const policy = loadPolicy(rt.env.POLICY_FILE || undefined);
    rt.log.info({ policy: rt.env.POLICY_FILE || "default" }, "policy loaded");
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
