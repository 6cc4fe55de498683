// `secops eval <dir>`: run a labelled corpus through the pipeline offline (as `secops triage`
// does) and score it: per-field accuracy, IoC recall/precision, an action confusion matrix and
// the hard fails. Lets a team compare their model with the rules analyst on their own alerts.
import { resolve } from "node:path";
import { pino } from "pino";
import type { CliCommand } from "../command.js";
import { parseFlags } from "../input.js";
import { enrichmentSetup } from "../../enricher/enrich/setup.js";
import { llmEnv, parseEnv } from "../../runtime/config.js";
import { createLlmClient } from "../../llm/client.js";
import { loadPolicy } from "../../shared/policy.js";
import { LabelsError, loadCorpusLabels, observe } from "../../eval/run.js";
import { scoreCorpus } from "../../eval/score.js";
import { renderReport } from "../../eval/render.js";
import { CidrList } from "../../shared/network.js";

export const command: CliCommand = {
  name: "eval",
  summary: "score the pipeline on a labelled corpus: field accuracy, IoC recall, action confusion matrix, hard fails",
  usage: `secops eval [--analyst rules|llm] [--json] [--min-action-accuracy <0..1>] <dir>
  <dir> holds alert files, one alert per file, and a labels.json beside them (format: README
  "Measuring triage quality"). Each file is read as one message, as the enricher receives it.
  Each alert is normalized, enriched offline, investigated and decided as \`secops triage\` does;
  nothing is executed. Prints the report (or, with --json, one JSON document).
  --analyst: rules (default, the deterministic analyst) or llm (LLM_API_URL; falls back to rules per
  alert when the LLM fails, as the pipeline does).
  --min-action-accuracy: exit 1 when the share of acceptable final actions is below it.
  Exit codes: 0 scored (and above the minimum), 1 below the minimum, 2 usage or labels error.`,
  async run(argv, io) {
    const bare = argv.filter((a) => a !== "--json");
    const json = bare.length !== argv.length;
    const { flags, positional, unknown } = parseFlags(bare, ["analyst", "min-action-accuracy"]);
    const usageError = (msg: string) => { io.err(msg); io.err(`usage: ${this.usage}`); return 2; };
    if (unknown.length > 0) return usageError(`unknown or incomplete option: ${unknown.join(" ")} (accepted: --analyst, --json, --min-action-accuracy)`);
    if (positional.length !== 1) return usageError(positional.length === 0 ? "no corpus directory given" : `expected one corpus directory, got ${positional.length}: ${positional.join(" ")}`);
    const analyst = flags.analyst ?? "rules";
    if (analyst !== "rules" && analyst !== "llm") return usageError(`--analyst ${analyst}: expected rules or llm`);
    let minAccuracy: number | null = null;
    if (flags["min-action-accuracy"] !== undefined) {
      const raw = flags["min-action-accuracy"];
      minAccuracy = /^\s*(0(\.\d+)?|1(\.0+)?|\.\d+)\s*$/.test(raw) ? Number(raw) : NaN;
      if (Number.isNaN(minAccuracy)) return usageError(`--min-action-accuracy ${raw}: expected a share from 0 to 1, e.g. 0.85 (not a percentage)`);
    }

    const dir = resolve(io.cwd, positional[0]!);
    let corpus: Awaited<ReturnType<typeof loadCorpusLabels>>;
    try {
      corpus = await loadCorpusLabels(dir);
    } catch (e) {
      if (e instanceof LabelsError) { io.err(e.message); return 2; }
      io.err(`secops eval: cannot read the corpus: ${(e as Error).message}`);
      return 2;
    }
    if (corpus.unlabelled.length > 0) io.err(`not scored (no label in labels.json): ${corpus.unlabelled.join(", ")}`);

    const log = pino({ level: io.env.LOG_LEVEL ?? "silent" }, pino.destination(2));
    const llm = analyst === "llm" ? createLlmClient(parseEnv(llmEnv, io.env), log) : null;
    const { providers, assetRules } = enrichmentSetup(io.env);
    const deps = {
      llm, log, policy: loadPolicy(io.env.POLICY_FILE || undefined), enrichment: { providers, assetRules },
      internalRanges: parseEnv({ INTERNAL_RANGES: CidrList }, io.env).INTERNAL_RANGES,
    };
    const entries = [];
    for (const [name, label] of corpus.labels) entries.push({ alert: name, label, observed: await observe(dir, name, deps) });
    const report = scoreCorpus(entries);

    if (json) io.out(JSON.stringify({ corpus: positional[0], analyst, ...report }));
    else for (const line of renderReport(report, `secops eval ${positional[0]} (analyst: ${analyst})`)) io.out(line);
    if (minAccuracy !== null && (report.actions.rate ?? 0) < minAccuracy) {
      io.err(`action acceptable rate ${((report.actions.rate ?? 0) * 100).toFixed(1)}% is below --min-action-accuracy ${minAccuracy}`);
      return 1;
    }
    return 0;
  },
};
