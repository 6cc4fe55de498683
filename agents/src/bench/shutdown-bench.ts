// `npm run bench -- --shutdown [--runs N] [--busy-timeout-s S] [--json]`: how
// long `npm start`'s launcher takes to stop. Each run starts the built launcher with a private
// nats-server (random ports, temporary data folder), waits for its banner, sends SIGTERM, and
// times the exit; it also reads each agent's "draining"/"stopped" log lines to show where the
// time goes. Idle runs have the LLM unreachable and nothing in flight. Busy runs point the LLM at
// an HTTP server that takes requests and never answers (a model stuck loading), publish one
// alert, and stop while the investigator waits on it: the stop is bounded by
// SHUTDOWN_TIMEOUT_SECONDS (the alert stays unacknowledged and is redelivered later). Nothing is
// asserted: figures depend on the machine and its load.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import { connect } from "@nats-io/transport-node";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseFlags } from "../cli/input.js";

const START = fileURLToPath(new URL("../start/main.js", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
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

/** An LLM server that accepts every request and never answers; resolves `asked` on the first chat request. */
async function stuckLlm(): Promise<{ url: string; asked: Promise<void>; close(): void }> {
  let onAsked = () => {};
  const asked = new Promise<void>((r) => (onAsked = r));
  const held: IncomingMessage[] = [];
  const server = createHttpServer((req) => {
    held.push(req);
    if (req.url?.includes("/chat/completions")) onAsked();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/v1`, asked, close: () => { server.closeAllConnections(); server.close(); } };
}

async function once(busyTimeoutS: number | null): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), "secops-shutdown-"));
  const llm = busyTimeoutS !== null ? await stuckLlm() : null;
  const natsUrl = `nats://127.0.0.1:${await freePort()}`;
  try {
    const child = spawn(process.execPath, [START], {
      env: {
        PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dir, NATS_URL: natsUrl, DASHBOARD_PORT: String(await freePort()), NO_COLOR: "1",
        LLM_API_URL: llm?.url ?? "http://127.0.0.1:9/v1",
        ...(busyTimeoutS !== null ? { SHUTDOWN_TIMEOUT_SECONDS: String(busyTimeoutS), LLM_TIMEOUT_SECONDS: "600", LLM_MAX_RETRIES: "0" } : {}),
      },
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
    if (llm) {
      const nc = await connect({ servers: natsUrl });
      nc.publish("alerts.raw", readFileSync(join(REPO_ROOT, "input_alerts", "sample_alert1.json")));
      await nc.flush();
      await nc.close();
      await Promise.race([llm.asked, new Promise((_, reject) => setTimeout(() => reject(new Error("the investigator never asked the LLM")), 60_000))]);
    } else {
      await new Promise((r) => setTimeout(r, 1_000)); // idle: the banner is out, nothing in flight
    }
    const t0 = process.hrtime.bigint();
    child.kill("SIGTERM");
    const code = await exited;
    const exitMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const drainMs = Object.fromEntries(SERVICES.map((a) => [a, drainOf(join(dir, "logs", `${a}.log`), a)]));
    return { exitMs, code, drainMs };
  } finally {
    llm?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const SHUTDOWN_USAGE = "usage: npm run bench -- --shutdown [--runs N (1-50, default 3)] [--busy-timeout-s S (1-120, default 5)] [--json]";

export async function shutdownBench(argv: readonly string[]): Promise<number> {
  const json = argv.includes("--json");
  const { flags, unknown, positional } = parseFlags(argv.filter((a) => a !== "--json" && a !== "--shutdown"), ["runs", "busy-timeout-s"]);
  const runs = Number(flags.runs ?? 3);
  const busyTimeoutS = Number(flags["busy-timeout-s"] ?? 5);
  if (unknown.length > 0 || positional.length > 0 || !Number.isInteger(runs) || runs < 1 || runs > 50 || !Number.isInteger(busyTimeoutS) || busyTimeoutS < 1 || busyTimeoutS > 120) {
    process.stderr.write(`${SHUTDOWN_USAGE}\n`);
    return 2;
  }
  const idle: Run[] = [];
  const busy: Run[] = [];
  for (let i = 0; i < runs; i++) idle.push(await once(null));
  for (let i = 0; i < runs; i++) busy.push(await once(busyTimeoutS));
  if (json) {
    process.stdout.write(`${JSON.stringify({ idle, busy, busyTimeoutS })}\n`);
    return 0;
  }
  const show = (r: Run) => `  ${(r.exitMs / 1000).toFixed(2)} s, exit ${r.code}; agent drains (ms): ${SERVICES.map((a) => `${a} ${r.drainMs[a] ?? "?"}`).join(", ")}\n`;
  process.stdout.write(`idle shutdown of the launcher (SIGTERM to exit, nothing in flight), ${runs} run(s):\n`);
  for (const r of idle) process.stdout.write(show(r));
  process.stdout.write(`busy shutdown (the investigator waits on an LLM that never answers; SHUTDOWN_TIMEOUT_SECONDS=${busyTimeoutS}), ${runs} run(s):\n`);
  for (const r of busy) process.stdout.write(show(r));
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  shutdownBench(process.argv.slice(2)).then((c) => process.exit(c), (e: Error) => {
    process.stderr.write(`shutdown bench: ${e.message}\n`);
    process.exit(1);
  });
}
