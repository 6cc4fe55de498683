// What the responder did: the local records of every action, the ledger, and undo.
import type { FastifyInstance } from "fastify";
import { UndoError, createResponder, listRecords, type BlockRecord } from "@secops/agents/responder/index";
import type { PluginOptions } from "../context.js";

const UNDO_STATUS: Record<UndoError["code"], number> = { unknown: 404, not_undoable: 409, busy: 409, failed: 502 };

const undoSchema = {
  body: { type: ["object", "null"], additionalProperties: false, properties: { by: { type: "string", minLength: 1, maxLength: 128 } } },
} as const;

export default async function actions(app: FastifyInstance, { ctx }: PluginOptions): Promise<void> {
  const responder = await createResponder({ nc: ctx.nc, js: ctx.js, topo: ctx.topo, log: ctx.log, env: ctx.env, signAs: "dashboard" });
  const b = responder.buckets;

  const list = (path: string, kv: typeof b.tickets, sortBy: string) =>
    app.get(path, async () => {
      const items = (await listRecords<Record<string, unknown>>(kv)).map((e) => e.value);
      return { items: items.sort((x, y) => String(y[sortBy] ?? "").localeCompare(String(x[sortBy] ?? ""))) };
    });
  list("/api/tickets", b.tickets, "created");
  list("/api/isolations", b.isolations, "isolatedAt");
  list("/api/closures", b.closures, "closedAt");
  list("/api/reviews", b.reviews, "createdAt");
  list("/api/suppressions", b.suppressions, "createdAt");

  app.get<{ Querystring: { all?: string } }>("/api/blocklist", async (req) => {
    const now = Date.now();
    const items = (await listRecords<BlockRecord>(b.blocklist)).map((e) => ({ ...e.value, active: Date.parse(e.value.expiresAt) > now }));
    // Expired entries linger until the sweep deletes them; show them only when asked.
    return { items: req.query.all === "true" ? items : items.filter((i) => i.active) };
  });

  app.get<{ Params: { actionId: string } }>("/api/ledger/:actionId", async (req, reply) => {
    const id = req.params.actionId;
    const entry = /^[-/_=.a-zA-Z0-9]{1,256}$/.test(id) ? await responder.ledger.get(id) : null;
    if (!entry) return reply.code(404).send({ error: "not_found", message: `no action has the id ${id.slice(0, 80)}` });
    return entry.value;
  });

  app.post<{ Params: { actionId: string }; Body: { by?: string } | null }>("/api/actions/:actionId/undo", { preHandler: ctx.requireAuth, schema: undoSchema }, async (req, reply) => {
    const caller = ctx.callerOf(req);
    const by = caller !== "api" ? caller : req.body?.by?.trim() || "api";
    try {
      const r = await responder.undo(req.params.actionId, by);
      return { actionId: req.params.actionId, undoActionId: r.undoActionId, status: r.status, summary: r.execution.summary, by };
    } catch (e) {
      if (e instanceof UndoError) return reply.code(UNDO_STATUS[e.code]).send({ error: e.code, message: e.message });
      throw e;
    }
  });
}
