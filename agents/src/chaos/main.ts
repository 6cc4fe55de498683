// `npm run chaos`: the reliability suite. Each scenario runs real nats-server processes on
// loopback and the agents as processes, injects its fault while N alerts flow, and prints what
// was lost, done twice, recorded failed although applied, and left stuck, read back from the
// stream and the buckets. Exit codes: 0 every scenario clean, 1 any loss, double effect, failure
// or stuck consumer, 2 bad options.
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { natsServerBinary, INSTALL_HELP } from "../start/local-nats.js";
import { runScenario, runningCleanups, SCENARIOS, type ScenarioName, type ScenarioReport } from "./run.js";

export const USAGE = `usage: npm run chaos -- [--alerts N] [--scenarios a,b,...] [--stall-s S] [--json]
  --alerts N       alerts per scenario (default 5000)
  --scenarios      comma-separated, default all: ${Object.keys(SCENARIOS).join(", ")}
  --stall-s S      give up a drain when nothing moved for S seconds (default 180)
  --json           print the reports as JSON
Every scenario starts its own nats-server processes on 127.0.0.1 (nats-server on PATH or NATS_SERVER_BIN).`;

function table(reports: ScenarioReport[]): string {
  const rows = reports.map((r) => [
    r.scenario, String(r.alerts), String(r.lost), String(r.doubleEffects), String(r.failedButApplied), String(r.failed),
    String(r.stuckConsumers.length), r.recoveryS.length ? r.recoveryS.join("/") : "-", r.newLeaderS === null ? "-" : String(r.newLeaderS),
    String(r.drainS), r.llmCallsPerAlert === null ? "-" : String(r.llmCallsPerAlert), r.ok ? "ok" : "FAIL",
  ]);
  const head = ["scenario", "alerts", "lost", "double", "failed+applied", "failed", "stuck", "recovery s", "new leader s", "drain s", "LLM calls/alert", ""];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  const details = reports.filter((r) => !r.ok).map((r) => [
    `${r.scenario}: ${r.description}`,
    r.lostIds.length ? `  lost: ${r.lostIds.join(", ")}` : "",
    r.doubleDetails.length ? `  double: ${r.doubleDetails.join("; ")}` : "",
    Object.keys(r.failedReasons).length ? `  failed: ${Object.entries(r.failedReasons).map(([k, n]) => `${n}× ${k}`).join("; ")}` : "",
    r.stuckConsumers.length ? `  stuck: ${r.stuckConsumers.join("; ")}` : "",
    r.error ? `  ${r.error}` : "",
    r.drained || r.error ? "" : "  the drain did not finish",
    r.agentCrashes.length ? `  agents that crashed by themselves: ${r.agentCrashes.join(", ")}` : "",
    r.logs ? `  logs: ${r.logs}` : "",
  ].filter(Boolean).join("\n"));
  return [line(head), ...rows.map(line), ...details].join("\n");
}

function failedToRun(n: ScenarioName, alerts: number, error: string): ScenarioReport {
  return {
    scenario: n, description: SCENARIOS[n], alerts, published: 0, accountedFor: 0, lost: 0, lostIds: [], executed: 0, awaitingApproval: 0,
    deadLettered: 0, doubleEffects: 0, doubleDetails: [], failed: 0, failedReasons: {}, failedButApplied: 0, stuckConsumers: [], outcomes: {},
    drainS: 0, drained: false, recoveryS: [], newLeaderS: null, llmCallsPerAlert: null, agentCrashes: [], logs: null, ok: false, error: `could not run: ${error}`,
  };
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let values: { alerts?: string; scenarios?: string; "stall-s"?: string; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { alerts: { type: "string" }, scenarios: { type: "string" }, "stall-s": { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } }, strict: true }));
  } catch (e) {
    process.stderr.write(`chaos: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) { process.stdout.write(`${USAGE}\n`); return 0; }
  const alerts = Number(values.alerts ?? 5000);
  const stallS = Number(values["stall-s"] ?? 180);
  if (!Number.isInteger(alerts) || alerts < 1 || alerts > 100_000) { process.stderr.write(`chaos: --alerts ${values.alerts}: expected a whole number from 1 to 100000\n`); return 2; }
  if (!Number.isFinite(stallS) || stallS <= 0) { process.stderr.write(`chaos: --stall-s ${values["stall-s"]}: expected a number of seconds above 0\n`); return 2; }
  const names = (values.scenarios ?? Object.keys(SCENARIOS).join(",")).split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(n in SCENARIOS));
  if (unknown.length) { process.stderr.write(`chaos: unknown scenario ${unknown.join(", ")}; expected: ${Object.keys(SCENARIOS).join(", ")}\n`); return 2; }
  const bin = natsServerBinary(env);
  if (!bin) { process.stderr.write(`${INSTALL_HELP}\n`); return 2; }
  const reports: ScenarioReport[] = [];
  for (const n of names as ScenarioName[]) {
    process.stderr.write(`chaos: ${n} (${SCENARIOS[n]}), ${alerts} alerts...\n`);
    let r: ScenarioReport;
    try {
      r = await runScenario(n, { alerts, stallS, drainTimeoutS: Math.max(600, alerts / 5), natsServerBin: bin, say: (s) => process.stderr.write(`chaos:   ${s}\n`) });
    } catch (e) {
      // A scenario that could not run is a failure to report, not the end of the suite.
      r = failedToRun(n, alerts, (e as Error).message);
    }
    reports.push(r);
    // Each result as it comes, so a long suite shows its figures as it goes.
    process.stderr.write(`chaos:   ${r.ok ? "ok" : "FAIL"}: lost ${r.lost}, double ${r.doubleEffects}, failed ${r.failed} (applied ${r.failedButApplied}), stuck ${r.stuckConsumers.length}, drain ${r.drainS} s${r.error ? `, ${r.error}` : ""}\n`);
  }
  process.stdout.write(values.json ? `${JSON.stringify(reports, null, 2)}\n` : `${table(reports)}\n`);
  return reports.every((r) => r.ok) ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // Ctrl-C or a kill must not leave nats-server and agent processes behind.
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      process.stderr.write(`chaos: ${sig}: stopping the scenario's servers and agents\n`);
      void Promise.allSettled([...runningCleanups].map((c) => c())).then(() => process.exit(130));
    });
  }
  process.exitCode = await main(process.argv.slice(2), process.env);
  setTimeout(() => process.exit(), 5_000).unref();
}
