// `node agents/dist/bench/shutdown-bench.js [--runs N] [--json]`: how long `npm start`'s launcher
// takes to stop. Each run starts the built launcher with a private nats-server (random ports,
// temporary data folder, LLM unreachable), waits for its banner, sends SIGTERM with no work in
// flight, and times the exit; it also reads each agent's "draining"/"stopped" log lines to show
// where the time goes. Nothing is asserted: figures depend on the machine and its load.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseFlags } from "../cli/input.js";

const START = fileURLToPath(new URL("../start/main.js", import.meta.url));
const SERVICES = ["enricher", "investigator", "decider", "responder"] as const;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

interface Run { exitMs: number; code: number | null; drainMs: Record<string, number | null> }

/** Milliseconds from the first "<agent> draining" to "<agent> stopped" in its log, if both are there. */
function drainOf(logFile: string, agent: string): number | null {
  let from: number | null = null;
  let to: number | null = null;
  for (const line of readFileSync(logFile, "utf8").split("\n")) {
    try {
      const j = JSON.parse(line) as { time?: string | number; msg?: string };
      const t = typeof j.time === "number" ? j.time : Date.parse(String(j.time));
      if (j.msg === `${agent} draining`) from = t;
      if (j.msg === `${agent} stopped`) to = t;
    } catch { /* not a log line */ }
  }
  return from !== null && to !== null ? to - from : null;
}

async function once(): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), "secops-shutdown-"));
  try {
    const child = spawn(process.execPath, [START], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dir, NATS_URL: `nats://127.0.0.1:${await freePort()}`, DASHBOARD_PORT: String(await freePort()), LLM_API_URL: "http://127.0.0.1:9/v1", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", () => {});
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const deadline = Date.now() + 90_000;
    while (!/^ +or +.*secops publish/m.test(out)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the launcher did not come up:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1_000)); // idle: the banner is out, nothing in flight
    const t0 = process.hrtime.bigint();
    child.kill("SIGTERM");
    const code = await exited;
    const exitMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const drainMs = Object.fromEntries(SERVICES.map((a) => [a, drainOf(join(dir, "logs", `${a}.log`), a)]));
    return { exitMs, code, drainMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const { flags, unknown } = parseFlags(process.argv.slice(2), ["runs", "json"]);
  const runs = Number(flags.runs ?? 3);
  if (unknown.length > 0 || !Number.isInteger(runs) || runs < 1 || runs > 50) {
    process.stderr.write("usage: node agents/dist/bench/shutdown-bench.js [--runs N (1-50, default 3)] [--json true]\n");
    return 2;
  }
  const results: Run[] = [];
  for (let i = 0; i < runs; i++) results.push(await once());
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(results)}\n`);
    return 0;
  }
  process.stdout.write(`idle shutdown of the launcher (SIGTERM to exit), ${runs} run(s):\n`);
  for (const r of results) {
    process.stdout.write(`  ${(r.exitMs / 1000).toFixed(2)} s, exit ${r.code}; agent drains (ms): ${SERVICES.map((a) => `${a} ${r.drainMs[a] ?? "?"}`).join(", ")}\n`);
  }
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then((c) => process.exit(c), (e: Error) => {
    process.stderr.write(`shutdown bench: ${e.message}\n`);
    process.exit(1);
  });
}
