// infra/nats/accounts.conf as shipped: each agent runs under its own least-privilege user and
// the pipeline still works end to end; a user cannot publish where its role does not allow.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { pino } from "pino";
import { ExecutedMessage, DEFAULT_TOPOLOGY as topo } from "@secops/contracts";
import { startAgent, type RunningAgent } from "../../src/runtime/agent.js";
import { PIPELINE_STAGES } from "../../src/stages.js";
import { Collector } from "./pipeline-harness.js";
import { loadSamples } from "./samples.js";

const CONF = fileURLToPath(new URL("../../../infra/nats/accounts.conf", import.meta.url));
let dir: string;
let server: ChildProcess;
let url: string;
const agents: RunningAgent[] = [];
let watcher: NatsConnection;
let seen: Collector;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "accounts-"));
  // The shipped file, with only its port and store moved so the test owns both.
  const conf = readFileSync(CONF, "utf8").replace(/listen: 127\.0\.0\.1:4222/, "listen: 127.0.0.1:-1").replace(/store_dir: "\.\/data\/nats"/, `store_dir: "${join(dir, "js")}"`);
  expect(conf).not.toBe(readFileSync(CONF, "utf8"));
  writeFileSync(join(dir, "accounts.conf"), conf);
  server = spawn(process.env.NATS_SERVER_BIN ?? "nats-server", ["-c", join(dir, "accounts.conf"), "--ports_file_dir", dir], { stdio: "ignore" });
  const deadline = Date.now() + 10_000;
  while (!url && Date.now() < deadline) {
    const f = readdirSync(dir).find((n) => n.endsWith(".ports"));
    if (f) try { url = (JSON.parse(readFileSync(join(dir, f), "utf8")) as { nats: string[] }).nats[0]!; } catch { /* partial */ }
    if (!url) await new Promise((r) => setTimeout(r, 50));
  }
  const log = pino({ level: "silent" });
  const as = (user: string) => ({ NATS_URL: url, NATS_USER: user, NATS_PASSWORD: `change-me-${user}`, LLM_API_URL: "http://127.0.0.1:1/v1", LLM_MAX_RETRIES: "0", LOG_LEVEL: "silent" });
  for (const stage of PIPELINE_STAGES) agents.push(await startAgent({ stage, env: as(stage.name), log }));
  watcher = await connect({ servers: url, user: "dashboard", pass: "change-me-dashboard" });
  seen = await Collector.start(watcher, topo);
}, 60_000);

afterAll(async () => {
  seen?.stop();
  await Promise.all(agents.map((a) => a.stop()));
  await watcher?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once("exit", r));
    server.kill("SIGTERM");
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("infra/nats/accounts.conf", () => {
  it("runs the pipeline with one least-privilege user per agent", async () => {
    const publisher = await connect({ servers: url, user: "publisher", pass: "change-me-publisher" });
    const samples = loadSamples();
    for (const s of samples) publisher.publish(topo.subjects.raw, s.body);
    await publisher.flush();
    await seen.waitFor(() => seen.on(topo.subjects.executed).length >= samples.length, 60_000, "every sample executed");
    expect(seen.on(topo.subjects.executed).map((i) => ExecutedMessage.parse(i.data).execution.status)).toEqual(samples.map(() => "success"));
    await publisher.close();
  });

  it("refuses a publish outside a user's role", async () => {
    const publisher = await connect({ servers: url, user: "publisher", pass: "change-me-publisher" });
    const errors: string[] = [];
    void (async () => { for await (const s of publisher.status()) if (s.type === "error") errors.push(String(s.error)); })();
    // The publisher may only feed alerts.raw: a forged execution is refused by the server.
    await expect(jetstream(publisher).publish(topo.subjects.executed, "{}", { timeout: 2_000 })).rejects.toThrow();
    await publisher.flush();
    await new Promise((r) => setTimeout(r, 200));
    expect(errors.join(" ")).toMatch(/Permissions Violation for Publish to "alerts\.executed"/);
    await publisher.close().catch(() => {});
  });
});
