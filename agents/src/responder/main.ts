// The responder stage: alerts.decided → alerts.executed, exactly once per effect.
import { fileURLToPath } from "node:url";
import { DecidedMessage, ExecutedMessage } from "@secops/contracts";
import { runAgentProcess } from "../runtime/agent.js";
import { defineStage } from "../runtime/define-stage.js";
import { STAGE_POLICY } from "../runtime/provision.js";
import { errorMessage } from "../runtime/errors.js";
import { createResponder } from "./handler.js";
import { createResponderGate } from "../trust/responder-gate.js";
import { serveUndoRequests } from "../state/undo-requests.js";

const SWEEP_EVERY_MS = 30_000;

export const responderStage = defineStage({
  name: "responder",
  input: DecidedMessage,
  output: ExecutedMessage,
  async setup(rt) {
    const responder = await createResponder({ nc: rt.nc, js: rt.js, topo: rt.topo, log: rt.log, env: rt.env });
    // Signature check, kill switch, and a review item for anything that cannot be carried out (agents/src/trust).
    const gate = await createResponderGate(rt);
    // Expired approvals fail closed and expired blocks leave the EDL; any replica may sweep.
    const sweeper = setInterval(() => void responder.sweep().catch((e: Error) => rt.log.warn({ err: e.message }, "sweep failed")), SWEEP_EVERY_MS);
    // The dashboard asks for undos here: it holds no connector credentials, the responder does.
    const undoService = serveUndoRequests(rt.nc, rt.topo, (actionId, by) => responder.undo(actionId, by), rt.log);
    return { responder, gate, sweeper, undoService };
  },
  async handle(decided, { deps, note, deliveryCount }) {
    const { responder, gate } = deps;
    const msg = await gate.admit(decided);
    const outcome = await responder.execute(msg).catch(async (e: unknown) => {
      if (deliveryCount >= STAGE_POLICY.responder.maxDeliver) await gate.needsPerson(msg, `gave up after ${deliveryCount} attempts: ${errorMessage(e)}`);
      throw e;
    });
    if (outcome.kind === "pending") {
      note(`awaiting approval ${outcome.approval.id}`);
      return null; // the approval's outcome comes back on alerts.decided
    }
    note(`${outcome.execution.action} ${outcome.execution.status}`);
    return { execution: outcome.execution.status === "failed" ? await gate.withReview(msg, outcome.execution) : outcome.execution };
  },
  stop: (deps) => {
    clearInterval(deps.sweeper);
    deps.undoService.unsubscribe();
  },
});

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runAgentProcess(responderStage);
