// What the responder did: the local records of every action, the ledger, and undo. Records are
// read from the shared state; an undo is asked of the responder, which holds the connectors.
import type { FastifyInstance } from "fastify";
import type { z } from "zod";
import {
  BlockRecord, ClosureRecord, IsolationRecord, LedgerEntry, ReviewRecord, SuppressionRecord, TicketRecord,
  UndoError, listRecords, openStateBuckets, readRecord, requestUndo, type StateBuckets,
} from "@secops/agents/state";
import type { PluginOptions } from "../context.js";

const UNDO_STATUS: Record<UndoError["code"], number> = { unknown: 404, not_undoable: 409, busy: 409, failed: 502, unavailable: 503 };

const undoSchema = {
  body: { type: ["object", "null"], additionalProperties: false, properties: { by: { type: "string", minLength: 1, maxLength: 128 } } },
} as const;

export default async function actions(app: FastifyInstance, { ctx }: PluginOptions): Promise<void> {
  const b = await openStateBuckets(ctx.nc, ctx.topo);

  const list = <T extends object>(path: string, kv: StateBuckets[keyof StateBuckets], schema: z.ZodType<T>, sortBy: keyof T & string) =>
    app.get(path, async () => {
      const items = (await listRecords(kv, schema)).map((e) => e.value as T & Record<string, unknown>);
      return { items: items.sort((x, y) => String(y[sortBy] ?? "").localeCompare(String(x[sortBy] ?? ""))) };
    });
  list("/api/tickets", b.tickets, TicketRecord, "created");
  list("/api/isolations", b.isolations, IsolationRecord, "isolatedAt");
  list("/api/closures", b.closures, ClosureRecord, "closedAt");
  list("/api/reviews", b.reviews, ReviewRecord, "createdAt");
  list("/api/suppressions", b.suppressions, SuppressionRecord, "createdAt");

  app.get<{ Querystring: { all?: string } }>("/api/blocklist", async (req) => {
    const now = Date.now();
    const items = (await listRecords(b.blocklist, BlockRecord)).map((e) => ({ ...e.value, active: Date.parse(e.value.expiresAt) > now }));
    // Expired entries linger until the sweep deletes them; show them only when asked.
    return { items: req.query.all === "true" ? items : items.filter((i) => i.active) };
  });

  app.get<{ Params: { actionId: string } }>("/api/ledger/:actionId", async (req, reply) => {
    const id = req.params.actionId;
    const entry = /^[-/_=.a-zA-Z0-9]{1,256}$/.test(id) ? await readRecord(b.ledger, id, LedgerEntry) : null;
    if (!entry) return reply.code(404).send({ error: "not_found", message: `no action has the id ${id.slice(0, 80)}` });
    return entry.value;
  });

  app.post<{ Params: { actionId: string }; Body: { by?: string } | null }>("/api/actions/:actionId/undo", { preHandler: ctx.requireAuth, schema: undoSchema }, async (req, reply) => {
    const caller = ctx.callerOf(req);
    const by = caller !== "api" ? caller : req.body?.by?.trim() || "api";
    try {
      const r = await requestUndo(ctx.nc, ctx.topo, { actionId: req.params.actionId, by });
      return { actionId: req.params.actionId, undoActionId: r.undoActionId, status: r.status, summary: r.execution.summary, by };
    } catch (e) {
      if (e instanceof UndoError) return reply.code(UNDO_STATUS[e.code]).send({ error: e.code, message: e.message });
      throw e;
    }
  });
}
