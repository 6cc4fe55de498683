import { z } from "zod";
import { defineConnector } from "./types.js";
import { httpCall } from "./http.js";

/** Slack's mrkdwn treats these as markup; alert-derived text must not ping @channel or fake links. */
function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Slack (and Mattermost/Rocket.Chat-compatible) incoming webhook for the manual review queue. */
export const slack = defineConnector({
  name: "slack",
  enabledBy: "SLACK_WEBHOOK_URL",
  env: { SLACK_WEBHOOK_URL: z.url({ error: "expected the incoming webhook URL" }) },
  create(cfg, deps) {
    return {
      name: "slack",
      actions: ["MANUAL_REVIEW"],
      async perform(req) {
        if (req.parameters.action !== "MANUAL_REVIEW") throw new Error("slack handles MANUAL_REVIEW only");
        const p = req.parameters;
        const text = `Manual review needed: ${escapeMrkdwn(req.alert.title)} (${req.alert.severity})`;
        await httpCall({
          connector: "slack", method: "POST", url: cfg.SLACK_WEBHOOK_URL, timeoutMs: deps.timeoutMs,
          body: {
            text,
            blocks: [
              { type: "header", text: { type: "plain_text", text: "Manual review needed" } },
              { type: "section", text: { type: "mrkdwn", text: `*${escapeMrkdwn(req.alert.title)}*\nSeverity: ${req.alert.severity} · Alert: \`${req.alertId}\` · Review: \`${req.localRef}\`` } },
              { type: "section", text: { type: "mrkdwn", text: `*Why:* ${escapeMrkdwn(p.reason)}` } },
              ...(p.questions.length ? [{ type: "section", text: { type: "mrkdwn", text: p.questions.map((q) => `• ${escapeMrkdwn(q)}`).join("\n") } }] : []),
            ],
          },
        });
        return { ref: {}, summary: "review notification sent to Slack" };
      },
    };
  },
});
