// Agents as real processes (as `npm start` runs them), killed with SIGKILL mid-flow and
// restarted: nothing is lost and nothing is done twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { ExecutedMessage } from "@secops/contracts";
import { startNats, type TestNats } from "../harness/nats.js";
import { Collector } from "./pipeline-harness.js";
import { provisionAll } from "../../src/runtime/provision.js";
import { natsEnv, parseEnv } from "../../src/runtime/config.js";
import { loadSamples } from "./samples.js";

const DIST = fileURLToPath(new URL("../../dist/", import.meta.url));
let nats: TestNats;
let nc: NatsConnection;
let seen: Collector;
const procs = new Map<string, ChildProcess>();

function startProcess(agent: string): ChildProcess {
  const child = spawn(process.execPath, [`${DIST}${agent}/main.js`], {
    env: { ...process.env, NATS_URL: nats.url, SECOPS_NAMESPACE: nats.topo.namespace, LOG_LEVEL: "warn", LLM_API_URL: "http://127.0.0.1:9/v1", LLM_TIMEOUT_SECONDS: "1", LLM_MAX_RETRIES: "0", AGENT_CONCURRENCY: "2", RESPONDER_LEASE_SECONDS: "15" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr?.on("data", (d: Buffer) => process.env.E2E_LOG && process.stderr.write(`[${agent}] ${d}`));
  procs.set(agent, child);
  return child;
}

async function kill(agent: string): Promise<void> {
  const c = procs.get(agent)!;
  const exited = new Promise((r) => c.once("exit", r));
  c.kill("SIGKILL");
  await exited;
}

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
  // Provision up front, as `npm start` does, so nothing waits on the processes' start-up time.
  await provisionAll(nc, await jetstreamManager(nc), nats.topo, parseEnv(natsEnv, {}));
  seen = await Collector.start(nc, nats.topo);
  for (const a of ["enricher", "investigator", "decider", "responder"]) startProcess(a);
});
afterAll(async () => {
  seen?.stop();
  for (const c of procs.values()) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await nc?.close();
  await nats?.stop();
});

describe("crash safety", () => {
  it("loses nothing and does nothing twice when agents are killed mid-flow and restarted", async () => {
    const scan = JSON.parse(loadSamples()[3]!.body) as Record<string, unknown>;
    const js = jetstream(nc);
    const N = 24;
    for (let i = 0; i < N; i++) {
      const a = structuredClone(scan);
      a.alert_id = `SEC-CRASH-${i}`;
      (a.details as Record<string, unknown>).source_ip = `198.51.100.${100 + i}`;
      await js.publish(nats.topo.subjects.raw, JSON.stringify(a));
    }
    const executed = () => seen.on(nats.topo.subjects.executed).map((m) => ExecutedMessage.parse(m.data));
    await seen.waitFor(() => executed().length >= 3, 60_000, "first executions");
    await kill("responder");
    await kill("investigator");
    await new Promise((r) => setTimeout(r, 500));
    startProcess("investigator");
    startProcess("responder");
    await seen.waitFor(() => new Set(executed().map((m) => m.alertId)).size === N, 120_000, `${N} executed alerts`);

    const all = executed();
    expect(new Set(all.map((m) => m.alert.sourceId)).size).toBe(N);
    expect(all.length).toBe(N); // one alerts.executed per alert: the Nats-Msg-Id dedup held
    const effects = all.filter((m) => m.execution.status === "success");
    expect(effects.length).toBe(N); // nobody saw "duplicate": each block happened exactly once
    const blocklist = await new Kvm(nc).open(nats.topo.buckets.blocklist);
    const keys: string[] = [];
    for await (const k of await blocklist.keys()) keys.push(k);
    expect(keys.length).toBe(N);
    const ledger = await new Kvm(nc).open(nats.topo.buckets.ledger);
    const ledgerKeys: string[] = [];
    for await (const k of await ledger.keys()) ledgerKeys.push(k);
    expect(ledgerKeys.length).toBe(N);
  }, 240_000);
});
