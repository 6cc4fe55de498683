// `secops triage`: the whole analysis offline, in-process and without NATS: normalize, enrich,
// investigate and decide each input alert, and print one JSON line per alert. Nothing is executed.
import { SchemaIds, type EnrichedMessage, type InvestigatedMessage } from "@secops/contracts";
import { pino } from "pino";
import type { CliCommand } from "../command.js";
import { parseInputArgs, readInputs } from "../input.js";
import { alertIdFor, normalizeAlert } from "../../enricher/normalize/index.js";
import { enrichIndicators } from "../../enricher/enrich/index.js";
import { enrichmentSetup } from "../../enricher/enrich/setup.js";
import { llmEnv, parseEnv } from "../../runtime/config.js";
import { newTraceId } from "../../runtime/trace.js";
import { PIPELINE_VERSION } from "../../runtime/agent.js";
import { createLlmClient } from "../../llm/client.js";
import { investigateAlert } from "../../investigator/handler.js";
import { loadPolicy } from "../../shared/policy.js";
import { geoPolicyOf } from "../../investigator/rules-geo.js";
import { decideResponse } from "../../decider/handler.js";
import { llmAnswers } from "../../llm/probe.js";
import { CidrList } from "../../shared/network.js";

export const command: CliCommand = {
  name: "triage",
  summary: "normalize, enrich, investigate and decide each input alert offline (no NATS, nothing executed)",
  usage: `secops triage [--analyst rules|llm] <file|dir|->...
  Prints one JSON line per alert: {"input", "alert", "enrichment", "investigation", "decision"},
  or {"input": "<file>[:line]", "error": "<reason>"}. Exits 1 if any input failed.
  --analyst: rules (the deterministic analyst) or llm (LLM_API_URL; falls back to rules per alert
  when it fails). Default: llm when LLM_API_URL answers, else rules.
  POLICY_FILE, INTERNAL_RANGES, THREAT_INTEL_DIR and the LLM_* variables apply as in the pipeline.
examples (from the repository root):
  npx secops triage input_alerts/
  npx secops triage --analyst rules input_alerts/sample_alert4.json`,
  async run(argv, io) {
    const args = parseInputArgs(argv, { analyst: ["rules", "llm"] as const }, io, this.usage);
    if (!args) return 2;
    const { flags, positional } = args;
    const llmCfg = parseEnv(llmEnv, io.env);
    const log = pino({ level: io.env.LOG_LEVEL ?? "silent" }, pino.destination(2));
    const analyst = flags.analyst ?? ((await llmAnswers(llmCfg.LLM_API_URL, llmCfg.LLM_API_KEY, 2_000)) ? "llm" : "rules");
    if (!flags.analyst) io.err(`analyst: ${analyst === "llm" ? `llm (${llmCfg.LLM_API_URL}, ${llmCfg.LLM_MODEL_NAME})` : `rules (no LLM answers at ${llmCfg.LLM_API_URL})`}`);
    const llm = analyst === "llm" ? createLlmClient(llmCfg, log) : null;
    const policy = loadPolicy(io.env.POLICY_FILE || undefined);
    const { providers, assetRules } = enrichmentSetup(io.env);
    const internalRanges = parseEnv({ INTERNAL_RANGES: CidrList }, io.env).INTERNAL_RANGES;
    const producer = { agent: "secops-triage", version: PIPELINE_VERSION, instance: "cli" };

    let failed = 0;
    for (const item of await readInputs(positional, io)) {
      if ("error" in item) { failed++; io.out(JSON.stringify({ input: item.input, error: item.error })); continue; }
      const normalized = normalizeAlert(item.text, { internalRanges });
      if (!normalized.ok) { failed++; io.out(JSON.stringify({ input: item.input, error: normalized.error.reason, tried: normalized.error.tried })); continue; }
      const alert = normalized.alert;
      const now = new Date().toISOString();
      const enriched: EnrichedMessage = {
        schema: SchemaIds.enriched, alertId: alertIdFor(alert), traceId: newTraceId(), producer,
        timestamps: { received: now, enriched: now }, alert,
        enrichment: await enrichIndicators(alert, { providers, assetRules }),
      };
      const investigation = await investigateAlert(enriched, { llm, log, network: geoPolicyOf(policy) });
      const investigated: InvestigatedMessage = { ...enriched, schema: SchemaIds.investigated, investigation, timestamps: { ...enriched.timestamps, investigated: new Date().toISOString() } };
      const decision = decideResponse(investigated, policy);
      io.out(JSON.stringify({ input: item.input, alertId: enriched.alertId, alert, enrichment: enriched.enrichment, investigation, decision }));
    }
    return failed > 0 ? 1 : 0;
  },
};
