import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import websocket from "@fastify/websocket";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Topology } from "@secops/contracts";
import type { Logger } from "pino";
import type { DashboardUser } from "@secops/agents/runtime";
import { dashboardSettings, type DashboardContext, type DashboardSettings } from "./context.js";
import { createAuth, createSiteGuard } from "./auth.js";
import { PLUGINS } from "./plugins/index.js";
import { PAGE_PATHS } from "./plugins/static.js";

export interface DashboardServerOptions {
  nc: NatsConnection;
  topo: Topology;
  log: Logger;
  token: string;
  /** Per-person tokens (token → name); when given, only these are accepted for writes. */
  users?: Map<string, DashboardUser>;
  env?: NodeJS.ProcessEnv;
  /** The validated settings (main.ts); without them they are read from env. */
  settings?: DashboardSettings;
  bodyLimit?: number;
}

/** Builds the dashboard app: websocket support, the shared context, then every plugin. */
export async function buildDashboard(o: DashboardServerOptions): Promise<{ app: FastifyInstance; ctx: DashboardContext }> {
  const app = Fastify({ loggerInstance: o.log as FastifyBaseLogger, bodyLimit: o.bodyLimit ?? 5 * 1024 * 1024, trustProxy: false });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  const auth = createAuth(o.token, o.users);
  // Before anything else, and before any body is read: Host, Origin, then the token (auth.ts).
  const settings = o.settings ?? dashboardSettings(o.env ?? process.env);
  if (settings.readAuth === "users" && !o.users?.size) throw new Error("DASHBOARD_READ_AUTH=users needs DASHBOARD_USERS (per-person tokens); use DASHBOARD_READ_AUTH=token for the shared token");
  app.addHook("onRequest", createSiteGuard({
    auth, boundHost: settings.host, allowedHosts: settings.allowedHosts, allowedOrigins: settings.allowedOrigins,
    readAuth: settings.readAuth, publicPaths: new Set(PAGE_PATHS),
  }));
  const ctx: DashboardContext = {
    nc: o.nc,
    js: jetstream(o.nc),
    jsm: await jetstreamManager(o.nc),
    topo: o.topo,
    log: o.log,
    settings,
    env: o.env ?? process.env,
    token: o.token,
    requireAuth: auth.requireAuth,
    callerOf: auth.callerOf,
    rolesOf: auth.rolesOf,
    isPerson: auth.isPerson,
  };
  for (const [, load] of PLUGINS) await app.register(await load() as never, { ctx });
  return { app, ctx };
}
