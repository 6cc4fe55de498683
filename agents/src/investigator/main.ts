// The investigator stage: alerts.enriched.<severity> → alerts.investigated, highest priority first
// (runtime/priority-messages.ts), and with LLM_BACKLOG_REVIEW=on the backlog reviews after them.
import { fileURLToPath } from "node:url";
import { EnrichedMessage, Headers, InvestigatedMessage } from "@secops/contracts";
import { llmEnv, parseEnv } from "../runtime/config.js";
import { runAgentProcess } from "../runtime/agent.js";
import { defineStage } from "../runtime/define-stage.js";
import { publishDurably } from "../runtime/publish.js";
import { traceparent } from "../runtime/trace.js";
import { createLlmClient } from "../llm/client.js";
import { openBucket } from "../runtime/provision.js";
import { duplicateReuse } from "./duplicate-reuse.js";
import { BACKLOG_LABEL, decidedForBacklog, investigateAlert } from "./handler.js";
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
        onInvalid: (key, problem) => rt.log.warn({ bucket: rt.topo.buckets.investigationReuse, key, problem }, "investigation-reuse record does not match its schema; the alert is investigated afresh and the record overwritten"),
      })
      : undefined;
    // A backlog decision queued for a later LLM look: the same enriched message on the review
    // subject, which the investigator reads after every priority (so once the storm is over).
    const queueReview = llmCfg.LLM_BACKLOG_REVIEW === "on"
      ? (msg: EnrichedMessage) => publishDurably(rt.js, {
        subject: rt.topo.subjects.enrichedReview, data: msg, msgId: `${msg.alertId}:review`,
        headers: { [Headers.review]: new Date().toISOString(), [Headers.traceparent]: traceparent(msg.traceId), [Headers.alertId]: msg.alertId },
      })
      : undefined;
    rt.log.info({ url: llmCfg.LLM_API_URL, model: llmCfg.LLM_MODEL_NAME, thinking: llmCfg.LLM_THINKING, answering: up, backlogReview: llmCfg.LLM_BACKLOG_REVIEW }, "LLM analyst configured; rules analyst as fallback");
    // The rules analyst weighs GeoIP/ASN against the policy's allowlisted ASes and high-risk countries.
    const network = geoPolicyOf(loadPolicy(rt.env.POLICY_FILE || undefined));
    const incidents = await incidentCoverageFor(rt);
    return { llm, reuse, incidents, maxWaitMs: llmCfg.LLM_MAX_WAIT_SECONDS * 1000, network, queueReview };
  },
  async handle(msg, { deps, log, progress, note, headers }) {
    const reviewOf = headers[Headers.review];
    if (reviewOf) {
      // The LLM's later look at a backlog decision: a record next to it, not a new decision.
      const investigation = await investigateAlert(msg, { llm: deps.llm, ...(deps.reuse ? { reuse: deps.reuse } : {}), network: deps.network, log, onProgress: progress, review: true });
      if (investigation.analyst !== "llm") {
        log.warn({ reason: investigation.fallbackReason }, "the LLM could not review a backlog decision; the rules analyst's decision stands");
        return null;
      }
      note(`review of ${BACKLOG_LABEL}: llm ${investigation.verdict} ${investigation.severity} ${investigation.confidence}`);
      return { investigation: { ...investigation, review: { of: BACKLOG_LABEL, decidedAt: reviewOf } } };
    }
    const investigation = await investigateAlert(msg, { llm: deps.llm, ...(deps.reuse ? { reuse: deps.reuse } : {}), ...(deps.incidents ? { incidents: deps.incidents } : {}), maxWaitMs: deps.maxWaitMs, network: deps.network, log, onProgress: progress });
    if (deps.queueReview && decidedForBacklog(investigation)) await deps.queueReview(msg);
    note(`${investigation.analyst} ${investigation.verdict} ${investigation.severity} ${investigation.confidence}`);
    return { investigation };
  },
});

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runAgentProcess(investigatorStage);
