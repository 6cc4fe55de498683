// A declared stage against a real nats-server: the runtime, not the handler, validates the input
// once, builds the envelope, validates the output once, and publishes it with its message id and
// headers; bad input and a stage's own invalid output land in the DLQ with the reason.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, DeliverPolicy, type JetStreamClient } from "@nats-io/jetstream";
import { pino } from "pino";
import { DecidedMessage, DlqMessage, EnrichedMessage, ExecutedMessage, SchemaIds, topology, type Execution, type Topology } from "@secops/contracts";
import { startNats, uniqueNamespace, type TestNats } from "../harness/nats.js";
import { startAgent, type RunningAgent } from "../../src/runtime/agent.js";
import { defineStage, outputChecker } from "../../src/runtime/define-stage.js";
import { enricherStage } from "../../src/enricher/main.js";
import { decided, ticket } from "../responder/fixtures.js";
import { loadSamples } from "../e2e/samples.js";

let nats: TestNats;
let nc: NatsConnection;
let js: JetStreamClient;
const log = pino({ level: "silent" });
const running: RunningAgent[] = [];

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url, ...(nats.user ? { user: nats.user, pass: nats.pass } : {}) });
  js = jetstream(nc);
});
afterAll(async () => {
  await Promise.all(running.map((a) => a.stop()));
  await nc?.close();
  await nats?.stop();
});

function envFor(topo: Topology): NodeJS.ProcessEnv {
  return { NATS_URL: nats.url, SECOPS_NAMESPACE: topo.namespace, LOG_LEVEL: "silent", LLM_API_URL: "http://127.0.0.1:9/v1", ...(nats.user ? { NATS_USER: nats.user, NATS_PASSWORD: nats.pass ?? "" } : {}) };
}

async function readAll(topo: Topology, subject: string, count: number): Promise<{ data: Record<string, unknown>; headers: Record<string, string> }[]> {
  const jsm = await jetstreamManager(nc);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const info = await jsm.streams.info(topo.stream, { subjects_filter: subject });
    // The filter may be a wildcard (alerts.enriched.>): count every subject it matched.
    if (Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0) >= count) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const c = await js.consumers.get(topo.stream, { filter_subjects: subject, deliver_policy: DeliverPolicy.All });
  const out: { data: Record<string, unknown>; headers: Record<string, string> }[] = [];
  for await (const m of await c.fetch({ max_messages: count, expires: 2_000 })) {
    const h: Record<string, string> = {};
    for (const [k, v] of m.headers ?? []) h[k] = v[0]!;
    out.push({ data: m.json(), headers: h });
    if (out.length >= count) break;
  }
  await c.delete().catch(() => {});
  return out;
}

const execution = (over: Partial<Execution> = {}): Execution => ({
  actionId: "a".repeat(64), action: "CREATE_TICKET", status: "success", target: null, connector: "test",
  summary: "done", details: {}, undo: null, error: null, ...over,
});

