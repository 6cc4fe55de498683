import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, DeliverPolicy } from "@nats-io/jetstream";
import { pino } from "pino";
import { DlqMessage, enrichedSubject, topology, type Topology } from "@secops/contracts";
import { startNats, uniqueNamespace, type TestNats } from "../harness/nats.js";
import { natsEnv, parseEnv } from "../../src/runtime/config.js";
import { provisionConsumer, provisionStream } from "../../src/runtime/provision.js";
import { StageLoop, type StageHandler } from "../../src/runtime/stage.js";
import { PermanentError, TransientError } from "../../src/runtime/errors.js";
import { AgentMetrics } from "../../src/runtime/metrics.js";

let nats: TestNats;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
const cfg = parseEnv(natsEnv, {});
const log = pino({ level: "silent" });
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

async function freshTopo(): Promise<Topology> {
  const topo = topology(uniqueNamespace());
  await provisionStream(jsm, topo, cfg);
  await provisionConsumer(jsm, topo, "enricher");
  return topo;
}

function loop(topo: Topology, handler: StageHandler, concurrency = 4): StageLoop {
  // A short backoff ladder keeps retries fast here; stage-faults.test.ts checks the real one.
  return new StageLoop({ agent: "enricher", js, topo, producer, log, metrics: new AgentMetrics("enricher"), handler, concurrency, progressEveryMs: 200, retryDelaysSeconds: [0.05] });
}

async function read(topo: Topology, subject: string, count: number, timeoutMs = 10_000): Promise<{ data: string; headers: Record<string, string>; seq: number }[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out: { data: string; headers: Record<string, string>; seq: number }[] = [];
    const c = await js.consumers.get(topo.stream, { filter_subjects: subject, deliver_policy: DeliverPolicy.All });
    const info = await jsm.streams.info(topo.stream, { subjects_filter: subject });
    const n = info.state.subjects?.[subject] ?? 0;
    if (n >= count || Date.now() > deadline) {
      if (n > 0) {
        const batch = await c.fetch({ max_messages: n, expires: 2_000 });
        for await (const m of batch) {
          const h: Record<string, string> = {};
          for (const [k, v] of m.headers ?? []) h[k] = v[0]!;
          out.push({ data: m.string(), headers: h, seq: m.seq });
          if (out.length >= n) break;
        }
      }
      await c.delete().catch(() => {});
      return out;
    }
    await c.delete().catch(() => {});
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error("timed out waiting for condition");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the shared consume loop", () => {
  it("publishes the handler's output with its Nats-Msg-Id, then acks", async () => {
    const topo = await freshTopo();
    const l = loop(topo, async (m) => ({ alertId: `a-${m.string()}`, traceId: null, publish: [{ subject: enrichedSubject(topo, "low"), data: { n: m.string() }, msgId: `a-${m.string()}:enriched` }] }));
    await l.start();
    for (const n of ["1", "2", "3"]) await js.publish(topo.subjects.raw, n);
    const out = await read(topo, enrichedSubject(topo, "low"), 3);
    expect(out.map((o) => JSON.parse(o.data).n).sort()).toEqual(["1", "2", "3"]);
    expect(out.map((o) => o.headers["Nats-Msg-Id"]).sort()).toEqual(["a-1:enriched", "a-2:enriched", "a-3:enriched"]);
    await waitFor(async () => (await jsm.consumers.info(topo.stream, topo.durables.enricher)).num_ack_pending === 0);
    await l.stop(2_000);
    expect(l.processed).toBe(3);
  });

  it("dead-letters a permanent failure with the reason and the original, and terminates it", async () => {
    const topo = await freshTopo();
    let calls = 0;
    const l = loop(topo, async () => {
      calls++;
      throw new PermanentError("malformed alert: no title", { errors: [{ path: "title", message: "required" }], tried: ["seed", "webhook"], alertId: "al-1" });
    });
    await l.start();
    await js.publish(topo.subjects.raw, '{"broken": true}', { headers: (await import("@nats-io/transport-node")).headers() });
    const [entry] = await read(topo, topo.subjects.dlq, 1);
    const dlq = DlqMessage.parse(JSON.parse(entry!.data));
    expect(dlq.reason).toBe("malformed alert: no title");
    expect(dlq.stage).toBe("enricher");
    expect(dlq.tried).toEqual(["seed", "webhook"]);
    expect(dlq.errors).toEqual([{ path: "title", message: "required" }]);
    expect(dlq.original).toMatchObject({ encoding: "utf8", data: '{"broken": true}', deliveryCount: 1 });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(calls).toBe(1); // terminated: never redelivered
    await l.stop(1_000);
  });

  it("keeps binary input intact in the dead letter (base64)", async () => {
    const topo = await freshTopo();
    const l = loop(topo, async () => { throw new PermanentError("binary input is not an alert"); });
    await l.start();
    const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x81, 0x41]);
    await js.publish(topo.subjects.raw, bytes);
    const [entry] = await read(topo, topo.subjects.dlq, 1);
    const dlq = DlqMessage.parse(JSON.parse(entry!.data));
    expect(dlq.original.encoding).toBe("base64");
    expect(Buffer.from(dlq.original.data, "base64")).toEqual(Buffer.from(bytes));
    await l.stop(1_000);
  });

  it("retries a transient failure after the delay and succeeds", async () => {
    const topo = await freshTopo();
    let calls = 0;
    const l = loop(topo, async () => {
      calls++;
      if (calls < 3) throw new TransientError("LLM busy", 100);
      return { alertId: "x", traceId: null, publish: [{ subject: enrichedSubject(topo, "low"), data: { ok: true }, msgId: "x:enriched" }] };
    });
    await l.start();
    await js.publish(topo.subjects.raw, "retry-me");
    const out = await read(topo, enrichedSubject(topo, "low"), 1);
    expect(out).toHaveLength(1);
    expect(calls).toBe(3);
    await l.stop(1_000);
  });

  it("gives up at the last delivery and dead-letters instead of dropping", async () => {
    const topo = await freshTopo();
    let calls = 0;
    const l = loop(topo, async () => { calls++; throw new TransientError("still down", 50); });
    await l.start();
    await js.publish(topo.subjects.raw, "never");
    const [entry] = await read(topo, topo.subjects.dlq, 1, 15_000);
    const dlq = DlqMessage.parse(JSON.parse(entry!.data));
    expect(dlq.reason).toMatch(/gave up after 5 deliveries: still down/);
    expect(calls).toBe(5);
    await l.stop(1_000);
  });

  it("never runs more handlers at once than its concurrency", async () => {
    const topo = await freshTopo();
    let now = 0;
    let max = 0;
    const l = loop(topo, async () => {
      now++;
      max = Math.max(max, now);
      await new Promise((r) => setTimeout(r, 100));
      now--;
      return { alertId: null, traceId: null, publish: [] };
    }, 3);
    await l.start();
    for (let i = 0; i < 12; i++) await js.publish(topo.subjects.raw, String(i));
    await waitFor(() => l.processed === 12);
    expect(max).toBe(3);
    await l.stop(1_000);
  });

  it("signals progress while a slow handler works, so the message is not redelivered", async () => {
    const topo = topology(uniqueNamespace());
    await provisionStream(jsm, topo, cfg);
    await provisionConsumer(jsm, topo, "enricher");
    // Shrink the ack wait to 1 s (no backoff) to prove that progress signals hold the message.
    await jsm.consumers.update(topo.stream, topo.durables.enricher, { ack_wait: 1_000_000_000 });
    let calls = 0;
    const l = loop(topo, async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 2_500));
      return { alertId: null, traceId: null, publish: [] };
    });
    await l.start();
    await js.publish(topo.subjects.raw, "slow");
    await waitFor(() => l.processed === 1, 8_000);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(calls).toBe(1);
    await l.stop(1_000);
  });

  it("drains: in-flight work finishes and is acked on stop", async () => {
    const topo = await freshTopo();
    let finished = 0;
    const l = loop(topo, async () => {
      await new Promise((r) => setTimeout(r, 400));
      finished++;
      return { alertId: null, traceId: null, publish: [] };
    }, 2);
    await l.start();
    await js.publish(topo.subjects.raw, "a");
    await js.publish(topo.subjects.raw, "b");
    await waitFor(() => l.inflight === 2);
    await l.stop(5_000);
    expect(finished).toBe(2);
    const info = await jsm.consumers.info(topo.stream, topo.durables.enricher);
    expect(info.num_ack_pending).toBe(0);
  });
});

