import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import websocket from "@fastify/websocket";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Topology } from "@secops/contracts";
import type { Logger } from "pino";
import type { DashboardUser } from "@secops/agents/runtime";
import type { DashboardContext } from "./context.js";
import { createAuth } from "./auth.js";
import { PLUGINS } from "./plugins/index.js";

export interface DashboardServerOptions {
  nc: NatsConnection;
  topo: Topology;
  log: Logger;
  token: string;
  /** Per-person tokens (token → name); when given, only these are accepted for writes. */
  users?: Map<string, DashboardUser>;
  env?: NodeJS.ProcessEnv;
  bodyLimit?: number;
}

/** Builds the dashboard app: websocket support, the shared context, then every plugin. */
export async function buildDashboard(o: DashboardServerOptions): Promise<{ app: FastifyInstance; ctx: DashboardContext }> {
  const app = Fastify({ loggerInstance: o.log as FastifyBaseLogger, bodyLimit: o.bodyLimit ?? 5 * 1024 * 1024, trustProxy: false });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  const auth = createAuth(o.token, o.users);
  const ctx: DashboardContext = {
    nc: o.nc,
    js: jetstream(o.nc),
    jsm: await jetstreamManager(o.nc),
    topo: o.topo,
    log: o.log,
    env: o.env ?? process.env,
    token: o.token,
    requireAuth: auth.requireAuth,
    callerOf: auth.callerOf,
    rolesOf: auth.rolesOf,
  };
  for (const [, load] of PLUGINS) await app.register(await load() as never, { ctx });
  return { app, ctx };
}
