// Incidents on the dashboard: read from the feed's index (which follows alerts.incidents), and
// merged or split by hand. A write changes the KV record with compare-and-set through the same
// operations the correlator uses, then publishes the new versions on alerts.incidents.
import type { FastifyInstance } from "fastify";
import { IncidentOpError, mergeStored, openIncidentStore, publishIncident, splitStored } from "@secops/agents/correlator";
import type { IncidentStore } from "@secops/agents/correlator";
import type { DashboardContext } from "../context.js";
import type { Feed } from "./feed.js";
import { parseLimit, QueryError } from "../feed/query.js";

const INCIDENT_ID = /^inc-[0-9a-f]{16,32}$/;
const OP_STATUS: Record<IncidentOpError["code"], number> = { not_found: 404, invalid: 409, conflict: 409 };

const mergeSchema = {
  body: {
    type: "object", additionalProperties: false, required: ["incidents"],
    properties: { incidents: { type: "array", minItems: 1, maxItems: 50, items: { type: "string", pattern: INCIDENT_ID.source } }, by: { type: "string", minLength: 1, maxLength: 128 } },
  },
} as const;
const splitSchema = {
  body: {
    type: "object", additionalProperties: false, required: ["alertIds"],
    properties: { alertIds: { type: "array", minItems: 1, maxItems: 1000, items: { type: "string", pattern: "^[A-Za-z0-9._:-]{1,128}$" } }, by: { type: "string", minLength: 1, maxLength: 128 } },
  },
} as const;

export function registerIncidentRoutes(app: FastifyInstance, ctx: DashboardContext, feed: Feed): void {
  let store: Promise<IncidentStore> | null = null;
  const storeOf = () => (store ??= openIncidentStore(ctx.nc, ctx.topo).catch((e: unknown) => {
    store = null;
    throw e;
  }));

  app.get("/api/incidents", async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    try {
      const items = feed.index.incidents({ limit: parseLimit(q.limit, 100, 1000), includeMerged: q.all === "true" });
      // The list needs no timeline: the detail route has it.
      return { items: items.map(({ timeline: _t, ...rest }) => rest) };
    } catch (e) {
      if (e instanceof QueryError) return reply.code(400).send({ error: "bad_request", message: e.message });
      throw e;
    }
  });

  app.get<{ Params: { id: string } }>("/api/incidents/:id", async (req, reply) => {
    const { id } = req.params;
    if (!INCIDENT_ID.test(id)) return reply.code(400).send({ error: "bad_request", message: "incident id: expected inc- followed by 16 to 32 hex digits" });
    const inc = feed.index.incident(id);
    if (!inc) return reply.code(404).send({ error: "not_found", message: `no incident ${id} in the dashboard's window` });
    return { incident: inc, alerts: inc.alerts.map((a) => feed.index.get(a.alertId)?.summary ?? null) };
  });

  const write = async (reply: import("fastify").FastifyReply, run: (s: IncidentStore) => Promise<import("@secops/contracts").Incident[]>) => {
    try {
      const changed = await run(await storeOf());
      for (const inc of changed) {
        await publishIncident(ctx.js, ctx.topo, inc);
        feed.index.applyIncident(inc);
      }
      return { incidents: changed };
    } catch (e) {
      if (e instanceof IncidentOpError) return reply.code(OP_STATUS[e.code]).send({ error: e.code, message: e.message });
      throw e;
    }
  };

  /** POST /api/incidents/:id/merge {incidents: [ids]}: their alerts move into :id. */
  app.post<{ Params: { id: string }; Body: { incidents: string[]; by?: string } }>("/api/incidents/:id/merge", { preHandler: ctx.requireAuth, schema: mergeSchema }, async (req, reply) => {
    if (!INCIDENT_ID.test(req.params.id)) return reply.code(400).send({ error: "bad_request", message: "incident id: expected inc- followed by 16 to 32 hex digits" });
    const caller = ctx.callerOf(req);
    const by = caller !== "api" ? caller : req.body.by?.trim() || "api";
    return write(reply, (s) => mergeStored(s, req.params.id, req.body.incidents, by));
  });

  /** POST /api/incidents/:id/split {alertIds: [...]}: those alerts leave for a new incident. */
  app.post<{ Params: { id: string }; Body: { alertIds: string[]; by?: string } }>("/api/incidents/:id/split", { preHandler: ctx.requireAuth, schema: splitSchema }, async (req, reply) => {
    if (!INCIDENT_ID.test(req.params.id)) return reply.code(400).send({ error: "bad_request", message: "incident id: expected inc- followed by 16 to 32 hex digits" });
    const caller = ctx.callerOf(req);
    const by = caller !== "api" ? caller : req.body.by?.trim() || "api";
    return write(reply, (s) => splitStored(s, req.params.id, req.body.alertIds, by));
  });
}
