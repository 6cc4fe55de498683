// A dashboard app for tests: a real nats-server from the harness, its isolated topology
// provisioned, and the feed + static plugins on a fastify with @fastify/websocket.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import websocket from "@fastify/websocket";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
import { pino } from "pino";
import type { Topology } from "@secops/contracts";
import { startNats, type TestNats } from "../../agents/test/harness/nats.js";
import { provisionStream } from "../../agents/src/runtime/provision.js";
import { natsEnv, parseEnv } from "../../agents/src/runtime/config.js";
import { dashboardSettings, type DashboardContext } from "../src/context.js";
import { feedPlugin } from "../src/plugins/feed.js";
import { staticPlugin } from "../src/plugins/static.js";
import approvalsPlugin from "../src/plugins/approvals.js";
import actionsPlugin from "../src/plugins/actions.js";

export const TEST_TOKEN = "test-token-0123456789";

export interface TestDashboard {
  app: FastifyInstance;
  nats: TestNats;
  nc: NatsConnection;
  js: JetStreamClient;
  topo: Topology;
  close(): Promise<void>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** Runs after provisioning and before the dashboard starts: what it finds as history. */
  beforeStart?: (js: JetStreamClient, topo: Topology, nc: NatsConnection) => Promise<void>;
  /** Also register the approvals and actions (undo) API, as the real server does. */
  writeApi?: boolean;
}

export async function startTestDashboard({ env = {}, beforeStart, writeApi = false }: StartOptions = {}): Promise<TestDashboard> {
  const nats = await startNats();
  const nc = await connect({ servers: nats.url, ...(nats.user ? { user: nats.user, pass: nats.pass } : {}) });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const topo = nats.topo;
  await provisionStream(jsm, topo, parseEnv(natsEnv, {}));
  await beforeStart?.(js, topo, nc);
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const ctx: DashboardContext = {
    nc, js, jsm, topo, log, settings: dashboardSettings(env), token: TEST_TOKEN,
    async requireAuth(req, reply) {
      if (req.headers.authorization !== `Bearer ${TEST_TOKEN}`) await reply.code(401).send({ error: "unauthorized" });
    },
    callerOf: (req) => String(req.headers["x-secops-user"] ?? "api"),
  };
  // fastify types its instance by the logger given; the plugins take the base logger type.
  const app = Fastify({ loggerInstance: log as FastifyBaseLogger });
  await app.register(websocket);
  await app.register(feedPlugin, { ctx });
  await app.register(staticPlugin, { ctx });
  if (writeApi) {
    await app.register(approvalsPlugin, { ctx });
    await app.register(actionsPlugin, { ctx });
  }
  await app.ready();
  return {
    app, nats, nc, js, topo,
    async close() {
      await app.close();
      await nc.close();
      await nats.stop();
    },
  };
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
}
