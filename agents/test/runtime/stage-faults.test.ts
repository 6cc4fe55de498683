// How the shared consume loop handles faults: the stage's backoff for every transient retry, a
// stack overflow dead-lettered at once, the last delivery dead-lettered (never nak'ed), the
// max-deliveries advisory, a stage timeout, a lost consumer, duplicate publish acks, and the
// alert id on every retry line.
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, TimeoutError, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, DeliverPolicy, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { pino } from "pino";
import { DlqMessage, enrichedSubject, topology, type Topology } from "@secops/contracts";
import { startNats, uniqueNamespace, type TestNats } from "../harness/nats.js";
import { natsEnv, parseEnv } from "../../src/runtime/config.js";
import { duplicateWindowSeconds, provisionConsumer, provisionStream, STAGE_POLICY } from "../../src/runtime/provision.js";
import { StageLoop, type StageHandler, type StageLoopOptions } from "../../src/runtime/stage.js";
import { TransientError } from "../../src/runtime/errors.js";
import { AgentMetrics } from "../../src/runtime/metrics.js";

let nats: TestNats;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
const cfg = parseEnv(natsEnv, {});
const producer = { agent: "enricher", version: "test", instance: "t1" };

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

async function freshTopo(consumer: Record<string, unknown> = {}): Promise<Topology> {
  const topo = topology(uniqueNamespace());
  await provisionStream(jsm, topo, cfg);
  await provisionConsumer(jsm, topo, "enricher");
  if (Object.keys(consumer).length) await jsm.consumers.update(topo.stream, topo.durables.enricher, consumer);
  return topo;
}

/** A logger whose lines are kept, to check what an operator would read. */
function capturedLog() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { for (const l of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>); done(); } });
  return { log: pino({ level: "debug" }, stream), lines };
}

function loop(topo: Topology, handler: StageHandler, over: Partial<StageLoopOptions> = {}): StageLoop {
  return new StageLoop({ agent: "enricher", js, topo, producer, log: pino({ level: "silent" }), metrics: new AgentMetrics("enricher"), handler, concurrency: 2, progressEveryMs: 200, ...over });
}

async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error("timed out waiting for condition");
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function countOn(topo: Topology, subject: string): Promise<number> {
  return (await jsm.streams.info(topo.stream, { subjects_filter: subject })).state.subjects?.[subject] ?? 0;
}

async function dlqEntries(topo: Topology): Promise<DlqMessage[]> {
  const n = await countOn(topo, topo.subjects.dlq);
  if (n === 0) return [];
  const c = await js.consumers.get(topo.stream, { filter_subjects: topo.subjects.dlq, deliver_policy: DeliverPolicy.All });
  const out: DlqMessage[] = [];
  for await (const m of await c.fetch({ max_messages: n, expires: 2_000 })) {
    out.push(DlqMessage.parse(m.json()));
    if (out.length >= n) break;
  }
  await c.delete().catch(() => {});
  return out;
}

/** A JetStream client whose publishes to `subject` time out the first `failures` times. */
function failingPublishes(subject: string, failures: number): JetStreamClient {
  let left = failures;
  return new Proxy(js, {
    get(target, prop, recv) {
      const v = Reflect.get(target, prop, recv) as unknown;
      if (prop !== "publish") return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      return async (...args: Parameters<JetStreamClient["publish"]>) => {
        if (args[0] === subject && left-- > 0) throw new TimeoutError();
        return target.publish(...args);
      };
    },
  });
}

describe("retries", () => {
  it("uses the stage's backoff for a transient failure (not a fixed delay), and the retry line names the alert", async () => {
    const topo = await freshTopo();
    const { log, lines } = capturedLog();
    let calls = 0;
    const l = loop(topo, async () => { calls++; if (calls === 1) throw new TransientError("NATS timeout on a KV write"); return { alertId: "al-7", traceId: null, publish: [] }; }, { log });
    await l.start();
    await js.publish(topo.subjects.raw, JSON.stringify({ alertId: "al-7", n: 1 }));
    await waitFor(() => l.processed === 1);
    const retry = lines.find((x) => x.msg === "transient failure; will retry")!;
    const first = STAGE_POLICY.enricher.retryDelaysSeconds[0]! * 1000;
    expect(retry.retryInMs).toBeGreaterThanOrEqual(first);
    expect(retry.retryInMs).toBeLessThanOrEqual(first * 1.2);
    expect(retry.alertId).toBe("al-7");
    await l.stop(1_000);
  });

  it("dead-letters a stack overflow at once instead of retrying it", async () => {
    const topo = await freshTopo();
    let calls = 0;
    const l = loop(topo, async (m) => {
      calls++;
      // A body nested far deeper than JSON.stringify can recurse.
      const deep: Record<string, unknown> = {};
      let cur = deep;
      for (let i = 0; i < 200_000; i++) { const next = {}; cur.a = next; cur = next; }
      return { alertId: null, traceId: null, publish: [{ subject: enrichedSubject(topo, "low"), data: deep, msgId: `${m.seq}:enriched` }] };
    });
    await l.start();
    await js.publish(topo.subjects.raw, '{"deep": true}');
    await waitFor(async () => (await countOn(topo, topo.subjects.dlq)) === 1);
    const [dlq] = await dlqEntries(topo);
    expect(dlq!.reason).toMatch(/call stack/i);
    expect(dlq!.original.deliveryCount).toBe(1);
    expect(calls).toBe(1);
    await l.stop(1_000);
  });
});

