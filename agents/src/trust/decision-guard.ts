// The decider's last step before it publishes: the kill switch (paused: every action runs in
// shadow mode, and the decision says so), the containment limits of the policy (beyond them an
// automatic effect waits for a person, "containment limit reached"), and the signature.
import type { NatsConnection } from "@nats-io/transport-node";
import { actionDigest, type DecidedMessage, type Decision, type Topology } from "@secops/contracts";
import type { Policy } from "../shared/policy.js";
import { approvalIdFor } from "../shared/ids.js";
import { loadSigner, type Signer } from "./signing.js";
import { TrustState } from "./state.js";

export const LIMIT_REASON = "containment limit reached";

function perText(ms: number): string {
  const s = ms / 1000;
  return s % 86400 === 0 ? `${s / 86400}d` : s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`;
}

export interface DecisionGuard {
  /** The decision after the kill switch and the containment limits. */
  apply(alertId: string, d: Decision, now?: Date): Promise<Decision>;
  sign(m: DecidedMessage): DecidedMessage;
  state: TrustState;
  signer: Signer;
}

export async function createDecisionGuard(rt: { nc: NatsConnection; topo: Topology; env: NodeJS.ProcessEnv }, policy: Policy): Promise<DecisionGuard> {
  const state = await TrustState.open(rt.nc, rt.topo);
  const signer = loadSigner("decider", rt.env);
  return {
    state, signer,
    sign: (m) => signer.sign(m),
    async apply(alertId, d, now = new Date()) {
      const pause = await state.pause();
      if (pause.paused) {
        return {
          ...d, mode: "shadow", status: "ready", approval: null,
          reason: `PAUSED: shadow mode, nothing changes. ${d.reason}`.slice(0, 4000),
          policy: { ...d.policy, rules: [...d.policy.rules, { rule: "kill_switch.paused", effect: "shadow", reason: `the pipeline was paused by ${pause.by} at ${pause.at}${pause.reason ? ` (${pause.reason})` : ""}: every action runs in shadow mode until \`secops resume\`` }] },
        };
      }
      const limit = policy.limits[d.action];
      if (!limit || d.mode !== "auto" || d.status !== "ready") return d;
      const slot = await state.takeSlot(d.action, limit.max, limit.per, now.getTime());
      if (slot.ok) {
        return { ...d, policy: { ...d.policy, rules: [...d.policy.rules, { rule: "limit.containment", effect: "allow", reason: `${slot.inWindow} of at most ${limit.max} automatic ${d.action} in ${perText(limit.per)}` }] } };
      }
      const why = `${LIMIT_REASON}: ${slot.inWindow} automatic ${d.action} in the last ${perText(limit.per)} (policy limits.${d.action}: max ${limit.max} per ${perText(limit.per)})`;
      await state.recordLimitHit({ action: d.action, at: now.toISOString(), max: limit.max, perSeconds: limit.per / 1000, alertId });
      const digest = actionDigest(d.parameters);
      return {
        ...d, mode: "approval", status: "awaiting_approval",
        reason: `${why}. ${d.reason}`.slice(0, 4000),
        policy: { ...d.policy, rules: [...d.policy.rules, { rule: "limit.containment", effect: "require_approval", reason: why }] },
        approval: {
          id: approvalIdFor(alertId, digest),
          digest,
          requiredRole: policy.approval.role,
          approversRequired: Math.max(1, policy.actions[d.action].approvers),
          expiresAt: new Date(now.getTime() + policy.approval.expiresAfterMinutes * 60_000).toISOString(),
          approvers: [],
          rejectedBy: null,
        },
      };
    },
  };
}
