// POST /ingest through fastify's inject against a real nats-server. The plugin lives in the
// dashboard package; it is tested here because it is the HTTP face of this normalizer.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { pino } from "pino";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { Headers } from "@secops/contracts";
import ingest from "../../../dashboard/src/plugins/ingest.js";
import { dashboardSettings, type DashboardContext } from "../../../dashboard/src/context.js";
import { alertIdFor, normalizeAlert } from "../../src/enricher/normalize/index.js";
import { natsEnv, parseEnv } from "../../src/runtime/config.js";
import { provisionStream } from "../../src/runtime/provision.js";
import { startNats, type TestNats } from "../harness/nats.js";
import { SEED_SAMPLES, fixtureItems } from "./fixtures.js";

const TOKEN = "test-token-0123456789abcdef";
const auth = { authorization: `Bearer ${TOKEN}` };
let nats: TestNats;
let nc: NatsConnection;
let jsm: JetStreamManager;
let app: FastifyInstance;

async function buildApp(env: NodeJS.ProcessEnv): Promise<FastifyInstance> {
  const log = pino({ level: "silent" });
  const ctx: DashboardContext = {
    nc, js: jetstream(nc), jsm, topo: nats.topo, log, settings: dashboardSettings(env), token: TOKEN,
    requireAuth: async (req, reply) => {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) await reply.code(401).send({ error: "missing or wrong bearer token" });
    },
    callerOf: () => "api",
  };
  const a = Fastify({ loggerInstance: log as FastifyBaseLogger });
  await a.register(ingest, { ctx });
  await a.ready();
  return a;
}

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url, user: nats.user, pass: nats.pass });
  jsm = await jetstreamManager(nc);
  await provisionStream(jsm, nats.topo, parseEnv(natsEnv, { NATS_URL: nats.url, SECOPS_NAMESPACE: nats.topo.namespace }));
  app = await buildApp({ INGEST_MAX_BYTES: "20000" });
});

afterAll(async () => {
  await app?.close();
  await nc?.close();
  await nats?.stop();
});

async function lastMessage() {
  const info = await jsm.streams.info(nats.topo.stream);
  return jsm.streams.getMessage(nats.topo.stream, { seq: info.state.last_seq });
}

