// `npm run bench`: speed and memory figures of the normalizer, the offline analysis, the prompt
// and the whole pipeline on this machine, printed (never asserted: timings belong to a machine,
// not to a test). Exit codes: 0 done, 1 a pipeline phase ran out of time or failed, 2 bad options.
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseFlags } from "../cli/input.js";
import { renderReport } from "./report.js";
import { runBench, type BenchOptions } from "./run.js";
import { parseReplicas, type Replicas } from "./deployment.js";

export const USAGE = `usage: npm run bench -- [--alerts N] [--llm-alerts N] [--replicas stage=N,...] [--steady-rate R] [--steady-s S] [--no-in-process] [--cpu-prof DIR] [--llm-delay-ms MS] [--timeout-s S] [--offline-ms MS] [--json]
  --alerts N         alerts per rules-analyst burst, and messages through the relay (default 2000, at most 100000)
  --llm-alerts N     alerts through the pipeline with the fake LLM (default the smaller of --alerts and 500)
  --replicas SPEC    processes per stage, e.g. investigator=3 or investigator=2,enricher=2 (default 1 each, at most 8)
  --steady-rate R    alerts per second of the steady phase after the burst (default 100)
  --steady-s S       seconds of the steady phase; 0 skips it (default 10)
  --no-in-process    skip the burst with the four agents in the bench's own process
  --cpu-prof DIR     each agent process of the rules-analyst phase writes a CPU profile (node --cpu-prof) into DIR
  --llm-delay-ms MS  how long the fake LLM takes to answer (default 200)
  --timeout-s S      cap per pipeline phase; what completed by then is reported, exit code 1 (default 120)
  --offline-ms MS    time spent repeating each offline measurement (default 300)
  --json             print the report as JSON instead of tables
  LLM_CONCURRENCY and AGENT_CONCURRENCY from the environment override the agents' defaults.
  After the report (not with --json): a critical alert behind 5,000 lows (1 s fake LLM), and a 50%-duplicate burst.
npm run bench -- --shutdown [--runs N] [--busy-timeout-s S] [--json]
  instead: how long npm start's launcher takes from SIGTERM to exit, idle and with work in flight`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

function wholeNumber(flag: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${flag} ${JSON.stringify(value)}: expected a whole number from ${min} to ${max}`);
  }
  return n;
}

export function parseBenchArgs(argv: readonly string[], env: NodeJS.ProcessEnv): { options: BenchOptions; json: boolean } {
  const json = argv.includes("--json");
  const skipInProcess = argv.includes("--no-in-process");
  const { flags, positional, unknown } = parseFlags(argv.filter((a) => a !== "--json" && a !== "--no-in-process"), ["alerts", "llm-alerts", "replicas", "steady-rate", "steady-s", "cpu-prof", "llm-delay-ms", "timeout-s", "offline-ms"]);
  if (unknown.length > 0) throw new UsageError(`unknown or incomplete option: ${unknown.join(" ")}`);
  if (positional.length > 0) throw new UsageError(`unexpected argument: ${positional.join(" ")}`);
  const concurrency = (name: "LLM_CONCURRENCY" | "AGENT_CONCURRENCY") => (env[name] ? { [name]: env[name] } : {});
  let replicas: Replicas;
  try {
    replicas = parseReplicas(flags.replicas);
  } catch (e) {
    throw new UsageError(`--replicas ${JSON.stringify(flags.replicas)}: ${(e as Error).message}`);
  }
  if (flags["cpu-prof"] !== undefined && flags["cpu-prof"].trim() === "") throw new UsageError("--cpu-prof: expected a folder for the profiles");
  const alerts = wholeNumber("alerts", flags.alerts, 2000, 1, 100_000);
  return {
    json,
    options: {
      alerts,
      llmAlerts: wholeNumber("llm-alerts", flags["llm-alerts"], Math.min(alerts, 500), 1, 100_000),
      replicas,
      steady: { ratePerSecond: wholeNumber("steady-rate", flags["steady-rate"], 100, 1, 10_000), seconds: wholeNumber("steady-s", flags["steady-s"], 10, 0, 3_600) },
      skipInProcess,
      ...(flags["cpu-prof"] ? { cpuProfDir: resolve(flags["cpu-prof"]) } : {}),
      llmDelayMs: wholeNumber("llm-delay-ms", flags["llm-delay-ms"], 200, 0, 60_000),
      phaseTimeoutMs: wholeNumber("timeout-s", flags["timeout-s"], 120, 1, 3_600) * 1000,
      offline: { budgetMs: wholeNumber("offline-ms", flags["offline-ms"], 300, 1, 60_000), minRounds: 1 },
      env: { ...concurrency("LLM_CONCURRENCY"), ...concurrency("AGENT_CONCURRENCY") },
    },
  };
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) { process.stdout.write(`${USAGE}\n`); return 0; }
  if (argv.includes("--shutdown")) return (await import("./shutdown-bench.js")).shutdownBench(argv);
  let parsed: ReturnType<typeof parseBenchArgs>;
  try {
    parsed = parseBenchArgs(argv, env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`bench: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.options.cpuProfDir) mkdirSync(parsed.options.cpuProfDir, { recursive: true });
  try {
    const report = await runBench({ ...parsed.options, onProgress: (what) => process.stderr.write(`bench: ${what}...\n`) });
    process.stdout.write(parsed.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderReport(report)}\n`);
    if (!parsed.json) await (await import("./priority-bench.js")).printPriorityBench({ onProgress: (what) => process.stderr.write(`bench: ${what}...\n`) });
    if (!parsed.json) await (await import("./duplicates-bench.js")).printDuplicatesBench({ alerts: parsed.options.alerts, llmLatencyMs: parsed.options.llmDelayMs, onProgress: (what) => process.stderr.write(`bench: ${what}...\n`) });
    return report.ok ? 0 : 1;
  } catch (e) {
    process.stderr.write(`bench failed: ${(e as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2), process.env);
  // Bounded even if a library leaves a handle open; unref'd so a clean exit is not delayed.
  setTimeout(() => process.exit(), 5_000).unref();
}
