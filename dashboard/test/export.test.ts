// The dashboard's evidence export for one alert, against a real nats-server: the download is the
// bundle `secops audit --export` writes, and `secops audit --verify` checks it.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { DecidedMessage } from "@secops/contracts";
import { startNats, type TestNats } from "../../agents/test/harness/nats.js";
import { provision, recordHistory, silent } from "../../agents/test/replay/history-fixture.js";
import { connectNats } from "../../agents/src/runtime/nats.js";
import { natsEnv, parseEnv } from "../../agents/src/runtime/config.js";
import { loadPolicyWithText } from "../../agents/src/state/policy-versions.js";
import { verifyBundle } from "../../agents/src/replay/bundle.js";
import { dashboardSettings, type DashboardContext } from "../src/context.js";
import exportPlugin from "../src/plugins/export.js";

const TOKEN = "test-token-0123456789";
let nats: TestNats;
let nc: NatsConnection;
let app: FastifyInstance;
let decided: DecidedMessage[];

beforeAll(async () => {
  nats = await startNats();
  nc = await connectNats(parseEnv(natsEnv, { NATS_URL: nats.url }), "export-test", silent);
  await provision(nc, nats.topo, nats.url);
  decided = await recordHistory(nc, nats.topo, loadPolicyWithText(), 3, "dx");
  const ctx: DashboardContext = {
    nc, js: jetstream(nc), jsm: await jetstreamManager(nc), topo: nats.topo, log: silent, env: {}, settings: dashboardSettings({}), token: TOKEN,
    requireAuth: async (req: FastifyRequest, reply: FastifyReply) => {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) await reply.code(401).send({ error: "unauthorized" });
    },
    callerOf: () => "alice",
  };
  app = Fastify();
  await app.register(exportPlugin, { ctx });
  await app.ready();
}, 60_000);

afterAll(async () => {
  await app?.close();
  await nc?.close();
  await nats?.stop();
});

describe("GET /api/alerts/:id/export", () => {
  it("downloads a bundle that verifies, and fails to verify after one byte changes", async () => {
    const m = decided[0]!;
    const res = await app.inject({ url: `/api/alerts/${m.alert.sourceId}/export`, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers["content-disposition"]).toBe(`attachment; filename="secops-evidence-${m.alertId}.json"`);
    const doc = res.json<{ manifest: { createdBy: string; files: { path: string }[] }; files: { path: string; content: string }[] }>();
    expect(doc.manifest.createdBy).toBe("dashboard:alice");
    expect(doc.files.map((f) => f.path).filter((p) => p.startsWith(`alerts/${m.alertId}/`)).length).toBeGreaterThanOrEqual(4);
    const dir = mkdtempSync(join(tmpdir(), "secops-export-"));
    writeFileSync(join(dir, "bundle.json"), res.body);
    expect(await verifyBundle(join(dir, "bundle.json"))).toMatchObject({ ok: true, problems: [] });

    const decidedFile = doc.files.find((f) => f.path.endsWith("-decided.json"))!;
    decidedFile.content = decidedFile.content.replace('"auto"', '"autp"').replace('"approval"', '"approvam"');
    writeFileSync(join(dir, "tampered.json"), JSON.stringify(doc));
    const v = await verifyBundle(join(dir, "tampered.json"));
    expect(v.ok).toBe(false);
    expect(v.problems.join("\n")).toContain(decidedFile.path);
  });

  it("needs the token, and says when the id names nothing", async () => {
    expect((await app.inject({ url: `/api/alerts/${decided[0]!.alertId}/export` })).statusCode).toBe(401);
    const missing = await app.inject({ url: "/api/alerts/NO-SUCH-ALERT/export", headers: { authorization: `Bearer ${TOKEN}` } });
    expect(missing.statusCode).toBe(404);
    expect(missing.json<{ message: string }>().message).toContain("NO-SUCH-ALERT");
  });
});
