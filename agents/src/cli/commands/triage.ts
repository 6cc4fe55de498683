// `secops triage`: the whole analysis offline, in-process and without NATS: normalize, enrich,
// investigate and decide each input alert, and print one JSON line per alert. Nothing is executed.
import { pino } from "pino";
import type { CliCommand } from "../command.js";
import { parseInputArgs, readInputs } from "../input.js";
import { analyzeOffline, offlineProducer, type OfflineDeps } from "../offline.js";
import { enrichmentSetup } from "../../enricher/enrich/setup.js";
import { llmEnv, parseEnv } from "../../runtime/config.js";
import { createLlmClient } from "../../llm/client.js";
import { loadPolicy } from "../../shared/policy.js";
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
    const { providers, assetRules } = enrichmentSetup(io.env);
    const deps: OfflineDeps = {
      llm, log, policy: loadPolicy(io.env.POLICY_FILE || undefined), enrichment: { providers, assetRules },
      internalRanges: parseEnv({ INTERNAL_RANGES: CidrList }, io.env).INTERNAL_RANGES,
    };
    const producer = offlineProducer("secops-triage");

    let failed = 0;
    for (const item of await readInputs(positional, io)) {
      if ("error" in item) { failed++; io.out(JSON.stringify({ input: item.input, error: item.error })); continue; }
      const r = await analyzeOffline(item.text, deps, producer);
      if (!r.ok) { failed++; io.out(JSON.stringify({ input: item.input, error: r.error.reason, tried: r.error.tried })); continue; }
      io.out(JSON.stringify({ input: item.input, alertId: r.alertId, alert: r.alert, enrichment: r.enrichment, investigation: r.investigation, decision: r.decision }));
    }
    return failed > 0 ? 1 : 0;
  },
};
