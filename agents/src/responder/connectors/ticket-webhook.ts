import { z } from "zod";
import { defineConnector } from "./types.js";
import { postSigned } from "./signed-webhook.js";

export const ticketWebhook = defineConnector({
  name: "webhook:ticket",
  enabledBy: "TICKET_WEBHOOK_URL",
  env: {
    TICKET_WEBHOOK_URL: z.url({ error: "expected an http(s) URL" }),
    TICKET_WEBHOOK_SECRET: z.string({ error: "required with TICKET_WEBHOOK_URL: the HMAC secret receivers verify" }).min(16, "expected at least 16 characters"),
  },
  create(cfg, deps) {
    const send = (actionId: string, payload: unknown) =>
      postSigned({ connector: "webhook:ticket", url: cfg.TICKET_WEBHOOK_URL, secret: cfg.TICKET_WEBHOOK_SECRET, timeoutMs: deps.timeoutMs, actionId, payload });
    return {
      name: "webhook:ticket",
      actions: ["CREATE_TICKET"],
      async perform(req) {
        if (req.parameters.action !== "CREATE_TICKET") throw new Error("webhook:ticket handles CREATE_TICKET only");
        const p = req.parameters;
        await send(req.actionId, {
          event: "ticket.create", actionId: req.actionId, alertId: req.alertId,
          ticket: { id: req.localRef, title: p.title, priority: p.priority, description: p.description, assets: p.assets },
          alert: req.alert,
        });
        return { ref: { ticketId: req.localRef }, summary: `ticket ${req.localRef} sent to the ticket webhook` };
      },
      async undo(ref, ctx) {
        await send(`undo-${ctx.actionId}`, { event: "ticket.close", actionId: ctx.actionId, ticketId: ref.ticketId, by: ctx.by });
      },
    };
  },
});