describe("POST /ingest", () => {
  it("401 without the bearer token, and nothing is published", async () => {
    const before = (await jsm.streams.info(nats.topo.stream)).state.messages;
    const r = await app.inject({ method: "POST", url: "/ingest", payload: { title: "x" } });
    expect(r.statusCode).toBe(401);
    expect((await jsm.streams.info(nats.topo.stream)).state.messages).toBe(before);
  });

  it("202 with the alert id the enricher will compute; the raw bytes are published as received", async () => {
    const body = readFileSync(join(SEED_SAMPLES, "sample_alert3.json"), "utf8");
    const r = await app.inject({ method: "POST", url: "/ingest", headers: { ...auth, "content-type": "application/json" }, payload: body });
    expect(r.statusCode).toBe(202);
    const expected = normalizeAlert(JSON.stringify(JSON.parse(body)));
    if (!expected.ok) throw new Error(expected.error.reason);
    expect(r.json()).toEqual({ accepted: [{ input: "body", alertId: alertIdFor(expected.alert), format: "seed" }], rejected: [] });
    const msg = await lastMessage();
    expect(JSON.parse(msg!.string())).toEqual(JSON.parse(body));
    expect(msg!.subject).toBe(nats.topo.subjects.raw);
    expect(msg!.header.get(Headers.alertId)).toBe(alertIdFor(expected.alert));
  });

  it("a JSON array: accepts the valid items and rejects the rest with reasons and the original", async () => {
    const r = await app.inject({ method: "POST", url: "/ingest", headers: auth, payload: [{ title: "good one", src_ip: "203.0.113.5" }, { nothing: "useful" }, "just a string"] });
    expect(r.statusCode).toBe(202);
    const json = r.json() as { accepted: { input: string }[]; rejected: { input: string; reason: string; code: string; tried: string[]; original: string }[] };
    expect(json.accepted.map((a) => a.input)).toEqual(["body[0]"]);
    expect(json.rejected.map((x) => [x.input, x.code])).toEqual([["body[1]", "unknown_format"], ["body[2]", "invalid"]]);
    expect(json.rejected[0]!.tried).toHaveLength(15);
    expect(json.rejected[0]!.original).toBe('{"nothing":"useful"}');
  });

  it("JSON lines (application/x-ndjson) and CEF text (text/plain)", async () => {
    const ndjson = fixtureItems("zeek", "notice.jsonl").join("\n");
    const a = await app.inject({ method: "POST", url: "/ingest", headers: { ...auth, "content-type": "application/x-ndjson" }, payload: ndjson });
    expect(a.statusCode).toBe(202);
    expect((a.json() as { accepted: { input: string; format: string }[] }).accepted.map((x) => [x.input, x.format])).toEqual([["body:1", "zeek"], ["body:2", "zeek"]]);
    const cef = fixtureItems("cef", "lines.cef").join("\n");
    const b = await app.inject({ method: "POST", url: "/ingest", headers: { ...auth, "content-type": "text/plain" }, payload: cef });
    expect(b.statusCode).toBe(202);
    expect((b.json() as { accepted: unknown[] }).accepted).toHaveLength(2);
    expect((await lastMessage())!.string()).toBe(fixtureItems("cef", "lines.cef")[1]);
  });

  it("400 with every reason when nothing is valid", async () => {
    const r = await app.inject({ method: "POST", url: "/ingest", headers: { ...auth, "content-type": "application/json" }, payload: '{"truncated": ' });
    expect(r.statusCode).toBe(400);
    const json = r.json() as { error: string; rejected: { input: string; reason: string; code: string }[] };
    expect(json.error).toMatch(/no alert accepted/);
    expect(json.rejected).toEqual([expect.objectContaining({ input: "body", code: "malformed_json", reason: expect.stringMatching(/^malformed JSON at position/) })]);
  });

  it("/ingest/:format forces the format and sets the Alert-Format header; unknown formats are refused", async () => {
    const r = await app.inject({ method: "POST", url: "/ingest/webhook", headers: auth, payload: { title: "forced", note: "Scan::Port_Scan", ts: 1789380000 } });
    expect(r.statusCode).toBe(202);
    expect((r.json() as { accepted: { format: string }[] }).accepted[0]!.format).toBe("webhook");
    expect((await lastMessage())!.header.get(Headers.alertFormat)).toBe("webhook");
    const bad = await app.inject({ method: "POST", url: "/ingest/banana", headers: auth, payload: { title: "x" } });
    expect(bad.statusCode).toBe(400);
    expect((bad.json() as { error: string }).error).toMatch(/unknown format "banana" \(accepted: wazuh/);
    const wrong = await app.inject({ method: "POST", url: "/ingest/okta", headers: auth, payload: { title: "x" } });
    expect(wrong.statusCode).toBe(400);
    expect((wrong.json() as { rejected: { tried: string[] }[] }).rejected[0]!.tried).toEqual(["okta"]);
  });

  it("413 with a clear message over INGEST_MAX_BYTES; 415 for other content types", async () => {
    const big = await app.inject({ method: "POST", url: "/ingest", headers: { ...auth, "content-type": "application/json" }, payload: JSON.stringify({ title: "x", pad: "y".repeat(30_000) }) });
    expect(big.statusCode).toBe(413);
    expect((big.json() as { error: string }).error).toMatch(/larger than the ingest limit of 20000 bytes \(INGEST_MAX_BYTES\)/);
    const xml = await app.inject({ method: "POST", url: "/ingest", headers: { ...auth, "content-type": "application/xml" }, payload: "<a/>" });
    expect(xml.statusCode).toBe(415);
    expect((xml.json() as { error: string }).error).toMatch(/accepted: application\/json/);
  });

  it("the same alert posted twice is de-duplicated by JetStream", async () => {
    const payload = JSON.stringify({ title: "dedup me", id: "wh-dup-1" });
    const before = (await jsm.streams.info(nats.topo.stream)).state.messages;
    for (let i = 0; i < 2; i++) {
      const r = await app.inject({ method: "POST", url: "/ingest", headers: { ...auth, "content-type": "application/json" }, payload });
      expect(r.statusCode).toBe(202);
    }
    expect((await jsm.streams.info(nats.topo.stream)).state.messages).toBe(before + 1);
  });
});