describe("the last delivery", () => {
  it("is dead-lettered before it is termed; a failing DLQ publish is retried, never nak'ed into oblivion", async () => {
    const topo = await freshTopo({ max_deliver: 2 });
    let calls = 0;
    const l = loop(topo, async () => { calls++; throw new TransientError("still down"); }, { js: failingPublishes(topo.subjects.dlq, 5), retryDelaysSeconds: [0.05] });
    await l.start();
    await js.publish(topo.subjects.raw, JSON.stringify({ alertId: "al-last" }));
    await waitFor(async () => (await countOn(topo, topo.subjects.dlq)) === 1, 30_000);
    const [dlq] = await dlqEntries(topo);
    expect(dlq).toMatchObject({ alertId: "al-last", reason: expect.stringMatching(/gave up after 2 deliveries: still down/) });
    const info = await jsm.consumers.info(topo.stream, topo.durables.enricher);
    expect(info.num_ack_pending + info.num_pending).toBe(0);
    expect(calls).toBe(2);
    await l.stop(1_000);
  });

  it("a message JetStream gave up on with no outcome (the replica died on it) is dead-lettered from the max-deliveries advisory", async () => {
    const topo = await freshTopo({ max_deliver: 1, ack_wait: 1_000_000_000 });
    // Another replica took the message and died: it never acks (a fetch that is never answered).
    const dead = await js.consumers.get(topo.stream, topo.durables.enricher);
    await js.publish(topo.subjects.raw, JSON.stringify({ alertId: "al-crash" }));
    const taken = await dead.next({ expires: 5_000 });
    expect(taken).not.toBeNull();
    const l = loop(topo, async () => ({ alertId: null, traceId: null, publish: [] }), { nc, jsm });
    await l.start();
    await waitFor(async () => (await countOn(topo, topo.subjects.dlq)) === 1, 20_000);
    const [dlq] = await dlqEntries(topo);
    expect(dlq).toMatchObject({ alertId: "al-crash", reason: expect.stringMatching(/JetStream gave up after 1 deliveries/) });
    expect(dlq!.original.data).toBe(JSON.stringify({ alertId: "al-crash" }));
    await l.stop(1_000);
  });
});

describe("messages waiting for a slot", () => {
  it("a message delivered while every slot is busy gets progress signals: it is not redelivered past the ack wait", async () => {
    // Ack wait 1.5 s; one slot; each message takes 2 s (the running one sends its own signals). The
    // client hands over the next messages while the slot is busy, and they wait 2 s and more for it:
    // without signals JetStream would deliver them again (a second LLM call for the same alert).
    const topo = await freshTopo({ ack_wait: 1_500_000_000 });
    const seen: { body: string; delivery: number }[] = [];
    const l = loop(topo, async (m, ctx) => {
      seen.push({ body: m.string(), delivery: ctx.deliveryCount });
      await new Promise((r) => setTimeout(r, 2_000));
      return { alertId: null, traceId: null, publish: [] };
    }, { concurrency: 1, progressEveryMs: 300 });
    await l.start();
    const bodies = [1, 2, 3].map((n) => `waits ${n}`);
    await Promise.all(bodies.map((b) => js.publish(topo.subjects.raw, b)));
    await waitFor(() => seen.length >= 3 && l.inflight === 0, 20_000);
    // Redeliveries, had there been any, would show up within another ack wait.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(seen.map((x) => x.body).sort()).toEqual(bodies);
    expect(seen.map((x) => x.delivery)).toEqual(bodies.map(() => 1));
    expect((await jsm.consumers.info(topo.stream, topo.durables.enricher)).num_ack_pending).toBe(0);
    await l.stop(1_000);
  });
});

