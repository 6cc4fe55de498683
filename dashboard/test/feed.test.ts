// The feed against a real nats-server: history replayed at start, live updates, the read
// API, the websocket push and bad input.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { headers } from "@nats-io/transport-node";
import type { AddressInfo } from "node:net";
import { buildChain, buildDlq, publishChain } from "./fixtures.js";
import { eventually, startTestDashboard, type TestDashboard } from "./test-app.js";
import { jetstreamManager } from "@nats-io/jetstream";
import { pino } from "pino";
import { enrichedSubject, topology } from "@secops/contracts";
import { AlertIndex } from "../src/feed/alert-index.js";
import { StreamReader } from "../src/feed/stream-reader.js";
import { provisionStream } from "../../agents/src/runtime/provision.js";
import { natsEnv, parseEnv } from "../../agents/src/runtime/config.js";
import { uniqueNamespace } from "../../agents/test/harness/nats.js";

type Summary = Record<string, unknown> & { alertId: string; stage: string };

describe("dashboard feed", () => {
  let d: TestDashboard;
  const approved = buildChain({ alertId: "hist-approved", approval: true, latencyMs: 1000 });
  const rulesTicket = buildChain({ alertId: "hist-rules", analyst: "rules", action: "CREATE_TICKET", latencyMs: 3000, fallbackReason: "LLM endpoint refused the connection" });

  beforeAll(async () => {
    d = await startTestDashboard({
      async beforeStart(js, topo, nc) {
        const h = headers();
        h.set("Nats-Msg-Id", "raw-1");
        await js.publish(topo.subjects.raw, JSON.stringify({ name: "raw alert" }), { headers: h });
        await publishChain(js, topo, approved);
        await publishChain(js, topo, rulesTicket);
        await js.publish(topo.subjects.dlq, JSON.stringify(buildDlq({ alertId: null, reason: "not JSON and not CEF", original: "x".repeat(5000) })));
        // A message the dashboard cannot read must be counted, not stop the feed.
        await js.publish(enrichedSubject(topo, "low"), "{not json");
        await nc.flush();
      },
    });
  });
  afterAll(async () => { await d?.close(); });

  const getJson = async (url: string) => {
    const r = await d.app.inject({ method: "GET", url });
    return { status: r.statusCode, body: r.json() };
  };

  it("replays the stream's history into the alert list, newest first", async () => {
    const list = await eventually(async () => {
      const { body } = await getJson("/api/alerts");
      return (body as Summary[]).length === 2 ? (body as Summary[]) : undefined;
    }, "two alerts from history");
    expect(list.map((s) => s.alertId)).toEqual(["hist-rules", "hist-approved"]);
    expect(list[1]).toMatchObject({
      alertId: "hist-approved", stage: "executed", action: "BLOCK_IP", mode: "approval", status: "approved",
      executionStatus: "success", analyst: "llm", verdict: "true_positive", confidence: 0.87, tainted: false,
      format: "seed", category: "authentication", severity: "high", latencyMs: 1000,
      receivedAt: approved.enriched.timestamps.received,
    });
    expect(list[0]).toMatchObject({ analyst: "rules", action: "CREATE_TICKET", latencyMs: 3000 });
  });

  it("returns one alert's messages, with every decision in order", async () => {
    const { status, body } = await getJson("/api/alerts/hist-approved");
    expect(status).toBe(200);
    expect(body.alertId).toBe("hist-approved");
    expect(body.messages.enriched.enrichment.indicators[0].value).toBe("185.220.101.45");
    expect(body.messages.investigated.investigation.reasoning).toBe(approved.investigated.investigation.reasoning);
    expect(body.messages.decided.map((m: { decision: { status: string } }) => m.decision.status)).toEqual(["awaiting_approval", "approved"]);
    expect(body.messages.executed.execution.undo.action).toBe("UNBLOCK_IP");
    expect(body.summary.stage).toBe("executed");
  });

  it("answers 404 for an unknown alert and 400 for bad input, saying what is accepted", async () => {
    const missing = await getJson("/api/alerts/nope-123");
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe("not_found");
    const badId = await getJson(`/api/alerts/${encodeURIComponent("<script>")}`);
    expect(badId.status).toBe(400);
    const badLimit = await getJson("/api/alerts?limit=0");
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.message).toMatch(/whole number from 1 to 1000/);
    const badStage = await getJson("/api/alerts?stage=done");
    expect(badStage.status).toBe(400);
    expect(badStage.body.message).toMatch(/enriched, investigated, awaiting_approval, decided, executed, failed/);
  });

  it("filters by stage and limits the list", async () => {
    expect((await getJson("/api/alerts?limit=1")).body).toHaveLength(1);
    expect((await getJson("/api/alerts?stage=investigated")).body).toEqual([]);
    expect(((await getJson("/api/alerts?stage=executed")).body as Summary[]).map((s) => s.alertId).sort()).toEqual(["hist-approved", "hist-rules"]);
  });

  it("lists dead letters with a bounded excerpt of the original", async () => {
    const { body } = await getJson("/api/dlq");
    expect(body).toHaveLength(1);
    expect(body[0]).toMatchObject({ reason: "not JSON and not CEF", stage: "enricher", tried: ["json", "cef"] });
    expect(body[0].original.excerpt).toHaveLength(2048);
    expect(body[0].original).toMatchObject({ truncated: true, bytes: 5000 });
  });

  it("counts stages, raw messages, analysts, actions and latency", async () => {
    const { body } = await getJson("/api/stats");
    expect(body).toMatchObject({
      alerts: 2, executed: 2, inFlight: 0, awaitingApproval: 0, dlq: 1, unreadable: 1,
      raw: { received: 1, last: { msgId: "raw-1" } },
      executedByAction: { BLOCK_IP: 1, CREATE_TICKET: 1 },
      analyst: { llm: 1, rules: 1 },
      latencyMs: { avg: 2000, p95: 3000, samples: 2 },
    });
  });

  it("follows a live alert through the stages", async () => {
    const live = buildChain({ alertId: "live-1", approval: true, executionStatus: "failed", injection: true });
    const stageOf = async () => ((await getJson("/api/alerts/live-1")).body as { summary?: Summary }).summary?.stage;
    await publishChain(d.js, d.topo, { ...live, decided: [live.decided[0]!] }, "decided");
    await eventually(async () => ((await stageOf()) === "awaiting_approval" ? true : undefined), "live-1 awaiting approval");
    expect((await getJson("/api/stats")).body.awaitingApproval).toBe(1);
    await publishChain(d.js, d.topo, live);
    await eventually(async () => ((await stageOf()) === "failed" ? true : undefined), "live-1 failed execution");
    const { body } = await getJson("/api/alerts/live-1");
    expect(body.summary).toMatchObject({ tainted: true, executionStatus: "failed", status: "approved" });
  });

  it("marks an alert failed when a later stage dead-letters it", async () => {
    const stuck = buildChain({ alertId: "stuck-1" });
    await publishChain(d.js, d.topo, stuck, "investigated");
    await d.js.publish(d.topo.subjects.dlq, JSON.stringify(buildDlq({ alertId: "stuck-1", stage: "decider", reason: "no valid target", original: "{}" })));
    const s = await eventually(async () => {
      const { body } = await getJson("/api/alerts/stuck-1");
      return body.summary?.stage === "failed" ? body.summary : undefined;
    }, "stuck-1 failed");
    expect(s.dlqReason).toBe("no valid target");
  });

  it("pushes hello, alert changes, dead letters and stats over the websocket", async () => {
    await d.app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = d.app.server.address() as AddressInfo;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    const frames: { type: string; [k: string]: unknown }[] = [];
    ws.on("message", (data) => frames.push(JSON.parse(data.toString())));
    await new Promise((resolve, reject) => { ws.once("open", resolve); ws.once("error", reject); });
    try {
      const hello = await eventually(() => frames.find((f) => f.type === "hello"), "hello frame");
      expect((hello.stats as { alerts: number }).alerts).toBeGreaterThanOrEqual(2);

      await publishChain(d.js, d.topo, buildChain({ alertId: "ws-1" }));
      await d.js.publish(d.topo.subjects.dlq, JSON.stringify(buildDlq({ alertId: null, reason: "schema mismatch", original: "{}" })));
      await eventually(() => frames.find((f) => f.type === "alert" && (f.summary as Summary).alertId === "ws-1" && (f.summary as Summary).stage === "executed"), "ws-1 executed push");
      const stages = frames.filter((f) => f.type === "alert" && (f.summary as Summary).alertId === "ws-1").map((f) => (f.summary as Summary).stage);
      expect(stages).toEqual(["enriched", "investigated", "decided", "executed"]);
      await eventually(() => frames.find((f) => f.type === "dlq" && (f.entry as { reason: string }).reason === "schema mismatch"), "dlq push");
      const stats = await eventually(() => frames.find((f) => f.type === "stats" && (f.stats as { dlq: number }).dlq === 3), "stats push", 5000);
      expect((stats.stats as { executed: number }).executed).toBeGreaterThanOrEqual(3);

      ws.send(JSON.stringify({ type: "ping" }));
      await eventually(() => frames.find((f) => f.type === "pong"), "pong");
    } finally {
      ws.close();
    }
  });

  it("serves the page with a strict content security policy and no content sniffing", async () => {
    for (const [url, type] of [["/", "text/html"], ["/app.js", "text/javascript"], ["/style.css", "text/css"]] as const) {
      const r = await d.app.inject({ method: "GET", url });
      expect(r.statusCode).toBe(200);
      expect(r.headers["content-type"]).toMatch(new RegExp(`^${type}`));
      expect(r.headers["content-security-policy"]).toMatch(/^default-src 'self'; connect-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:/);
      expect(r.headers["x-content-type-options"]).toBe("nosniff");
    }
    expect((await d.app.inject({ method: "GET", url: "/../package.json" })).statusCode).toBe(404);
  });

  it("waits for a stream that does not exist yet, then reads it", async () => {
    const topo = topology(uniqueNamespace("late"));
    const index = new AlertIndex(10);
    const seen: string[] = [];
    const reader = new StreamReader(d.js, topo, index, { onAlert: (x) => seen.push(x.alertId), onDlq: () => {}, onRaw: () => {} }, pino({ level: "silent" }));
    reader.start();
    try {
      await eventually(() => (reader.health().lastError ? true : undefined), "the reader to report the missing stream");
      expect(reader.health()).toMatchObject({ running: true, healthy: false });
      await provisionStream(await jetstreamManager(d.nc), topo, parseEnv(natsEnv, {}));
      await publishChain(d.js, topo, buildChain({ alertId: "late-1" }));
      await eventually(() => (index.get("late-1")?.summary.stage === "executed" ? true : undefined), "late-1 read from the new stream", 15_000);
      expect(seen).toContain("late-1");
      expect(reader.health()).toMatchObject({ healthy: true, caughtUp: true });
    } finally {
      await reader.stop();
    }
    expect(reader.health().running).toBe(false);
  });

  it("reports health of NATS and the consumer", async () => {
    const { status, body } = await getJson("/healthz");
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "ok", nats: true, consumer: true, caughtUp: true });
    expect(body.lastSeq).toBeGreaterThan(10);
  });
});
