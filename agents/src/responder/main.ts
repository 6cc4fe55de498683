// Process entry point of the responder: alerts.decided → alerts.executed, exactly once per effect.
import { fileURLToPath } from "node:url";
import { DecidedMessage, ExecutedMessage, SchemaIds } from "@secops/contracts";
import { runAgentProcess, type AgentRuntime } from "../runtime/agent.js";
import { parseStageMessage } from "../runtime/parse.js";
import type { StageHandler } from "../runtime/stage.js";
import { traceparent } from "../runtime/trace.js";
import { createResponder } from "./handler.js";
import { createResponderGate } from "../trust/responder-gate.js";
import { STAGE_POLICY } from "../runtime/provision.js";
import { errorMessage } from "../runtime/errors.js";

const SWEEP_EVERY_MS = 30_000;

export async function createResponderHandler(rt: AgentRuntime): Promise<{ handler: StageHandler; stop: () => void }> {
  const responder = await createResponder({ nc: rt.nc, js: rt.js, topo: rt.topo, log: rt.log, env: rt.env });
  // Signature check, kill switch, and a review item for anything that cannot be carried out (agents/src/trust).
  const gate = await createResponderGate(rt);
  // Expired approvals fail closed and expired blocks leave the EDL; any replica may sweep.
  const sweeper = setInterval(() => void responder.sweep().catch((e: Error) => rt.log.warn({ err: e.message }, "sweep failed")), SWEEP_EVERY_MS);
  const handler: StageHandler = async (m, ctx) => {
    const input = await gate.admit(parseStageMessage(DecidedMessage, SchemaIds.decided, m));
    const outcome = await responder.execute(input).catch(async (e: unknown) => {
      if (ctx.deliveryCount >= STAGE_POLICY.responder.maxDeliver) await gate.needsPerson(input, `gave up after ${ctx.deliveryCount} attempts: ${errorMessage(e)}`);
      throw e;
    });
    if (outcome.kind === "pending") {
      return { alertId: input.alertId, traceId: input.traceId, note: `awaiting approval ${input.decision.approval?.id ?? ""}`, publish: [] };
    }
    const out: ExecutedMessage = {
      ...input,
      schema: SchemaIds.executed,
      producer: rt.producer,
      timestamps: { ...input.timestamps, executed: new Date().toISOString() },
      execution: outcome.execution.status === "failed" ? await gate.withReview(input, outcome.execution) : outcome.execution,
    };
    return {
      alertId: input.alertId,
      traceId: input.traceId,
      note: `${outcome.execution.action} ${outcome.execution.status}`,
      publish: [{ subject: rt.topo.subjects.executed, data: ExecutedMessage.parse(out), msgId: `${input.alertId}:executed`, headers: { traceparent: traceparent(input.traceId), "Alert-Id": input.alertId } }],
    };
  };
  return { handler, stop: () => clearInterval(sweeper) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let stopSweeper = () => {};
  await runAgentProcess({
    agent: "responder",
    createHandler: async (rt) => {
      const r = await createResponderHandler(rt);
      stopSweeper = r.stop;
      return r.handler;
    },
    onStop: () => stopSweeper(),
  });
}