describe("messages too big for one NATS message", () => {
  it("dead-letters an output over max_payload with a clear reason instead of retrying forever", async () => {
    const topo = await freshTopo();
    let calls = 0;
    const l = new StageLoop({
      agent: "enricher", js, topo, producer, log, metrics: new AgentMetrics("enricher"), concurrency: 2, maxPayload: () => nc.info?.max_payload,
      handler: async () => { calls++; return { alertId: "big", traceId: null, publish: [{ subject: enrichedSubject(topo, "low"), data: { blob: "x".repeat(1_100_000) }, msgId: "big:enriched" }] }; },
    });
    await l.start();
    await js.publish(topo.subjects.raw, "small input, huge output");
    const [entry] = await read(topo, topo.subjects.dlq, 1);
    const dlq = DlqMessage.parse(JSON.parse(entry!.data));
    expect(dlq.reason).toMatch(/enriched.low message would be \d+ bytes, over the NATS server's max_payload of 1048576 bytes/);
    expect(dlq.original.data).toBe("small input, huge output");
    expect(dlq.original.truncatedFrom).toBeUndefined();
    await new Promise((r) => setTimeout(r, 500));
    expect(calls).toBe(1);
    await l.stop(1_000);
  });

  it("keeps the start of an original whose dead letter would not fit, and says how big it was", async () => {
    const topo = await freshTopo();
    const l = new StageLoop({
      agent: "enricher", js, topo, producer, log, metrics: new AgentMetrics("enricher"), concurrency: 2, maxPayload: () => nc.info?.max_payload,
      handler: async () => { throw new PermanentError("no known format matched"); },
    });
    await l.start();
    // Quotes and backslashes double in JSON: a 700 KB original makes a 1.4 MB dead letter.
    const original = `${'"\\'.repeat(350_000)}é-end`;
    await js.publish(topo.subjects.raw, original);
    const [entry] = await read(topo, topo.subjects.dlq, 1);
    const dlq = DlqMessage.parse(JSON.parse(entry!.data));
    expect(dlq.reason).toBe("no known format matched");
    expect(dlq.original.truncatedFrom).toBe(Buffer.byteLength(original));
    expect(dlq.original.encoding).toBe("utf8");
    expect(original.startsWith(dlq.original.data)).toBe(true);
    expect(dlq.original.data.length).toBeGreaterThan(100_000);
    await l.stop(1_000);
  });
});
