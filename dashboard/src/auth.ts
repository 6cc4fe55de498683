import { timingSafeEqual, createHash } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

/** A preHandler that answers 401 unless the request carries `Authorization: Bearer <token>`. */
export function bearerAuth(token: string) {
  const expected = digest(token);
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const header = req.headers.authorization ?? "";
    const m = /^Bearer\s+(.+)$/i.exec(header);
    // Compare digests so the comparison time does not depend on where the strings differ.
    if (!m || !timingSafeEqual(digest(m[1]!.trim()), expected)) {
      reply.header("www-authenticate", 'Bearer realm="secops"');
      await reply.code(401).send({
        error: "unauthorized",
        message: "write endpoints need 'Authorization: Bearer <token>'; the token is DASHBOARD_TOKEN, or the one `npm start` wrote to data/dashboard-token",
      });
    }
  };
}

/** Who made an authenticated request: the X-Secops-User header when given, else "api". */
export function callerOf(req: FastifyRequest): string {
  const v = req.headers["x-secops-user"];
  const user = (Array.isArray(v) ? v[0] : v)?.trim();
  return user && /^[\w.@-]{1,128}$/.test(user) ? user : "api";
}
