// Process entry point of the investigator: alerts.enriched → alerts.investigated.
import { fileURLToPath } from "node:url";
import { EnrichedMessage, InvestigatedMessage, SchemaIds } from "@secops/contracts";
import { llmEnv, parseEnv } from "../runtime/config.js";
import { runAgentProcess, type AgentRuntime } from "../runtime/agent.js";
import { parseStageMessage } from "../runtime/parse.js";
import type { StageHandler } from "../runtime/stage.js";
import { traceparent } from "../runtime/trace.js";
import { createLlmClient } from "../llm/client.js";
import { openBucket } from "../runtime/provision.js";
import { duplicateReuse } from "./duplicate-reuse.js";
import { investigateAlert } from "./handler.js";

export async function createInvestigatorHandler(rt: AgentRuntime): Promise<StageHandler> {
  const llmCfg = parseEnv(llmEnv, rt.env);
  const llm = createLlmClient(llmCfg, rt.log);
  const up = await llm.probe();
  const reuse = llmCfg.LLM_REUSE_WINDOW_SECONDS > 0
    ? duplicateReuse(await openBucket(rt.nc, rt.topo.buckets.investigationReuse, { ttl: 24 * 3600 * 1000 }), llmCfg.LLM_REUSE_WINDOW_SECONDS * 1000)
    : undefined;
  rt.log.info({ url: llmCfg.LLM_API_URL, model: llmCfg.LLM_MODEL_NAME, thinking: llmCfg.LLM_THINKING, answering: up }, "LLM analyst configured; rules analyst as fallback");
  return async (m, ctx) => {
    const input = parseStageMessage(EnrichedMessage, SchemaIds.enriched, m);
    const investigation = await investigateAlert(input, { llm, ...(reuse ? { reuse } : {}), maxWaitMs: llmCfg.LLM_MAX_WAIT_SECONDS * 1000, log: ctx.log.child({ alertId: input.alertId, traceId: input.traceId }), onProgress: ctx.progress });
    const out: InvestigatedMessage = {
      ...input,
      schema: SchemaIds.investigated,
      producer: rt.producer,
      timestamps: { ...input.timestamps, investigated: new Date().toISOString() },
      investigation,
    };
    return {
      alertId: input.alertId,
      traceId: input.traceId,
      note: `${investigation.analyst} ${investigation.verdict} ${investigation.severity} ${investigation.confidence}`,
      publish: [{ subject: rt.topo.subjects.investigated, data: InvestigatedMessage.parse(out), msgId: `${input.alertId}:investigated`, headers: { traceparent: traceparent(input.traceId), "Alert-Id": input.alertId } }],
    };
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runAgentProcess({ agent: "investigator", createHandler: createInvestigatorHandler });
}
