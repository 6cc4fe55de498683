// `secops replay`: re-runs a window of history from stream ALERTS through the current stages with
// another policy, analyst or model, and prints the decision diff. Nothing is executed: the replay
// responder runs in a replay namespace, where it does everything in shadow mode (shared/replay-namespace.ts).
import { jetstream } from "@nats-io/jetstream";
import { pino } from "pino";
import type { CliCommand } from "../command.js";
import { parseFlags } from "../../shared/flags.js";
import { IdError, alertIdsFor, type IdContext } from "../ids.js";
import { llmEnv, natsEnv, parseEnv, topologyOf } from "../../runtime/config.js";
import { connectNats } from "../../runtime/nats.js";
import { createLlmClient } from "../../llm/client.js";
import { enrichmentSetup } from "../../enricher/enrich/setup.js";
import { loadPolicyWithText } from "../../state/policy-versions.js";
import { readHistory, type Selection } from "../../replay/history.js";
import { FROM_STAGES, replayAlerts, type FromStage } from "../../replay/replay.js";
import { summarize, toCsv, toTable } from "../../replay/diff.js";
import { CidrList } from "../../shared/network.js";

const BOOLEANS = ["--json", "--csv", "--fail-on-change", "--all"] as const;

export const command: CliCommand = {
  name: "replay",
  summary: "re-run past alerts through a policy, analyst or model and print which decisions would change (nothing is executed)",
  usage: `secops replay (--since <time> [--until <time>] | --alerts <id,...> | --query '<words>')
              [--policy <file>] [--from-stage investigated|enriched|raw] [--analyst rules|llm]
              [--llm-url <url> --llm-model <name>] [--json | --csv] [--all] [--fail-on-change]
  Reads the alerts from stream ALERTS (NATS_URL, SECOPS_NAMESPACE) and replays them in process; the
  replayed decisions go to a responder in a throw-away replay namespace that runs everything in
  shadow mode. Live subjects and buckets are only read.
  --since/--until  ISO 8601 times of the window (by when the enricher published each alert)
  --alerts         ids of any kind secops audit takes (vendor id, al-…, APR-…, TKT-…), comma-separated
  --query          words that must all occur in the normalized alert (case-insensitive)
  --stream         read another stream with the same subjects, e.g. the archive ALERTS_ARCHIVE
  --policy         the policy to judge with (default POLICY_FILE, else agents/policy/default.yaml)
  --from-stage     investigated (default): re-decide the recorded investigations, no LLM call;
                   enriched: investigate again (--analyst); raw: normalize again with the current normalizer
  --analyst        rules or llm (LLM_API_URL/LLM_MODEL_NAME, or --llm-url/--llm-model); default rules
  Prints a table of the changed decisions and a summary (--all lists every alert), or one JSON
  document {rows, summary} with --json, or CSV rows with --csv. Progress and ETA go to stderr.
  Exits 3 with --fail-on-change when any decision changed, 1 on failure, 2 on a usage error.
examples (strict.yaml and policy/next.yaml stand for your policy files):
  npx secops replay --since 2026-11-23T00:00:00Z --policy strict.yaml
  npx secops replay --alerts SEC-2026-0101,SEC-2026-0104 --from-stage enriched --analyst llm --llm-model qwen3:8b
  npx secops replay --query 'powershell' --policy policy/next.yaml --fail-on-change --csv`,
  async run(argv, io) {
    const bools = new Set(argv.filter((a) => (BOOLEANS as readonly string[]).includes(a)));
    const { flags, positional, unknown } = parseFlags(argv.filter((a) => !bools.has(a)), ["since", "until", "alerts", "query", "policy", "from-stage", "analyst", "llm-url", "llm-model", "stream"]);
    const usageError = (why: string) => { io.err(why); io.err(`usage: ${this.usage}`); return 2; };
    if (unknown.length > 0) return usageError(`unknown or incomplete option: ${unknown.join(" ")}`);
    if (positional.length > 0) return usageError(`unexpected argument ${positional[0]}: select alerts with --since, --alerts or --query`);
    const selectors = ["since", "alerts", "query"].filter((k) => flags[k] !== undefined);
    if (selectors.length === 0) return usageError("say which alerts to replay: --since <time>, --alerts <ids> or --query '<words>'");
    if (selectors.length > 1 && flags.since === undefined) return usageError("give one of --alerts and --query (--since may narrow either)");
    for (const k of ["since", "until"]) {
      if (flags[k] !== undefined && !Number.isFinite(Date.parse(flags[k]))) return usageError(`--${k} ${flags[k]}: expected an ISO 8601 time such as 2026-11-23T00:00:00Z`);
    }
    if (bools.has("--json") && bools.has("--csv")) return usageError("give one of --json and --csv");
    const fromStage = (flags["from-stage"] ?? "investigated") as FromStage;
    if (!FROM_STAGES.includes(fromStage)) return usageError(`--from-stage ${flags["from-stage"]}: expected ${FROM_STAGES.join(", ")}`);
    const analyst = flags.analyst ?? (flags["llm-url"] || flags["llm-model"] ? "llm" : "rules");
    if (analyst !== "rules" && analyst !== "llm") return usageError(`--analyst ${analyst}: expected rules or llm`);

    const loaded = loadPolicyWithText(flags.policy ?? (io.env.POLICY_FILE || undefined));
    const log = pino({ name: "secops-replay", level: io.env.LOG_LEVEL ?? "warn" }, pino.destination(2));
    const cfg = parseEnv(natsEnv, io.env);
    // --stream reads another stream holding the same subjects: the archive (infra/nats/archive-stream.json).
    const topo = flags.stream ? { ...topologyOf(cfg), stream: flags.stream } : topologyOf(cfg);
    // The recorded investigations are re-decided as they are: no analyst runs, so no LLM is called.
    const llm = fromStage !== "investigated" && analyst === "llm"
      ? createLlmClient(parseEnv(llmEnv, { ...io.env, ...(flags["llm-url"] ? { LLM_API_URL: flags["llm-url"] } : {}), ...(flags["llm-model"] ? { LLM_MODEL_NAME: flags["llm-model"] } : {}) }), log)
      : null;
    if (fromStage === "investigated" && (flags.analyst || flags["llm-url"])) io.err("replay: --from-stage investigated re-decides the recorded investigations; the analyst does not run (no LLM call)");
    io.err(`replay: policy ${loaded.version} (${loaded.file}), from stage ${fromStage}${fromStage === "investigated" ? "" : `, analyst ${analyst}`}, stream ${topo.stream}`);

    const nc = await connectNats(cfg, "secops-replay", log, { maxReconnectAttempts: 0 });
    try {
      const ctx: IdContext = { nc, js: jetstream(nc), topo };
      const sel: Selection = {};
      if (flags.since) sel.sinceMs = Date.parse(flags.since);
      if (flags.until) sel.untilMs = Date.parse(flags.until);
      if (flags.query) sel.query = flags.query;
      if (flags.alerts) {
        const ids = new Set<string>();
        for (const id of flags.alerts.split(",").map((s) => s.trim()).filter(Boolean)) {
          try {
            for (const a of (await alertIdsFor({ ...ctx, ...(sel.sinceMs ? { sinceMs: sel.sinceMs } : {}) }, id)).alertIds) ids.add(a);
          } catch (e) {
            if (!(e instanceof IdError)) throw e;
            io.err(`secops replay: ${e.message}`);
            return 1;
          }
        }
        sel.alertIds = ids;
      }
      const history = await readHistory(ctx, sel, { withRaw: fromStage === "raw" });
      if (history.length === 0) {
        io.err(`replay: stream ${topo.stream} holds no alert for that selection`);
        return 1;
      }
      const started = Date.now();
      let lastReport = 0;
      const { rows, namespace } = await replayAlerts(history, {
        policy: loaded.policy, fromStage, llm, log, nc, js: ctx.js,
        enrichment: enrichmentSetup(io.env),
        internalRanges: parseEnv({ INTERNAL_RANGES: CidrList }, io.env).INTERNAL_RANGES,
        onProgress(done, total) {
          const now = Date.now();
          if (done < total && now - lastReport < 1000) return;
          lastReport = now;
          const rate = done / Math.max((now - started) / 1000, 0.001);
          const eta = Math.ceil((total - done) / Math.max(rate, 0.001));
          io.err(`replay: ${done}/${total} (${Math.floor((100 * done) / total)}%), ${rate.toFixed(1)} alerts/s, ETA ${done === total ? "done" : `${eta}s`}`);
        },
      });
      io.err(`replay: shadow responder ran in namespace ${namespace} (deleted)`);
      const summary = summarize(rows);
      if (bools.has("--json")) io.out(JSON.stringify({ policy: { version: loaded.version, file: loaded.file }, fromStage, analyst: fromStage === "investigated" ? "recorded" : analyst, rows, summary }));
      else if (bools.has("--csv")) for (const l of toCsv(rows)) io.out(l);
      else for (const l of toTable(rows, summary, { all: bools.has("--all") })) io.out(l);
      if (summary.failed > 0) io.err(`replay: ${summary.failed} alert(s) could not be replayed; see the error column`);
      return bools.has("--fail-on-change") && summary.changed > 0 ? 3 : 0;
    } finally {
      await nc.close();
    }
  },
};
