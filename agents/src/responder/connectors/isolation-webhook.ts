import { z } from "zod";
import { defineConnector } from "./types.js";
import { postSigned } from "./signed-webhook.js";
import { validHostname } from "../targets.js";

export const isolationWebhook = defineConnector({
  name: "webhook:isolation",
  enabledBy: "ISOLATION_WEBHOOK_URL",
  env: {
    ISOLATION_WEBHOOK_URL: z.url({ error: "expected an http(s) URL" }),
    ISOLATION_WEBHOOK_SECRET: z.string({ error: "required with ISOLATION_WEBHOOK_URL: the HMAC secret receivers verify" }).min(16, "expected at least 16 characters"),
  },
  create(cfg, deps) {
    const send = (actionId: string, payload: unknown) =>
      postSigned({ connector: "webhook:isolation", url: cfg.ISOLATION_WEBHOOK_URL, secret: cfg.ISOLATION_WEBHOOK_SECRET, timeoutMs: deps.timeoutMs, actionId, payload });
    return {
      name: "webhook:isolation",
      actions: ["ISOLATE_HOST"],
      async perform(req) {
        if (req.parameters.action !== "ISOLATE_HOST") throw new Error("webhook:isolation handles ISOLATE_HOST only");
        const host = validHostname(req.parameters.host);
        await send(req.actionId, { event: "host.isolate", actionId: req.actionId, alertId: req.alertId, host, ip: req.parameters.ip, reason: req.parameters.reason });
        return { ref: { host }, summary: `isolation of ${host} sent to the isolation webhook` };
      },
      async undo(ref, ctx) {
        await send(`undo-${ctx.actionId}`, { event: "host.release", actionId: ctx.actionId, host: ref.host, by: ctx.by });
      },
    };
  },
});
