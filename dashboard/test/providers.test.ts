// GET /api/providers: the enrichment providers' state as the enricher replicas wrote it to KV.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { pino } from "pino";
import { startNats, type TestNats } from "../../agents/test/harness/nats.js";
import { ProviderStatePublisher } from "../../agents/src/enricher/enrich/online/state.js";
import { OnlineProvider } from "../../agents/src/enricher/enrich/online/runner.js";
import { ONLINE_PROVIDERS } from "../../agents/src/enricher/enrich/providers/index.js";
import { ProviderUnavailable } from "../../agents/src/enricher/enrich/online/definition.js";
import { dashboardSettings, type DashboardContext } from "../src/context.js";
import providersPlugin from "../src/plugins/providers.js";

let nats: TestNats;
let nc: NatsConnection;
let app: FastifyInstance;

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url, ...(nats.user ? { user: nats.user, pass: nats.pass } : {}) });
  const log = pino({ level: "silent" });
  const ctx = { nc, js: jetstream(nc), jsm: await jetstreamManager(nc), topo: nats.topo, log, env: {}, settings: dashboardSettings({}), token: "t".repeat(20), requireAuth: async () => {}, callerOf: () => "api" } as DashboardContext;
  app = Fastify({ loggerInstance: log as FastifyBaseLogger });
  await app.register(providersPlugin, { ctx });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await nc?.close();
  await nats?.stop();
});

describe("GET /api/providers", () => {
  it("answers 503 with the reason before the pipeline is provisioned", async () => {
    const res = await app.inject({ url: "/api/providers" });
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toMatch(/enrichment-cache bucket cannot be read/);
  });

  it("lists every provider with calls, cache hits, quota left, last error and skip, summed over replicas", async () => {
    const kv = await new Kvm(nc).create(nats.topo.buckets.enrichmentCache, { ttl: 24 * 3600 * 1000 });
    const abuse = ONLINE_PROVIDERS.find((d) => d.name === "abuseipdb")!;
    const settings = { key: "k", baseUrl: "http://127.0.0.1:9", quota: { perMinute: null, perDay: 1000 }, ttl: { malicious: 1, suspicious: 1, clean: 1, unknown: 1 }, cooldownSeconds: 30, authCooldownSeconds: 600 };
    // two replicas: one answered twice from the network, one was rate-limited
    const fetchOk = (async () => new Response(JSON.stringify({ data: { abuseConfidenceScore: 0, totalReports: 0 } }), { status: 200 })) as typeof fetch;
    const fetch429 = (async () => new Response(JSON.stringify({ errors: [{ detail: "Daily rate limit of 1000 requests exceeded", status: 429 }] }), { status: 429, headers: { "retry-after": "3600" } })) as typeof fetch;
    const a = new OnlineProvider(abuse, settings, null, () => new Date(), fetchOk);
    const b = new OnlineProvider(abuse, settings, null, () => new Date(), fetch429);
    await a.lookup("ip", "8.8.8.8");
    await a.lookup("ip", "9.9.9.9");
    await expect(b.lookup("ip", "1.1.1.1")).rejects.toBeInstanceOf(ProviderUnavailable);
    await new ProviderStatePublisher(kv, "enricher-a", [a], ONLINE_PROVIDERS).publish();
    await new ProviderStatePublisher(kv, "host:b/1", [b], ONLINE_PROVIDERS).publish();

    const res = await app.inject({ url: "/api/providers" });
    expect(res.statusCode).toBe(200);
    const rows = res.json() as { name: string; enabled: boolean; calls: number; cacheHits: number; quotaLeft: number | null; lastError: string | null; lastErrorAt: string | null; skippedUntil: string | null }[];
    expect(rows.map((r) => r.name)).toEqual(ONLINE_PROVIDERS.map((d) => d.name));
    const row = rows.find((r) => r.name === "abuseipdb")!;
    expect(row).toMatchObject({ enabled: true, calls: 3, cacheHits: 0, quotaLeft: 997, lastError: expect.stringMatching(/429 Too Many Requests.*Daily rate limit/), lastErrorAt: expect.any(String) });
    expect(Date.parse(row.skippedUntil!)).toBeGreaterThan(Date.now() + 3000 * 1000);
    expect(rows.find((r) => r.name === "virustotal")).toMatchObject({ enabled: false, calls: 0, lastError: null });
  });

  it("serves a small providers page under the dashboard's Content-Security-Policy", async () => {
    const page = await app.inject({ url: "/providers" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-security-policy"]).toMatch(/script-src 'self'/);
    expect(page.body).toContain('data-testid="providers-panel"');
    const script = await app.inject({ url: "/providers.js" });
    expect(script.body).toContain("textContent");
    expect(script.body).not.toContain("innerHTML");
  });
});
