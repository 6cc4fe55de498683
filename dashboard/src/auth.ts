import { timingSafeEqual, createHash } from "node:crypto";
import { hostname, networkInterfaces } from "node:os";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { DashboardUser } from "@secops/agents/runtime";

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

export interface DashboardAuth {
  requireAuth: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  callerOf: (req: FastifyRequest) => string;
  /** The roles the caller's token holds; null when roles are not configured (any role). */
  rolesOf: (req: FastifyRequest) => string[] | null;
  /** True when the caller holds a per-person token (DASHBOARD_USERS): the name is who they are, not what they typed. */
  isPerson: (req: FastifyRequest) => boolean;
}

/**
 * Bearer-token authentication for write endpoints.
 *
 * With only the shared token (DASHBOARD_TOKEN), callers name themselves with X-Secops-User.
 * With per-person tokens (DASHBOARD_USERS), only those tokens are accepted and the caller is
 * whoever the token belongs to, whatever a header or body says: two-person approvals then
 * really take two people.
 */
export function createAuth(sharedToken: string, users?: Map<string, DashboardUser>): DashboardAuth {
  const accepted: { digest: Buffer; user: DashboardUser | null }[] = users?.size
    ? [...users].map(([token, user]) => ({ digest: digest(token), user }))
    : [{ digest: digest(sharedToken), user: null }];
  const verified = new WeakMap<FastifyRequest, DashboardUser>();

  const requireAuth = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    // Stryker disable next-line Regex,StringLiteral: equivalent: (.+) runs to the end anyway, the token is trimmed, and no fallback text starts with Bearer
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "");
    const given = m ? digest(m[1]!.trim()) : null;
    // Compare digests so the time taken does not depend on where the strings differ.
    const match = given ? accepted.find((a) => timingSafeEqual(given, a.digest)) : undefined;
    if (!match) {
      reply.header("www-authenticate", 'Bearer realm="secops"');
      await reply.code(401).send({
        error: "unauthorized",
        message: users?.size
          ? "write endpoints need 'Authorization: Bearer <your token>' from DASHBOARD_USERS"
          : "write endpoints need 'Authorization: Bearer <token>'; the token is DASHBOARD_TOKEN, or the one `npm start` wrote to data/dashboard-token",
      });
      return;
    }
    if (match.user) verified.set(req, match.user);
  };

  const callerOf = (req: FastifyRequest): string => {
    const user = verified.get(req);
    if (user) return user.name;
    if (users?.size) return "api";
    const v = req.headers["x-secops-user"];
    const named = (Array.isArray(v) ? v[0] : v)?.trim();
    return named && /^[\w.@-]{1,128}$/.test(named) ? named : "api";
  };

  const rolesOf = (req: FastifyRequest): string[] | null => verified.get(req)?.roles ?? null;

  const isPerson = (req: FastifyRequest): boolean => verified.has(req);

  return { requireAuth, callerOf, rolesOf, isPerson };
}

/**
 * Closes the dashboard to other sites. Runs as fastify's first hook (onRequest), before any
 * body is read:
 *  - Host allowlist: the bound host, localhost and DASHBOARD_ALLOWED_HOSTS, so a DNS-rebinding
 *    page (evil.example resolving to 127.0.0.1) gets 421 for every route;
 *  - Origin allowlist on the websocket, the API and every write: the dashboard's own origin plus
 *    DASHBOARD_ALLOWED_ORIGINS ("null" and other sites get 403);
 *  - writes authenticate here, so a 4 MB body without a token is never parsed;
 *  - DASHBOARD_READ_AUTH=token|users also closes /api, /ws and /edl to callers without a token
 *    (the websocket takes it as ?access_token=, as browsers cannot set its headers).
 * Every response carries nosniff.
 */
export interface SiteGuardOptions {
  auth: DashboardAuth;
  boundHost: string;
  allowedHosts: string[];
  allowedOrigins: string[];
  readAuth: "off" | "token" | "users";
  /** Paths that are public whatever DASHBOARD_READ_AUTH says (the page itself: it holds no data). */
  publicPaths: Set<string>;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function hostnameOf(hostHeader: string | undefined): string | null {
  // Stryker disable next-line ConditionalExpression: equivalent: without it the host is "undefined", which no allowlist holds, so still 421
  if (!hostHeader) return null;
  try {
    return new URL(`http://${hostHeader}`).hostname.toLowerCase();
  // Stryker disable next-line BlockStatement: equivalent: the guard treats undefined like null (421)
  } catch {
    return null;
  }
}

export function localHostnames(boundHost: string): Set<string> {
  const hosts = new Set(["localhost", "127.0.0.1", "[::1]"]);
  const b = boundHost.toLowerCase();
  if (b === "0.0.0.0" || b === "::" || b === "[::]") {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) hosts.add(a.family === "IPv6" ? `[${a.address.toLowerCase()}]` : a.address);
    hosts.add(hostname().toLowerCase());
  } else {
    hosts.add(b.includes(":") && !b.startsWith("[") ? `[${b}]` : b);
  }
  return hosts;
}

export function createSiteGuard(o: SiteGuardOptions): (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const hosts = localHostnames(o.boundHost);
  for (const h of o.allowedHosts) hosts.add(h.toLowerCase());
  const origins = new Set(o.allowedOrigins.map((s) => s.replace(/\/+$/, "").toLowerCase()));
  return async (req, reply) => {
    reply.header("x-content-type-options", "nosniff");
    const host = hostnameOf(req.headers.host);
    if (!host || !hosts.has(host)) {
      // Returning the reply stops fastify here: nothing else runs, no body is read.
      return reply.code(421).send({ error: "misdirected_request", message: `this dashboard does not answer to the host ${JSON.stringify(String(req.headers.host ?? "").slice(0, 100))}; add it to DASHBOARD_ALLOWED_HOSTS if it is really this server` });
    }
    const path = req.url.split("?")[0]!;
    const sensitive = !SAFE_METHODS.has(req.method) || path === "/ws" || path.startsWith("/api/") || path.startsWith("/ingest");
    const origin = req.headers.origin;
    if (sensitive && origin !== undefined) {
      const o2 = origin.toLowerCase();
      const same = o2 === `http://${String(req.headers.host).toLowerCase()}` || o2 === `https://${String(req.headers.host).toLowerCase()}`;
      if (!same && !origins.has(o2)) {
        return reply.code(403).send({ error: "forbidden_origin", message: `requests from the origin ${JSON.stringify(origin.slice(0, 100))} are refused; add it to DASHBOARD_ALLOWED_ORIGINS to allow it` });
      }
    }
    if (!SAFE_METHODS.has(req.method)) {
      await o.auth.requireAuth(req, reply);
      return reply.sent ? reply : undefined;
    }
    if (o.readAuth !== "off" && !o.publicPaths.has(path) && req.method !== "OPTIONS") {
      const q = /[?&]access_token=([^&]+)/.exec(req.url);
      if (q && !req.headers.authorization) req.headers.authorization = `Bearer ${decodeURIComponent(q[1]!)}`;
      await o.auth.requireAuth(req, reply);
      return reply.sent ? reply : undefined;
    }
    return undefined;
  };
}
