// The investigator stage: alerts.enriched → alerts.investigated.
import { fileURLToPath } from "node:url";
import { EnrichedMessage, InvestigatedMessage } from "@secops/contracts";
import { llmEnv, parseEnv } from "../runtime/config.js";
import { runAgentProcess } from "../runtime/agent.js";
import { defineStage } from "../runtime/define-stage.js";
import { createLlmClient } from "../llm/client.js";
import { investigateAlert } from "./handler.js";

export const investigatorStage = defineStage({
  name: "investigator",
  input: EnrichedMessage,
  output: InvestigatedMessage,
  setup(rt) {
    const llmCfg = parseEnv(llmEnv, rt.env);
    rt.log.info({ url: llmCfg.LLM_API_URL, model: llmCfg.LLM_MODEL_NAME, thinking: llmCfg.LLM_THINKING }, "LLM analyst configured; rules analyst as fallback");
    return { llm: createLlmClient(llmCfg, rt.log) };
  },
  async handle(msg, { deps, log, progress, note }) {
    const investigation = await investigateAlert(msg, { llm: deps.llm, log, onProgress: progress });
    note(`${investigation.analyst} ${investigation.verdict} ${investigation.severity} ${investigation.confidence}`);
    return { investigation };
  },
});

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runAgentProcess(investigatorStage);
