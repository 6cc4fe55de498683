import type { NatsConnection } from "@nats-io/transport-node";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { Topology } from "@secops/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";

/**
 * What every dashboard plugin receives. Plugins live in src/plugins/, one concern each
 * (ingest, feed, approvals, actions, edl), and are registered once in src/server.ts.
 */
export interface DashboardContext {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  topo: Topology;
  log: Logger;
  /** Environment the server was started with (already validated). */
  env: NodeJS.ProcessEnv;
  /** The bearer token write endpoints require. */
  token: string;
  /** A preHandler for write routes: 401 without `Authorization: Bearer <token>`. */
  requireAuth: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Identity of the caller of an authenticated request: the token's person (DASHBOARD_USERS), else the X-Secops-User header, else "api". */
  callerOf: (req: FastifyRequest) => string;
  /** Roles of the caller's token (DASHBOARD_USERS); null means roles are not configured. */
  rolesOf?: (req: FastifyRequest) => string[] | null;
  /** True when the caller holds a per-person token (DASHBOARD_USERS); absent or false: the shared token. */
  isPerson?: (req: FastifyRequest) => boolean;
}

export interface PluginOptions {
  ctx: DashboardContext;
}
