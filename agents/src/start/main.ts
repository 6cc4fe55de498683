// `npm start` / `npm run demo`: one command brings up the whole pipeline on a laptop.
// Uses NATS_URL when a server answers there, else starts a local nats-server with its store
// in data/; provisions the stream, consumers and buckets; runs the four agents and the
// dashboard as separate processes; prints each alert's outcome as it completes.
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { jetstream, jetstreamManager, DeliverPolicy } from "@nats-io/jetstream";
import { allStageDurables, DecidedMessage, DlqMessage, ExecutedMessage } from "@secops/contracts";
import type { NatsConnection } from "@nats-io/transport-node";
import { agentEnv, dashboardEnv, llmEnv, parseEnv, topologyOf, ConfigError } from "../runtime/config.js";
import { connectNats, natsAnswers } from "../runtime/nats.js";
import { createLogger } from "../runtime/logger.js";
import { provisionAll } from "../runtime/provision.js";
import { publishDurably } from "../runtime/publish.js";
import { rawMessageId } from "../shared/ids.js";
import { INSTALL_HELP, natsServerBinary, startLocalNats, type LocalNats } from "./local-nats.js";
import { findsLocalCredentials, publisherPasswordFile } from "../trust/local-credentials.js";
import { Supervisor } from "./supervisor.js";
import { formatAwaiting, formatDlq, formatExecuted } from "./outcomes.js";
import { llmAnswers } from "../llm/probe.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const AGENTS = ["enricher", "investigator", "decider", "responder", "correlator"] as const;
let stdoutGone = false;
const say = (line: string) => {
  if (!stdoutGone) process.stdout.write(`${line}\n`);
};
const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";

async function waitForHttp(url: string, timeoutMs: number, gone: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !gone()) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (r.status < 500) return true;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

function dashboardToken(dataDir: string, configured: string | undefined): { token: string; where: string } {
  if (configured) return { token: configured, where: "DASHBOARD_TOKEN" };
  const file = join(dataDir, "dashboard-token");
  if (existsSync(file)) return { token: readFileSync(file, "utf8").trim(), where: file };
  const token = randomBytes(24).toString("base64url");
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, where: file };
}

/** True when nothing listens on host:port (the dashboard's port is checked before anything starts). */
async function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", (e: NodeJS.ErrnoException) => (e.code === "EADDRINUSE" ? resolve(false) : reject(e)));
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** The next free port after `from` (up to 20 tries), else any free port the system gives. */
async function freePortAfter(host: string, from: number): Promise<number> {
  for (let p = from + 1; p <= Math.min(65535, from + 20); p++) if (await portFree(host, p)) return p;
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen({ host, port: 0 }, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A value as the shell reads it back unchanged. */
function shellWord(v: string): string {
  return /^[A-Za-z0-9_./:,@%+=-]+$/.test(v) ? v : `'${v.replace(/'/g, "'\\''")}'`;
}

/** The sample alerts as raw bytes, one per file (a file may hold an array). */
function sampleAlerts(dir: string): { name: string; body: string }[] {
  const out: { name: string; body: string }[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".json")).sort()) {
    const parsed = JSON.parse(readFileSync(join(dir, f), "utf8")) as unknown;
    const items = Array.isArray(parsed) ? parsed : [parsed];
    items.forEach((item, i) => out.push({ name: items.length > 1 ? `${f}[${i}]` : f, body: JSON.stringify(item) }));
  }
  return out;
}

