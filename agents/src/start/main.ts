// `npm start` / `npm run demo`: one command brings up the whole pipeline on a laptop.
// Uses NATS_URL when a server answers there, else starts a local nats-server with its store
// in data/; provisions the stream, consumers and buckets; runs the four agents and the
// dashboard as separate processes; prints each alert's outcome as it completes.
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { randomBytes, createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { jetstream, jetstreamManager, DeliverPolicy } from "@nats-io/jetstream";
import { DecidedMessage, DlqMessage, ExecutedMessage } from "@secops/contracts";
import { agentEnv, dashboardEnv, llmEnv, parseEnv, topologyOf, ConfigError } from "../runtime/config.js";
import { connectNats, natsAnswers } from "../runtime/nats.js";
import { createLogger } from "../runtime/logger.js";
import { provisionAll } from "../runtime/provision.js";
import { publishDurably } from "../runtime/publish.js";
import { INSTALL_HELP, natsServerBinary, startLocalNats, type LocalNats } from "./local-nats.js";
import { Supervisor } from "./supervisor.js";
import { formatAwaiting, formatDlq, formatExecuted } from "./outcomes.js";
import { llmAnswers } from "../llm/probe.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const AGENTS = ["enricher", "investigator", "decider", "responder"] as const;
const say = (line: string) => process.stdout.write(`${line}\n`);

async function waitForHttp(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
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

  // 1. NATS
  let local: LocalNats | null = null;
  let natsUrl = cfg.NATS_URL;
  if (await natsAnswers(natsUrl, 1_500, cfg)) {
    say(`NATS        ${natsUrl} (answering)`);
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
    say(`NATS        ${natsUrl} (local nats-server started, store ${join(cfg.DATA_DIR, "nats")})`);
  }
  const childEnv: NodeJS.ProcessEnv = { ...env, NATS_URL: natsUrl, LOG_LEVEL: env.LOG_LEVEL ?? "info", DATA_DIR: dataDir };

  const supervisor = new Supervisor(join(dataDir, "logs"), say);
  let shuttingDown = false;
  const shutdown = async (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    say("stopping: draining agents...");
    await supervisor.stopAll();
    await nc?.close().catch(() => {});
    if (local) {
      await local.stop();
      say("local nats-server stopped");
    }
    process.exit(code);
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => void shutdown(0));

  // 2. Provision once up front, so agents and the dashboard start against a ready stream.
  const nc = await connectNats({ ...cfg, NATS_URL: natsUrl }, "secops-start", log);
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
  say(`stream      ${topo.stream} on ${topo.all} (max age ${cfg.STREAM_MAX_AGE_DAYS} days), consumers ${Object.values(topo.durables).join(", ")}`);

  const llmUp = await llmAnswers(cfg.LLM_API_URL, cfg.LLM_API_KEY);
  say(`LLM         ${cfg.LLM_API_URL} model ${cfg.LLM_MODEL_NAME} ${llmUp ? "(answering)" : "(not answering: the rules analyst decides until it does)"}`);
  const { token, where } = dashboardToken(dataDir, cfg.DASHBOARD_TOKEN);

  // 3. Agents and dashboard, each its own process.
  for (const a of AGENTS) supervisor.start({ name: a, entry: join(ROOT, "agents", "dist", a, "main.js"), env: childEnv });
  supervisor.start({ name: "dashboard", entry: join(ROOT, "dashboard", "dist", "main.js"), env: { ...childEnv, DASHBOARD_TOKEN: token } });
  const dashboardUrl = `http://${cfg.DASHBOARD_HOST === "0.0.0.0" ? "localhost" : cfg.DASHBOARD_HOST}:${cfg.DASHBOARD_PORT}`;
  const dashboardUp = await waitForHttp(`${dashboardUrl.replace("localhost", "127.0.0.1")}/api/stats`, 20_000);
  say(`dashboard   ${dashboardUrl}${dashboardUp ? "" : " (not answering yet; see data/logs/dashboard.log)"}  ${cfg.DASHBOARD_USERS ? "(write API: per-person tokens from DASHBOARD_USERS)" : `(write API token: ${where})`}`);
  say(`logs        ${join(cfg.DATA_DIR, "logs")}/`);
  say(`publish     nats pub ${topo.subjects.raw} "$(cat alert.json)"   or   npx secops publish input_alerts/`);
  say("");

  // 4. Outcomes, live.
  const outcomes = await js.consumers.get(topo.stream, { filter_subjects: topo.all, deliver_policy: DeliverPolicy.New });
  const iter = await outcomes.consume();
  let expected = 0;
  const completed = new Set<string>();
  void (async () => {
    for await (const m of iter) {
      try {
        if (m.subject === topo.subjects.executed) {
          const x = ExecutedMessage.parse(m.json());
          say(formatExecuted(x));
          completed.add(x.alertId);
        } else if (m.subject === topo.subjects.decided) {
          const d = DecidedMessage.parse(m.json());
          if (d.decision.status === "awaiting_approval") {
            say(formatAwaiting(d));
            completed.add(d.alertId);
          }
        } else if (m.subject === topo.subjects.dlq) {
          say(formatDlq(DlqMessage.parse(m.json())));
        } else continue;
      } catch (e) {
        log.warn({ err: (e as Error).message, subject: m.subject }, "unreadable message");
      }
      if (demo && expected > 0 && completed.size >= expected) {
        say(`\ndemo: ${completed.size} alert(s) completed. The dashboard keeps running; Ctrl-C stops everything.`);
        expected = 0;
      }
    }
  })();

  if (demo) {
    const dir = join(ROOT, "input_alerts");
    const samples = sampleAlerts(dir);
    let dup = 0;
    for (const s of samples) {
      const ack = await publishDurably(js, { subject: topo.subjects.raw, data: s.body, msgId: `sample:${createHash("sha256").update(s.body).digest("hex").slice(0, 32)}` });
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