describe("defineStage", () => {
  it("hands the handler the parsed input once and publishes the envelope it builds around the handler's addition", async () => {
    const topo = topology(uniqueNamespace());
    const seen: DecidedMessage[] = [];
    running.push(await startAgent({
      env: envFor(topo), log,
      stage: defineStage({
        name: "responder", input: DecidedMessage, output: ExecutedMessage,
        handle: (msg) => { seen.push(msg); return { execution: execution() }; },
        // What a signature would do: it sees the finished envelope, and what it returns is published.
        seal: (out) => ({ ...out, execution: { ...out.execution, details: { sealedFor: `${out.alertId}@${out.timestamps.executed}` } } }),
      }),
    }));
    const input = decided(ticket("declared"));
    const h = natsHeaders();
    await js.publish(topo.subjects.decided, JSON.stringify(input), { headers: h });
    const [out] = await readAll(topo, topo.subjects.executed, 1);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toEqual(input);
    const msg = ExecutedMessage.parse(out!.data);
    expect(msg).toMatchObject({ schema: SchemaIds.executed, alertId: input.alertId, traceId: input.traceId, decision: input.decision, execution: { ...execution(), details: { sealedFor: `${input.alertId}@${msg.timestamps.executed}` } } });
    expect(msg.producer.agent).toBe("responder");
    expect(msg.timestamps.received).toBe(input.timestamps.received);
    expect(Date.parse(msg.timestamps.executed!)).toBeGreaterThan(Date.parse(input.timestamps.decided!));
    expect(out!.headers["Nats-Msg-Id"]).toBe(`${input.alertId}:executed`);
    expect(out!.headers["Alert-Id"]).toBe(input.alertId);
    expect(out!.headers.traceparent).toMatch(new RegExp(`^00-${input.traceId}-[0-9a-f]{16}-01$`));
  });

  it("dead-letters input that does not match the contract without calling the handler, and a stage's own invalid output", async () => {
    const topo = topology(uniqueNamespace());
    let calls = 0;
    running.push(await startAgent({
      env: envFor(topo), log,
      stage: defineStage({
        name: "responder", input: DecidedMessage, output: ExecutedMessage,
        handle: (msg) => { calls++; return { execution: execution({ summary: msg.alertId.endsWith("bad-out") ? (42 as unknown as string) : "ok" }) }; },
      }),
    }));
    await js.publish(topo.subjects.decided, JSON.stringify({ schema: SchemaIds.decided, alertId: "x" }));
    await js.publish(topo.subjects.decided, JSON.stringify(decided(ticket("t"), {}, { alertId: "alert-bad-out" })));
    const dlq = (await readAll(topo, topo.subjects.dlq, 2)).map((d) => DlqMessage.parse(d.data));
    expect(dlq.map((d) => d.reason)).toEqual([
      expect.stringMatching(/does not match secops\.decided\.v1/),
      expect.stringMatching(/responder produced an invalid secops\.executed\.v1 message: execution\.summary/),
    ]);
    expect(dlq[1]!.alertId).toBe("alert-bad-out");
    expect(calls).toBe(1);
  });

  it("the first stage reads raw bytes: the runtime keeps an incoming traceparent's trace and the stream's receive time", async () => {
    const topo = topology(uniqueNamespace());
    running.push(await startAgent({ stage: enricherStage, env: envFor(topo), log }));
    const h = natsHeaders();
    h.set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    const ack = await js.publish(topo.subjects.raw, loadSamples()[3]!.body, { headers: h });
    const [out] = await readAll(topo, topo.subjects.enrichedAll, 1);
    const msg = EnrichedMessage.parse(out!.data);
    expect(msg.traceId).toBe("0af7651916cd43dd8448eb211c80319c");
    const stored = await (await jetstreamManager(nc)).streams.getMessage(topo.stream, { seq: ack.seq });
    expect(msg.timestamps.received).toBe(new Date(Math.floor(stored!.timestamp ? Date.parse(stored!.timestamp) : 0)).toISOString());
    expect(out!.headers["Nats-Msg-Id"]).toBe(`${msg.alertId}:enriched`);
    // Published on the subject of its severity: the investigator's priority input.
    const onItsSubject = await (await jetstreamManager(nc)).streams.info(topo.stream, { subjects_filter: topo.subjects.enrichedAll });
    expect(Object.keys(onItsSubject.state.subjects ?? {})).toEqual([`${topo.subjects.enrichedLegacy}.${msg.alert.severity}`]);
  });
});

describe("outputChecker: the output check covers what the stage wrote", () => {
  const input = decided(ticket("checked"));
  const check = outputChecker(ExecutedMessage, DecidedMessage);
  const out = (over: Record<string, unknown> = {}) => ({ ...input, schema: SchemaIds.executed, timestamps: { ...input.timestamps, executed: new Date().toISOString() }, execution: execution(), ...over });

  it("gives what a full parse gives, fields in the contract's order", () => {
    const message = out();
    const r = check(message, input as unknown as Record<string, unknown>);
    expect(r.success).toBe(true);
    const full = ExecutedMessage.parse(message);
    expect(r.success && r.data).toEqual(full);
    expect(r.success && Object.keys(r.data)).toEqual(Object.keys(full));
  });

  it("still refuses a bad addition, a bad envelope, a missing addition and a carried field the stage replaced", () => {
    const inp = input as unknown as Record<string, unknown>;
    const issues = (m: unknown) => { const r = check(m, inp); return r.success ? [] : r.error.issues.map((i) => i.path.join(".")); };
    expect(issues(out({ execution: { ...execution(), summary: 42 } }))).toEqual(["execution.summary"]);
    expect(issues(out({ schema: SchemaIds.decided }))).toEqual(["schema"]);
    const { execution: _dropped, ...missing } = out();
    expect(issues(missing)).toEqual(["execution"]);
    // A new object is not the value the input check validated: it is checked.
    expect(issues(out({ alert: { ...input.alert, severity: "apocalyptic" } }))).toEqual(["alert.severity"]);
  });

  it("drops fields the contract does not have, as a full parse does", () => {
    const r = check(out({ extra: "not in the contract" }), input as unknown as Record<string, unknown>);
    expect(r.success && "extra" in r.data).toBe(false);
  });
});
