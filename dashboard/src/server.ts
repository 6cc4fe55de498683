import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import websocket from "@fastify/websocket";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Topology } from "@secops/contracts";
import type { Logger } from "pino";
import type { DashboardUser } from "@secops/agents/runtime";
import { dashboardSettings, type DashboardContext } from "./context.js";
import { createAuth, createSiteGuard } from "./auth.js";
import { dashboardEnv, parseEnv } from "@secops/agents/runtime";
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
  bodyLimit?: number;
}

/** Builds the dashboard app: websocket support, the shared context, then every plugin. */
export async function buildDashboard(o: DashboardServerOptions): Promise<{ app: FastifyInstance; ctx: DashboardContext }> {
  const app = Fastify({ loggerInstance: o.log as FastifyBaseLogger, bodyLimit: o.bodyLimit ?? 5 * 1024 * 1024, trustProxy: false });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  const auth = createAuth(o.token, o.users);
  // Before anything else, and before any body is read: Host, Origin, then the token (auth.ts).
  const site = parseEnv(dashboardEnv, o.env ?? process.env);
  if (site.DASHBOARD_READ_AUTH === "users" && !o.users?.size) throw new Error("DASHBOARD_READ_AUTH=users needs DASHBOARD_USERS (per-person tokens); use DASHBOARD_READ_AUTH=token for the shared token");
  const list = (v: string | undefined) => (v ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  app.addHook("onRequest", createSiteGuard({
    auth, boundHost: site.DASHBOARD_HOST, allowedHosts: list(site.DASHBOARD_ALLOWED_HOSTS), allowedOrigins: list(site.DASHBOARD_ALLOWED_ORIGINS),
    readAuth: site.DASHBOARD_READ_AUTH, publicPaths: new Set(PAGE_PATHS),
  }));
  const ctx: DashboardContext = {
    nc: o.nc,
    js: jetstream(o.nc),
    jsm: await jetstreamManager(o.nc),
    topo: o.topo,
    log: o.log,
    settings: dashboardSettings(o.env ?? process.env),
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
