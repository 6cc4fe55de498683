// Backpressure through the investigator stage on a real nats-server: in a storm, low alerts that
// would wait longer than LLM_MAX_WAIT_SECONDS are decided by the rules analyst, labelled
// `rules (LLM backlog)`; with LLM_BACKLOG_REVIEW=on each of them is looked at again by the LLM
// once the backlog is gone, recorded on alerts.investigated.review next to the rules decision.
import { createHash } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { DeliverPolicy, jetstream, jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
import { enrichedSubject, InvestigatedMessage, stageOfSubject, topology, type EnrichedMessage, type Topology } from "@secops/contracts";
import { startAgent, type RunningAgent } from "../../src/runtime/agent.js";
import { investigatorStage } from "../../src/investigator/main.js";
import { BACKLOG_LABEL } from "../../src/investigator/handler.js";
import { startBenchFakeLlm, type BenchFakeLlm } from "../../src/bench/fake-llm.js";
import { createLogger } from "../../src/runtime/logger.js";
import { startNats, uniqueNamespace, type TestNats } from "../harness/nats.js";
import { enrichedMessage, seeds } from "./seed-fixtures.js";

const log = createLogger("backlog-test", "silent");
let nats: TestNats;
let nc: NatsConnection;
let js: JetStreamClient;
let fake: BenchFakeLlm;
const running: RunningAgent[] = [];

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url, ...(nats.user ? { user: nats.user, pass: nats.pass } : {}) });
  js = jetstream(nc);
  fake = await startBenchFakeLlm({ delayMs: 300 });
});
afterEach(async () => { await Promise.all(running.splice(0).map((a) => a.stop())); });
afterAll(async () => {
  await fake.close();
  await nc.close();
  await nats.stop();
});

const { alert, enrichment } = seeds.seed3;
const low = (id: string): EnrichedMessage => enrichedMessage({ ...alert, severity: "low", fingerprint: createHash("sha256").update(id).digest("hex") }, enrichment, id);

async function readAll(topo: Topology, subject: string, count: number, waitMs = 20_000): Promise<{ subject: string; msg: InvestigatedMessage }[]> {
  const jsm = await jetstreamManager(nc);
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    const info = await jsm.streams.info(topo.stream, { subjects_filter: subject });
    if ((info.state.subjects?.[subject] ?? 0) >= count) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const c = await js.consumers.get(topo.stream, { filter_subjects: subject, deliver_policy: DeliverPolicy.All });
  const out: { subject: string; msg: InvestigatedMessage }[] = [];
  for await (const m of await c.fetch({ max_messages: Math.max(count, 1), expires: 2_000 })) {
    out.push({ subject: m.subject, msg: InvestigatedMessage.parse(m.json()) });
    if (out.length >= count) break;
  }
  await c.delete().catch(() => {});
  return out;
}

async function storm(review: "on" | "off"): Promise<{ topo: Topology; decided: InvestigatedMessage[]; backlog: InvestigatedMessage[] }> {
  const topo = topology(uniqueNamespace());
  running.push(await startAgent({
    stage: investigatorStage, log,
    env: {
      NATS_URL: nats.url, SECOPS_NAMESPACE: topo.namespace, LOG_LEVEL: "silent", LLM_API_URL: fake.url,
      AGENT_CONCURRENCY: "8", LLM_CONCURRENCY: "1", LLM_CONCURRENCY_MIN: "1", LLM_CONCURRENCY_MAX: "1",
      LLM_MAX_WAIT_SECONDS: "0.5", LLM_REUSE_WINDOW_SECONDS: "0", LLM_BACKLOG_REVIEW: review,
      ...(nats.user ? { NATS_USER: nats.user, NATS_PASSWORD: nats.pass ?? "" } : {}),
    },
  }));
  // One alert first: the investigator learns the LLM's latency, which its wait estimate needs.
  const warm = low(`BL-${review}-warm`);
  await js.publish(enrichedSubject(topo, "low"), JSON.stringify(warm), { msgID: `${warm.alertId}:enriched` });
  await readAll(topo, topo.subjects.investigated, 1);
  const alerts = [warm, ...Array.from({ length: 8 }, (_, k) => low(`BL-${review}-${k}`))];
  await Promise.all(alerts.slice(1).map((m) => js.publish(enrichedSubject(topo, "low"), JSON.stringify(m), { msgID: `${m.alertId}:enriched` })));
  const decided = (await readAll(topo, topo.subjects.investigated, alerts.length)).map((x) => x.msg);
  expect(decided).toHaveLength(alerts.length);
  const backlog = decided.filter((d) => d.investigation.analyst === "rules");
  return { topo, decided, backlog };
}

describe("LLM backlog: rules decide, the LLM reviews later when configured", () => {
  it("labels the alerts the rules analyst decided because of the backlog, and queues no review by default", async () => {
    const { topo, decided, backlog } = await storm("off");
    expect(decided.some((d) => d.investigation.analyst === "llm")).toBe(true);
    expect(backlog.length).toBeGreaterThan(0);
    for (const d of backlog) expect(d.investigation.fallbackReason).toMatch(/^rules \(LLM backlog\): a low alert would wait about \d+ s for the LLM, more than LLM_MAX_WAIT_SECONDS/);
    await new Promise((r) => setTimeout(r, 1_000));
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(topo.stream, { subjects_filter: `${topo.namespace}.alerts.>` });
    expect(info.state.subjects?.[topo.subjects.enrichedReview] ?? 0).toBe(0);
    expect(info.state.subjects?.[topo.subjects.investigatedReview] ?? 0).toBe(0);
  });

  it("with LLM_BACKLOG_REVIEW=on, the LLM looks at each backlog decision once the storm is over, recorded with a link to it", async () => {
    const { topo, decided, backlog } = await storm("on");
    expect(backlog.length).toBeGreaterThan(0);
    const reviews = await readAll(topo, topo.subjects.investigatedReview, backlog.length);
    expect(reviews.map((r) => r.msg.alertId).sort()).toEqual(backlog.map((b) => b.alertId).sort());
    for (const { subject, msg } of reviews) {
      expect(stageOfSubject(topo, subject)).toBe("investigated");
      expect(msg.investigation.analyst).toBe("llm");
      expect(msg.investigation.review).toMatchObject({ of: BACKLOG_LABEL });
      // After the rules decision it reviews.
      const first = decided.find((d) => d.alertId === msg.alertId)!;
      expect(Date.parse(msg.investigation.review!.decidedAt)).toBeGreaterThanOrEqual(Date.parse(first.timestamps.enriched ?? first.timestamps.received) - 1);
      expect(Date.parse(msg.timestamps.investigated!)).toBeGreaterThanOrEqual(Date.parse(first.timestamps.investigated!));
    }
    // Nothing is left for the decider to decide twice: the decider's subject holds one message per alert.
    const onDecidersSubject = await readAll(topo, topo.subjects.investigated, decided.length + 1, 500);
    expect(onDecidersSubject).toHaveLength(decided.length);
  });
});