describe("replicas share a backlog", () => {
  it("a replica holds its slots and as many waiting, not the whole backlog: a second replica gets work", async () => {
    const topo = await freshTopo();
    const by: Record<string, number> = { a: 0, b: 0 };
    const slow = (name: string) => async () => { by[name]!++; await new Promise((r) => setTimeout(r, 300)); return { alertId: null, traceId: null, publish: [] }; };
    const a = loop(topo, slow("a"), { concurrency: 2 });
    await a.start();
    await Promise.all(Array.from({ length: 16 }, (_, k) => js.publish(topo.subjects.raw, `backlog ${k}`)));
    await waitFor(() => a.waiting === 2, 5_000);
    const b = loop(topo, slow("b"), { concurrency: 2 });
    await b.start();
    await waitFor(() => by.a! + by.b! >= 16 && a.inflight + b.inflight === 0, 20_000);
    expect(by.a! + by.b!).toBe(16);
    // Read eagerly, replica a would have taken all 16 before b started.
    expect(by.b).toBeGreaterThanOrEqual(4);
    await Promise.all([a.stop(1_000), b.stop(1_000)]);
  });
});

describe("hung handlers, lost consumers, duplicates", () => {
  it("a stage timeout ends a hung handler and the message is retried", async () => {
    const topo = await freshTopo();
    let calls = 0;
    const l = loop(topo, async () => {
      calls++;
      if (calls === 1) await new Promise(() => {}); // hangs forever
      return { alertId: "al-hung", traceId: null, publish: [{ subject: enrichedSubject(topo, "low"), data: { ok: true }, msgId: "al-hung:enriched" }] };
    }, { timeoutMs: 500, retryDelaysSeconds: [0.05] });
    await l.start();
    await js.publish(topo.subjects.raw, "hang once");
    await waitFor(async () => (await countOn(topo, enrichedSubject(topo, "low"))) === 1);
    expect(calls).toBe(2);
    // The abandoned handler holds no slot: both are free once the retry's publish is confirmed
    // (the test's connection may see the stored message a moment before the loop's sees its ack).
    await waitFor(() => l.inflight === 0, 2_000);
    await l.stop(1_000);
  });

  it("a deleted consumer flips readiness and is provisioned again, then work flows", async () => {
    const topo = await freshTopo();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => { release = r; });
    const l = loop(topo, async (m) => ({ alertId: null, traceId: null, publish: [{ subject: enrichedSubject(topo, "low"), data: { n: m.string() }, msgId: `${m.string()}:enriched` }] }), {
      reprovision: async () => { await gate; await provisionConsumer(jsm, topo, "enricher"); },
    });
    await l.start();
    expect(l.consuming).toBe(true);
    await jsm.consumers.delete(topo.stream, topo.durables.enricher);
    await waitFor(() => !l.consuming);
    release();
    await waitFor(() => l.consuming);
    await js.publish(topo.subjects.raw, "after");
    await waitFor(async () => (await countOn(topo, enrichedSubject(topo, "low"))) >= 1);
    await l.stop(1_000);
  });

  it("counts and logs a publish the stream answered as a duplicate", async () => {
    const topo = await freshTopo();
    const { log, lines } = capturedLog();
    const metrics = new AgentMetrics("enricher");
    // Two different alerts that end up with the same id (no source id, no time).
    const l = loop(topo, async (m) => ({ alertId: "al-same", traceId: null, publish: [{ subject: enrichedSubject(topo, "low"), data: { body: m.string() }, msgId: "al-same:enriched" }] }), { log, metrics, concurrency: 1 });
    await l.start();
    await js.publish(topo.subjects.raw, "first");
    await js.publish(topo.subjects.raw, "second");
    await waitFor(() => l.processed === 2);
    expect(await countOn(topo, enrichedSubject(topo, "low"))).toBe(1);
    expect((await metrics.duplicates.get()).values.reduce((a, v) => a + v.value, 0)).toBe(1);
    expect(lines.find((x) => x.msg === "publish was a duplicate: the stream already had this message id")).toMatchObject({ alertId: "al-same", msgId: "al-same:enriched" });
    await l.stop(1_000);
  });
});

describe("the duplicate window", () => {
  it("outlasts the slowest stage's redeliveries plus the LLM's time", async () => {
    const worst = Math.max(...Object.values(STAGE_POLICY).map((p) => p.maxDeliver * p.ackWaitSeconds + p.retryDelaysSeconds.reduce((a, b) => a + b, 0)));
    expect(duplicateWindowSeconds()).toBeGreaterThanOrEqual(worst + STAGE_POLICY.investigator.stageTimeoutSeconds);
    const topo = await freshTopo();
    const info = await jsm.streams.info(topo.stream);
    expect(info.config.duplicate_window / 1e9).toBe(duplicateWindowSeconds());
  });
});
