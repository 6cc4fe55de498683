// Critical first in a storm: the enricher's output is split by severity (alerts.enriched.<severity>,
// one durable each, which nats-server 2.9 allows), and the investigator, on a real nats-server,
// takes from the highest priority it holds. A critical alert published behind a backlog of low
// ones is investigated before the rest of them, and replicas share the durables.
import { createHash } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { DeliverPolicy, jetstream, jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
import { enrichedSubject, InvestigatedMessage, topology, type EnrichedMessage, type Severity, type Topology } from "@secops/contracts";
import { startAgent, type RunningAgent } from "../../src/runtime/agent.js";
import { investigatorStage } from "../../src/investigator/main.js";
import { startBenchFakeLlm, type BenchFakeLlm } from "../../src/bench/fake-llm.js";
import { createLogger } from "../../src/runtime/logger.js";
import { startNats, uniqueNamespace, type TestNats } from "../harness/nats.js";
import { enrichedMessage, seeds } from "./seed-fixtures.js";

const log = createLogger("priority-test", "silent");
let nats: TestNats;
let nc: NatsConnection;
let js: JetStreamClient;
let fake: BenchFakeLlm;
const running: RunningAgent[] = [];

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url, ...(nats.user ? { user: nats.user, pass: nats.pass } : {}) });
  js = jetstream(nc);
  fake = await startBenchFakeLlm({ delayMs: 150 });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.stop()));
});
afterAll(async () => {
  await fake.close();
  await nc.close();
  await nats.stop();
});

function envFor(topo: Topology, over: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    NATS_URL: nats.url, SECOPS_NAMESPACE: topo.namespace, LOG_LEVEL: "silent", LLM_API_URL: fake.url,
    // One alert at a time and one LLM call at a time: the order is the scheduler's alone.
    AGENT_CONCURRENCY: "1", LLM_CONCURRENCY: "1", LLM_CONCURRENCY_MIN: "1", LLM_CONCURRENCY_MAX: "1",
    LLM_MAX_WAIT_SECONDS: "3600", LLM_REUSE_WINDOW_SECONDS: "0",
    ...(nats.user ? { NATS_USER: nats.user, NATS_PASSWORD: nats.pass ?? "" } : {}),
    ...over,
  };
}

const { alert, enrichment } = seeds.seed3;
/** A distinct alert (its own fingerprint) of the given severity. */
function alertOf(severity: Severity, id: string): EnrichedMessage {
  return enrichedMessage({ ...alert, severity, fingerprint: createHash("sha256").update(id).digest("hex") }, enrichment, id);
}
async function publish(topo: Topology, m: EnrichedMessage): Promise<void> {
  await js.publish(enrichedSubject(topo, m.alert.severity), JSON.stringify(m), { msgID: `${m.alertId}:enriched` });
}

/** Alert ids on alerts.investigated in stream order, once `count` are there. */
async function investigatedOrder(topo: Topology, count: number): Promise<{ alertId: string; producer: string }[]> {
  const jsm = await jetstreamManager(nc);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const info = await jsm.streams.info(topo.stream, { subjects_filter: topo.subjects.investigated });
    if ((info.state.subjects?.[topo.subjects.investigated] ?? 0) >= count) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const c = await js.consumers.get(topo.stream, { filter_subjects: topo.subjects.investigated, deliver_policy: DeliverPolicy.All });
  const out: { alertId: string; producer: string }[] = [];
  for await (const m of await c.fetch({ max_messages: count, expires: 5_000 })) {
    const msg = InvestigatedMessage.parse(m.json());
    out.push({ alertId: msg.alertId, producer: msg.producer.instance });
    if (out.length >= count) break;
  }
  await c.delete().catch(() => {});
  return out;
}

