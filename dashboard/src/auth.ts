import { timingSafeEqual, createHash } from "node:crypto";
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

  return { requireAuth, callerOf, rolesOf };
}
