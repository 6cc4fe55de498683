import type { NatsConnection } from "@nats-io/transport-node";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { Topology } from "@secops/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { dashboardEnv, parseEnv } from "@secops/agents/runtime";
import { CidrList } from "@secops/agents/network";

/** The validated configuration values the server and the plugins use (a bad value stops the process at start). */
export interface DashboardSettings {
  /** Body limit of POST /ingest (INGEST_MAX_BYTES). */
  ingestMaxBytes: number;
  /** Alerts kept in memory (DASHBOARD_MAX_ALERTS). */
  maxAlerts: number;
  /** Extra internal CIDRs for the normalizer (INTERNAL_RANGES). */
  internalRanges: string[];
  /** How much of the stream the feed reads at start (DASHBOARD_HISTORY_HOURS, DASHBOARD_HISTORY_MAX; 0 = no bound). */
  history?: { hours: number; maxMessages: number };
  /** The host the server is bound to (DASHBOARD_HOST); its name is always an accepted Host. */
  host: string;
  /** Further Host header names (DASHBOARD_ALLOWED_HOSTS) and origins (DASHBOARD_ALLOWED_ORIGINS) accepted. */
  allowedHosts: string[];
  allowedOrigins: string[];
  /** Whether reading needs a token too (DASHBOARD_READ_AUTH). */
  readAuth: "off" | "token" | "users";
}

/** The variables the settings come from: dashboardEnv, and INTERNAL_RANGES read as CIDR ranges. */
export const settingsEnv = { ...dashboardEnv, INTERNAL_RANGES: CidrList };
type SettingsConfig = ReturnType<typeof parseEnv<typeof settingsEnv>>;

const list = (v: string | undefined) => (v ?? "").split(",").map((s) => s.trim()).filter(Boolean);

/** The settings from configuration already validated by dashboardEnv (main.ts parses it once, at start). */
export function settingsFrom(c: Pick<SettingsConfig, keyof typeof settingsEnv>): DashboardSettings {
  return {
    ingestMaxBytes: c.INGEST_MAX_BYTES,
    maxAlerts: c.DASHBOARD_MAX_ALERTS,
    internalRanges: [...c.INTERNAL_RANGES],
    host: c.DASHBOARD_HOST,
    allowedHosts: list(c.DASHBOARD_ALLOWED_HOSTS),
    allowedOrigins: list(c.DASHBOARD_ALLOWED_ORIGINS),
    readAuth: c.DASHBOARD_READ_AUTH,
    history: { hours: c.DASHBOARD_HISTORY_HOURS, maxMessages: c.DASHBOARD_HISTORY_MAX },
  };
}

/** Reads the settings through the same schemas the agents use; throws a ConfigError naming the variable. */
export function dashboardSettings(env: NodeJS.ProcessEnv): DashboardSettings {
  return settingsFrom(parseEnv(settingsEnv, env));
}

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
  settings: DashboardSettings;
  /** The environment, only for where the dashboard's signing key is (agents/src/trust/signing.ts). */
  env?: NodeJS.ProcessEnv;
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
