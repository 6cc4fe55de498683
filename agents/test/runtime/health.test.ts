// An agent's health, readiness and Prometheus endpoint, on a real agent against a real server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { pino } from "pino";
import { startNats, type TestNats } from "../harness/nats.js";
import { DecidedMessage, InvestigatedMessage, SchemaIds } from "@secops/contracts";
import { decided, ticket } from "../responder/fixtures.js";
import { startAgent, type RunningAgent } from "../../src/runtime/agent.js";
import { defineStage } from "../../src/runtime/define-stage.js";

let nats: TestNats;
let nc: NatsConnection;
let agent: RunningAgent;

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
  agent = await startAgent({
    stage: defineStage({ name: "decider", input: InvestigatedMessage, output: DecidedMessage, handle: () => null }),
    env: { NATS_URL: nats.url, SECOPS_NAMESPACE: nats.topo.namespace, HEALTH_PORT: "0" },
    log: pino({ level: "silent" }),
  });
});
afterAll(async () => {
  await agent?.stop();
  await nc?.close();
  await nats?.stop();
});

const get = (path: string) => fetch(`http://127.0.0.1:${agent.healthPort}${path}`);

describe("agent health endpoint", () => {
  it("answers /healthz and /readyz while connected and consuming", async () => {
    expect(agent.healthPort).toBeGreaterThan(0);
    const h = await get("/healthz");
    expect(h.status).toBe(200);
    expect(await h.json()).toMatchObject({ status: "ok", agent: "decider", nats: "connected", consuming: true });
    const r = await get("/readyz");
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: "ready" });
  });

  it("counts handled messages in /metrics (Prometheus text)", async () => {
    const js = jetstream(nc);
    for (let i = 0; i < 3; i++) {
      const { decision: _decision, ...investigated } = decided(ticket());
      await js.publish(nats.topo.subjects.investigated, JSON.stringify({ ...investigated, schema: SchemaIds.investigated }));
    }
    const deadline = Date.now() + 10_000;
    while (agent.loop.processed < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const m = await get("/metrics");
    expect(m.headers.get("content-type")).toMatch(/text\/plain/);
    const text = await m.text();
    expect(text).toMatch(/secops_stage_messages_total\{agent="decider",outcome="ok"\} 3/);
    expect(text).toMatch(/secops_stage_handler_seconds_count\{agent="decider"\} 3/);
  });

  it("refuses writes and unknown paths with a helpful answer", async () => {
    expect((await fetch(`http://127.0.0.1:${agent.healthPort}/healthz`, { method: "POST" })).status).toBe(405);
    const nf = await get("/nope");
    expect(nf.status).toBe(404);
    expect((await nf.json() as { error: string }).error).toMatch(/\/healthz, \/readyz or \/metrics/);
  });

  it("reports not ready once it stops consuming", async () => {
    await agent.loop.stop(1_000);
    const r = await get("/readyz");
    expect(r.status).toBe(503);
  });
});
