// The trust state over HTTP (agents/src/trust): the kill switch, the last containment-limit hit
// and the security events (decisions refused for their signature). Reading is open like the rest
// of /api; pausing and resuming need the write token, and name who did it.
import type { FastifyInstance } from "fastify";
import { TrustState } from "@secops/agents/trust";
import type { PluginOptions } from "../context.js";

const body = {
  type: ["object", "null"],
  additionalProperties: false,
  properties: { by: { type: "string", minLength: 1, maxLength: 128 }, reason: { type: ["string", "null"], maxLength: 500 } },
} as const;

export default async function trust(app: FastifyInstance, { ctx }: PluginOptions): Promise<void> {
  const state = await TrustState.open(ctx.nc, ctx.topo);

  app.get("/api/trust", async () => {
    const [pause, limitHit, events] = await Promise.all([state.pause(), state.lastLimitHit(), state.events(20)]);
    return { pause, limitHit, events };
  });

  for (const verb of ["pause", "resume"] as const) {
    app.post<{ Body: { by?: string; reason?: string | null } | null }>(`/api/trust/${verb}`, { preHandler: ctx.requireAuth, schema: { body } }, async (req) => {
      const caller = ctx.callerOf(req);
      const by = caller !== "api" ? caller : req.body?.by?.trim() || "api";
      return { pause: await state.setPaused(verb === "pause", by, req.body?.reason ?? null) };
    });
  }
}