describe("critical first in a storm", () => {
  it("investigates a critical alert published behind a backlog of low ones before the remaining lows", async () => {
    const topo = topology(uniqueNamespace());
    running.push(await startAgent({ stage: investigatorStage, env: envFor(topo), log }));
    const lows = Array.from({ length: 12 }, (_, k) => alertOf("low", `AB-LOW-${k}`));
    for (const m of lows) await publish(topo, m);
    // The first low is with the LLM; the rest wait on the stream.
    const before = fake.answered;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && running[0]!.loop.inflight === 0) await new Promise((r) => setTimeout(r, 10));
    expect(running[0]!.loop.inflight).toBe(1);
    await publish(topo, alertOf("critical", "CD-CRIT-1"));

    const order = (await investigatedOrder(topo, lows.length + 1)).map((o) => o.alertId);
    expect(order).toHaveLength(13);
    const at = order.indexOf("CD-CRIT-1");
    // At most the low in flight when it arrived (and, on a slow machine, one more) went first.
    expect(at).toBeGreaterThanOrEqual(0);
    expect(at).toBeLessThanOrEqual(2);
    expect(order.slice(at + 1).every((id) => id.startsWith("AB-LOW-"))).toBe(true);
    expect(fake.answered - before).toBe(13);
  });

  it("orders a mixed backlog critical, high, medium, low, oldest first within a priority", async () => {
    const topo = topology(uniqueNamespace());
    // Queued before any investigator runs: the whole backlog is there when it starts.
    const backlog: EnrichedMessage[] = [];
    for (let k = 0; k < 3; k++) for (const s of ["low", "medium", "high", "critical"] as const) backlog.push(alertOf(s, `${s}-${k}`));
    const jsm = await jetstreamManager(nc);
    const { provisionConsumer, provisionStream } = await import("../../src/runtime/provision.js");
    const { natsEnv, parseEnv } = await import("../../src/runtime/config.js");
    await provisionStream(jsm, topo, parseEnv(natsEnv, {}));
    await provisionConsumer(jsm, topo, "investigator");
    for (const m of backlog) await publish(topo, m);
    running.push(await startAgent({ stage: investigatorStage, env: envFor(topo), log }));
    const order = (await investigatedOrder(topo, backlog.length)).map((o) => o.alertId);
    // The first one may be whatever priority answered its pull first; from then on the order is strict.
    const rest = order.slice(1);
    const rank = (id: string) => ["critical", "high", "medium", "low"].indexOf(id.split("-")[0]!);
    for (let i = 1; i < rest.length; i++) expect(rank(rest[i]!), rest.join(" ")).toBeGreaterThanOrEqual(rank(rest[i - 1]!));
    expect(order.filter((id) => id.startsWith("critical-"))).toEqual(["critical-0", "critical-1", "critical-2"]);
  });

  it("replicas share the priority durables: each alert is investigated once, and both replicas work", async () => {
    const topo = topology(uniqueNamespace());
    const env = envFor(topo, { AGENT_CONCURRENCY: "2", LLM_CONCURRENCY: "2", LLM_CONCURRENCY_MAX: "2" });
    running.push(await startAgent({ stage: investigatorStage, env: { ...env, INSTANCE_ID: "replica-a" }, log }));
    running.push(await startAgent({ stage: investigatorStage, env: { ...env, INSTANCE_ID: "replica-b" }, log }));
    const all = Array.from({ length: 24 }, (_, k) => alertOf((["low", "medium", "high", "critical"] as const)[k % 4]!, `R-${k}`));
    for (const m of all) await publish(topo, m);
    const done = await investigatedOrder(topo, all.length);
    expect(new Set(done.map((d) => d.alertId)).size).toBe(all.length);
    expect(new Set(done.map((d) => d.producer))).toEqual(new Set(["replica-a", "replica-b"]));
    const jsm = await jetstreamManager(nc);
    for (const p of topo.priorities) expect((await jsm.consumers.info(topo.stream, p.durable)).num_ack_pending).toBe(0);
  });

  it("provisions a lost priority durable again and goes on reading it", async () => {
    const topo = topology(uniqueNamespace());
    running.push(await startAgent({ stage: investigatorStage, env: envFor(topo), log }));
    const jsm = await jetstreamManager(nc);
    const critical = topo.priorities[0]!;
    await jsm.consumers.delete(topo.stream, critical.durable);
    const deadline = Date.now() + 20_000;
    let back = false;
    while (!back && Date.now() < deadline) {
      back = await jsm.consumers.info(topo.stream, critical.durable).then(() => true, () => false);
      if (!back) await new Promise((r) => setTimeout(r, 100));
    }
    expect(back).toBe(true);
    await publish(topo, alertOf("critical", "LOST-CRIT-1"));
    expect((await investigatedOrder(topo, 1)).map((o) => o.alertId)).toEqual(["LOST-CRIT-1"]);
  });
});
