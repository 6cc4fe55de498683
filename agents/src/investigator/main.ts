// The investigator stage: alerts.enriched → alerts.investigated.
import { fileURLToPath } from "node:url";
import { EnrichedMessage, InvestigatedMessage } from "@secops/contracts";
import { llmEnv, parseEnv } from "../runtime/config.js";
import { runAgentProcess } from "../runtime/agent.js";
import { defineStage } from "../runtime/define-stage.js";
import { createLlmClient } from "../llm/client.js";
import { openBucket } from "../runtime/provision.js";
import { duplicateReuse } from "./duplicate-reuse.js";
import { investigateAlert } from "./handler.js";
import { loadPolicy } from "../shared/policy.js";
import { geoPolicyOf } from "./rules-geo.js";
import { incidentCoverageFor } from "./incident-setup.js";

export const investigatorStage = defineStage({
  name: "investigator",
  input: EnrichedMessage,
  output: InvestigatedMessage,
  async setup(rt) {
    const llmCfg = parseEnv(llmEnv, rt.env);
    const llm = createLlmClient(llmCfg, rt.log);
    // One probe at start: with the LLM down the breaker opens at once and alerts go straight to the rules analyst.
    const up = await llm.probe();
    const reuse = llmCfg.LLM_REUSE_WINDOW_SECONDS > 0
      ? duplicateReuse(await openBucket(rt.nc, rt.topo.buckets.investigationReuse, { ttl: 24 * 3600 * 1000 }), llmCfg.LLM_REUSE_WINDOW_SECONDS * 1000, {
        // A claim outlives one LLM call with its retries and the repair round; then its holder is presumed gone.
        claimTimeoutMs: llmCfg.LLM_TIMEOUT_SECONDS * 1000 * (llmCfg.LLM_MAX_RETRIES + 2) + 10_000,
      })
      : undefined;
    rt.log.info({ url: llmCfg.LLM_API_URL, model: llmCfg.LLM_MODEL_NAME, thinking: llmCfg.LLM_THINKING, answering: up }, "LLM analyst configured; rules analyst as fallback");
    // The rules analyst weighs GeoIP/ASN against the policy's allowlisted ASes and high-risk countries.
    const network = geoPolicyOf(loadPolicy(rt.env.POLICY_FILE || undefined));
    const incidents = await incidentCoverageFor(rt);
    return { llm, reuse, incidents, maxWaitMs: llmCfg.LLM_MAX_WAIT_SECONDS * 1000, network };
  },
  async handle(msg, { deps, log, progress, note }) {
    const investigation = await investigateAlert(msg, { llm: deps.llm, ...(deps.reuse ? { reuse: deps.reuse } : {}), ...(deps.incidents ? { incidents: deps.incidents } : {}), maxWaitMs: deps.maxWaitMs, network: deps.network, log, onProgress: progress });
    note(`${investigation.analyst} ${investigation.verdict} ${investigation.severity} ${investigation.confidence}`);
    return { investigation };
  },
});

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runAgentProcess(investigatorStage);
