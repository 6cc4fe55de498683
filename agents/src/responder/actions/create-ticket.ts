import type { KV } from "@nats-io/kv";
import { createJson, getJson, mutateJson } from "../../state/kv.js";
import { TicketRecord } from "../../state/records.js";
import type { ActionModule } from "./types.js";
import { recordIdFor } from "../../shared/ids.js";

export const createTicket: ActionModule<"CREATE_TICKET"> = {
  action: "CREATE_TICKET",
  // One ticket per activity: the fingerprint alone identifies it.
  target: () => null,
  describe: (p) => `open a ${p.priority} ticket "${p.title}"`,
  async apply(p, ctx) {
    const id = recordIdFor("TKT", ctx.actionId);
    const record: TicketRecord = {
      id, status: "open", title: p.title, priority: p.priority, description: p.description, assets: p.assets,
      alertId: ctx.msg.alertId, actionId: ctx.actionId, created: ctx.now.toISOString(), closedAt: null, closedBy: null,
    };
    // A retry after a crash finds the ticket it already opened.
    const rev = await createJson(ctx.buckets.tickets, id, record);
    const stored = rev === null ? (await getJson(ctx.buckets.tickets, id, TicketRecord))?.value ?? record : record;
    return {
      connector: "kv:tickets", localRef: id,
      summary: `ticket ${id} opened (${p.priority}): ${p.title}`,
      details: { ticketId: id, status: stored.status, priority: p.priority },
      compensation: { kind: "close_ticket", description: `close ticket ${id}`, ref: { ticketId: id } },
    };
  },
  async compensate(c, ctx) {
    const id = String(c.ref.ticketId);
    await closeTicket(ctx.buckets.tickets, id, ctx.by, ctx.now);
    return `ticket ${id} closed`;
  },
};

export async function closeTicket(kv: KV, id: string, by: string, now: Date): Promise<TicketRecord | null> {
  const r = await mutateJson<TicketRecord>(kv, id, TicketRecord, (t) => (t.status === "closed" ? undefined : { ...t, status: "closed", closedAt: now.toISOString(), closedBy: by }));
  return r?.value ?? null;
}