async function main(): Promise<number> {
  const demo = process.argv.includes("--demo");
  const runCommand = demo ? "npm run demo" : "npm start";
  const env = process.env;
  let cfg;
  try {
    // One parse of everything, so a person sees every bad variable at once.
    cfg = parseEnv({ ...agentEnv, ...dashboardEnv, ...llmEnv }, env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const dataDir = resolve(cfg.DATA_DIR);
  mkdirSync(join(dataDir, "logs"), { recursive: true });
  const log = createLogger("start", env.LOG_LEVEL ?? "warn");
  // Paths as the person at the terminal can use them: npm runs scripts from the package root,
  // and INIT_CWD is where they typed the command.
  const userCwd = env.INIT_CWD || process.cwd();
  const shown = (p: string) => {
    const r = relative(userCwd, p);
    return r === "" ? "." : r.startsWith("..") || isAbsolute(r) ? p : r;
  };

  // 0. The dashboard's port, before anything starts: a busy one is either moved (when nobody
  // chose it) or the one line that says how to choose another. Never headless by accident.
  const urlFile = join(dataDir, "dashboard-url");
  rmSync(urlFile, { force: true });
  const dashHost = cfg.DASHBOARD_HOST;
  const chosen = (env.DASHBOARD_PORT ?? "").trim() !== "" && cfg.DASHBOARD_PORT !== 0;
  let dashPort = cfg.DASHBOARD_PORT;
  let portNote = "";
  let free: boolean;
  try {
    free = dashPort !== 0 && (await portFree(dashHost, dashPort));
  } catch (e) {
    process.stderr.write(`dashboard: cannot listen on ${dashHost} port ${dashPort} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); set DASHBOARD_HOST to an address of this machine and DASHBOARD_PORT to a port above 1023, e.g. DASHBOARD_HOST=127.0.0.1 DASHBOARD_PORT=8080 ${runCommand}\n`);
    return 1;
  }
  if (!free) {
    const other = await freePortAfter(dashHost, dashPort || 8080);
    if (chosen) {
      process.stderr.write(`dashboard: port ${dashPort} on ${dashHost} is in use (DASHBOARD_PORT=${dashPort}); choose another port, e.g. DASHBOARD_PORT=${other} ${runCommand}\n`);
      return 1;
    }
    portNote = dashPort === 0 ? " (DASHBOARD_PORT=0: a free port)" : ` (port ${dashPort} is in use; set DASHBOARD_PORT to choose)`;
    dashPort = other;
  }

  // 1. NATS
  let local: LocalNats | null = null;
  let natsUrl = cfg.NATS_URL;
  let natsLine: string;
  if (await natsAnswers(natsUrl, 1_500, cfg)) {
    natsLine = `NATS        ${natsUrl} (answering)`;
  } else {
    const bin = natsServerBinary(env);
    if (!bin) {
      process.stderr.write(`${INSTALL_HELP}\n`);
      return 1;
    }
    let port = 4222;
    try {
      const u = new URL(natsUrl.split(",")[0]!.replace(/^nats:/, "http:"));
      if (u.port) port = Number(u.port);
    } catch { /* keep 4222 */ }
    local = await startLocalNats(bin, dataDir, port);
    natsUrl = local.url;
    natsLine = `NATS        ${natsUrl} (local nats-server started${natsUrl.endsWith(`:${port}`) ? "" : `; port ${port} was taken`}, store ${shown(join(dataDir, "nats"))})`;
  }
  const childEnv: NodeJS.ProcessEnv = { ...env, NATS_URL: natsUrl, LOG_LEVEL: env.LOG_LEVEL ?? "info", DATA_DIR: dataDir, DASHBOARD_PORT: String(dashPort) };
  // What a pasted command needs to reach this pipeline, when it differs from the defaults.
  const cliEnv = [
    natsUrl !== DEFAULT_NATS_URL ? `NATS_URL=${shellWord(natsUrl)}` : "",
    env.SECOPS_NAMESPACE ? `SECOPS_NAMESPACE=${shellWord(env.SECOPS_NAMESPACE)}` : "",
    childEnv.NATS_CREDS ? `NATS_CREDS=${shellWord(shown(resolve(childEnv.NATS_CREDS)))}` : "",
    // The local server's generated users are in DATA_DIR (agents/src/trust/local-credentials.ts).
    local && !findsLocalCredentials(dataDir) ? `DATA_DIR=${shellWord(shown(dataDir))}` : "",
  ].filter(Boolean).join(" ");
  const secops = `${cliEnv ? `${cliEnv} ` : ""}npx secops`;

  let nc: NatsConnection | null = null;
  let stopOutcomes = () => {};
  let shuttingDown = false;
  const shutdown = async (code: number, why = "stopping: draining agents...") => {
    if (shuttingDown) return;
    shuttingDown = true;
    const started = Date.now();
    say(why);
    // Agents let in-flight work finish for SHUTDOWN_TIMEOUT_SECONDS; nothing waits longer than that and a margin.
    setTimeout(() => { say("stopping took too long; killing what is left"); process.exit(code || 1); }, (cfg.SHUTDOWN_TIMEOUT_SECONDS + 15) * 1000).unref();
    await supervisor.stopAll((cfg.SHUTDOWN_TIMEOUT_SECONDS + 5) * 1000);
    stopOutcomes();
    await nc?.close().catch(() => {});
    rmSync(urlFile, { force: true });
    if (local) {
      await local.stop();
      say("local nats-server stopped");
    }
    say(`stopped in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    process.exit(code);
  };
  const supervisor = new Supervisor(join(dataDir, "logs"), say, (name, why) => {
    void shutdown(1, `${name} cannot run (${why}); stopping everything: the pipeline does not run without it. See ${shown(join(dataDir, "logs", `${name}.log`))}`);
  });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(sig, () => void shutdown(0));
  // `npm start` may die without passing the signal on (npm exits on SIGTERM and its shell does
  // not forward it): a launcher whose parent is gone stops too, instead of running on orphaned.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown(0, "stopping: the process that started the pipeline is gone");
  }, 250).unref();
  process.stdout.on("error", () => {
    stdoutGone = true;
    void shutdown(0);
  });

  // 2. Provision once up front, so agents and the dashboard start against a ready stream.
  say(natsLine);
  nc = await connectNats({ ...cfg, NATS_URL: natsUrl }, "secops-start", log);
  const topo = topologyOf(cfg);
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  try {
    await provisionAll(nc, jsm, topo, cfg);
  } catch (e) {
    process.stderr.write(`provisioning failed: ${(e as Error).message}\n`);
    await shutdown(1);
    return 1;
  }
  say(`stream      ${topo.stream} on ${topo.all} (max age ${cfg.STREAM_MAX_AGE_DAYS} days), consumers ${allStageDurables(topo).join(", ")}`);

  const llmUp = await llmAnswers(cfg.LLM_API_URL, cfg.LLM_API_KEY);
  say(`LLM         ${cfg.LLM_API_URL} model ${cfg.LLM_MODEL_NAME} ${llmUp ? "(answering)" : "(not answering: the rules analyst decides until it does)"}`);
  const { token, where } = dashboardToken(dataDir, cfg.DASHBOARD_TOKEN);

  // 3. Agents and dashboard, each its own process.
  for (const a of AGENTS) supervisor.start({ name: a, entry: join(ROOT, "agents", "dist", a, "main.js"), env: childEnv });
  supervisor.start({ name: "dashboard", entry: join(ROOT, "dashboard", "dist", "main.js"), env: { ...childEnv, DASHBOARD_TOKEN: token } });
  const dashboardUrl = `http://${dashHost === "0.0.0.0" ? "localhost" : dashHost.includes(":") ? `[${dashHost}]` : dashHost}:${dashPort}`;
  const dashboardUp = await waitForHttp(`${dashboardUrl.replace("localhost", "127.0.0.1")}/api/stats`, 60_000, () => shuttingDown);
  if (shuttingDown) return new Promise<number>(() => {}); // the dashboard could not run: shutdown says why and exits
  if (!dashboardUp) {
    await shutdown(1, `dashboard did not answer at ${dashboardUrl} within 60 s; stopping everything. See ${shown(join(dataDir, "logs", "dashboard.log"))}`);
    return 1;
  }
  writeFileSync(urlFile, `${dashboardUrl}\n`);
  say(`dashboard   ${dashboardUrl}${portNote}  ${cfg.DASHBOARD_USERS ? "(write API: per-person tokens from DASHBOARD_USERS)" : `(write API token: ${where === "DASHBOARD_TOKEN" ? where : shown(where)})`}`);
  say(`logs        ${shown(join(dataDir, "logs"))}/`);
  const sample = shown(join(ROOT, "input_alerts", "sample_alert1.json"));
  const natsFlags = `${natsUrl !== DEFAULT_NATS_URL ? ` -s ${shellWord(natsUrl.split(",")[0]!)}` : ""}${childEnv.NATS_CREDS ? ` --creds ${shellWord(shown(resolve(childEnv.NATS_CREDS)))}` : ""}${local ? ` --user publisher --password "$(cat ${shellWord(shown(publisherPasswordFile(dataDir)))})"` : ""}`;
  say(`publish     nats${natsFlags} pub --no-templates ${topo.subjects.raw} "$(cat ${shellWord(sample)})"`);
  say(`       or   ${secops} publish ${shellWord(shown(join(ROOT, "input_alerts")))}/`);
  say("");

  // 4. Outcomes, live.
  const outcomes = await js.consumers.get(topo.stream, { filter_subjects: topo.all, deliver_policy: DeliverPolicy.New });
  const iter = await outcomes.consume();
  stopOutcomes = () => iter.stop();
  let expected = 0;
  const completed = new Set<string>();
  // What the demo's closing hints can point at: the ids it printed.
  const shownIds = new Map<string, string>(); // printed id -> alert id
  let undoable: string | null = null;
  const idShown = (sourceId: string | null | undefined, alertId: string) => {
    // The vendor's id when it is one a person can type (and the only alert with it so far), else al-….
    const typable = sourceId && /^[A-Za-z0-9._:@/+=-]{1,64}$/.test(sourceId) ? sourceId : null;
    const id = typable && (!shownIds.has(typable) || shownIds.get(typable) === alertId) ? typable : alertId;
    shownIds.set(id, alertId);
    return id;
  };
  void (async () => {
    for await (const m of iter) {
      try {
        if (m.subject === topo.subjects.executed) {
          const x = ExecutedMessage.parse(m.json());
          const id = idShown(x.alert.sourceId, x.alertId);
          say(formatExecuted(x, id));
          if (x.execution.status === "success" && x.execution.undo && x.execution.action === "BLOCK_IP") undoable ??= id;
          completed.add(x.alertId);
        } else if (m.subject === topo.subjects.decided) {
          const d = DecidedMessage.parse(m.json());
          if (d.decision.status === "awaiting_approval") {
            say(formatAwaiting(d, idShown(d.alert.sourceId, d.alertId), secops));
            completed.add(d.alertId);
          }
        } else if (m.subject === topo.subjects.dlq) {
          say(formatDlq(DlqMessage.parse(m.json())));
        } else continue;
      } catch (e) {
        log.warn({ err: (e as Error).message, subject: m.subject }, "unreadable message");
      }
      if (demo && expected > 0 && completed.size >= expected) {
        say(`\ndemo: ${completed.size} alert(s) completed. The agents and the dashboard at ${dashboardUrl} keep running; Ctrl-C stops everything.`);
        const first = [...shownIds.keys()][0];
        if (first) say(`      its whole record:   ${secops} audit ${shellWord(first)}`);
        if (undoable) say(`      undo its action:    ${secops} undo ${shellWord(undoable)}`);
        expected = 0;
      }
    }
  })();

  if (demo) {
    const dir = join(ROOT, "input_alerts");
    const samples = sampleAlerts(dir);
    let dup = 0;
    for (const s of samples) {
      const ack = await publishDurably(js, { subject: topo.subjects.raw, data: s.body, msgId: rawMessageId(s.body) });
      if (ack.duplicate) dup++;
    }
    expected = samples.length - dup;
    say(`demo: published ${samples.length} sample alert(s) from input_alerts/ to ${topo.subjects.raw}${dup ? ` (${dup} already published within the duplicate window: not processed again)` : ""}`);
    say("");
  }
  return new Promise<number>(() => {}); // runs until a signal
}

main().then((code) => process.exit(code), (e: Error) => {
  process.stderr.write(`secops: ${e.message}\n`);
  process.exit(1);
});
