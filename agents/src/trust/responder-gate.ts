// The responder's gate: nothing on alerts.decided acts unless its signature verifies (a forged
// or tampered decision goes to alerts.dlq with the reason, becomes a security event on the
// dashboard and a MANUAL_REVIEW item), and while the pipeline is paused every action runs in
// shadow mode. A decision the responder cannot carry out (invalid target, connector error
// after the last retry) also becomes a MANUAL_REVIEW item: no failure ends silently.
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { DecidedMessage, Execution, Topology } from "@secops/contracts";
import { PermanentError } from "../runtime/errors.js";
import type { Logger } from "../runtime/logger.js";
import type { ReviewRecord } from "../state/records.js";
import { Verifier } from "./signing.js";
import { TrustState } from "./state.js";
import { unexecutedReviewIdFor } from "../shared/ids.js";

export interface ResponderGate {
  /** The message to execute (shadow while paused); throws PermanentError (to alerts.dlq) when its signature fails. */
  admit(msg: DecidedMessage): Promise<DecidedMessage>;
  /** Queues a MANUAL_REVIEW item saying why the decision could not be carried out; returns its id. */
  needsPerson(msg: Pick<DecidedMessage, "alertId" | "alert" | "investigation" | "decision">, reason: string): Promise<string>;
  /** A failed execution, with the review item that now asks a person about it. */
  withReview(msg: DecidedMessage, execution: Execution): Promise<Execution>;
  state: TrustState;
  verifier: Verifier;
}

export async function createResponderGate(rt: { nc: NatsConnection; topo: Topology; env: NodeJS.ProcessEnv; log: Logger }): Promise<ResponderGate> {
  const state = await TrustState.open(rt.nc, rt.topo);
  const verifier = new Verifier(rt.env);
  const reviews: KV = await new Kvm(rt.nc).create(rt.topo.buckets.reviews, { history: 10 });
  rt.log.info({ trustedKeys: verifier.trusted }, "decision signatures: trusted keys");

  const needsPerson: ResponderGate["needsPerson"] = async (msg, reason) => {
    const id = unexecutedReviewIdFor(msg.alertId, reason);
    const record: ReviewRecord = {
      id, alertId: msg.alertId, title: String(msg.alert?.title ?? "(unknown alert)").slice(0, 300), severity: String(msg.investigation?.severity ?? "unknown"),
      reason: `needs a person: ${msg.decision.action} could not be carried out: ${reason}`.slice(0, 2000),
      questions: [`The responder did not ${msg.decision.action}. What should happen with this alert?`],
      status: "open", createdAt: new Date().toISOString(), dismissedAt: null, dismissedBy: null,
    };
    try {
      await reviews.create(id, JSON.stringify(record));
    } catch {
      // already queued for this alert and reason (a redelivery)
    }
    return id;
  };

  return {
    state, verifier, needsPerson,
    async withReview(msg, execution) {
      const reviewId = await needsPerson(msg, execution.error ?? execution.summary);
      return {
        ...execution,
        summary: `needs a person (review ${reviewId}): ${execution.summary}`.slice(0, 2000),
        details: { ...execution.details, needsPerson: true, reviewId },
      };
    },
    async admit(msg) {
      const v = verifier.verify(msg);
      if (!v.ok) {
        const reason = `signature check failed, not executed: ${v.reason}`;
        const reviewId = await needsPerson(msg, reason).catch(() => null);
        await state.recordEvent({ kind: "signature", alertId: msg.alertId, reason, reviewId }).catch((e: Error) => rt.log.error({ err: e.message }, "could not record the security event"));
        rt.log.warn({ alertId: msg.alertId, reason }, "security: refused a decision");
        throw new PermanentError(reason, { alertId: msg.alertId, traceId: msg.traceId, errors: [{ path: "signature", message: v.reason }], tried: ["signature"] });
      }
      const d = msg.decision;
      if ((d.status === "ready" && d.mode !== "shadow") || d.status === "approved") {
        const pause = await state.pause();
        if (pause.paused) {
          return {
            ...msg,
            decision: {
              ...d, mode: "shadow", status: "ready",
              policy: { ...d.policy, rules: [...d.policy.rules, { rule: "kill_switch.paused", effect: "shadow", reason: `paused by ${pause.by} at ${pause.at}: the responder records what it would do and changes nothing` }] },
            },
          };
        }
      }
      return msg;
    },
  };
}
