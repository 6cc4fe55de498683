import { z } from "zod";
import { defineConnector } from "./types.js";
import { ConnectorError, httpCall } from "./http.js";

/** Slack's mrkdwn treats these as markup; alert-derived text must not ping @channel or fake links. */
function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Block Kit limits (api.slack.com/reference/block-kit/blocks): per message, per section, per header. */
export const SLACK_LIMITS = { blocksPerMessage: 50, sectionText: 3000, headerText: 150 } as const;

/** Lines joined into chunks of at most `max` characters; a longer line is cut, never dropped. */
export function chunkLines(lines: string[], max: number): string[] {
  const out: string[] = [];
  let cur = "";
  for (const line of lines.flatMap((l) => (l.length <= max ? [l] : Array.from({ length: Math.ceil(l.length / max) }, (_, i) => l.slice(i * max, (i + 1) * max))))) {
    if (!cur) cur = line;
    else if (cur.length + 1 + line.length <= max) cur += `\n${line}`;
    else {
      out.push(cur);
      cur = line;
    }
  }
  if (cur) out.push(cur);
  return out;
}

type Block = { type: string; text: { type: string; text: string } };
const section = (text: string): Block => ({ type: "section", text: { type: "mrkdwn", text } });

/** The review as Slack messages: sections of at most 3,000 characters, at most 50 blocks a message. */
export function slackMessages(o: { title: string; severity: string; alertId: string; reviewId: string; reason: string; questions: string[] }): { text: string; blocks: Block[] }[] {
  const title = escapeMrkdwn(o.title);
  const blocks: Block[] = [
    ...chunkLines([`*${title}*`, `Severity: ${o.severity} · Alert: \`${o.alertId}\` · Review: \`${o.reviewId}\``], SLACK_LIMITS.sectionText).map(section),
    ...chunkLines(`*Why:* ${escapeMrkdwn(o.reason)}`.split("\n"), SLACK_LIMITS.sectionText).map(section),
    ...chunkLines(o.questions.map((q) => `• ${escapeMrkdwn(q).replace(/\n/g, " ")}`), SLACK_LIMITS.sectionText).map(section),
  ];
  const per = SLACK_LIMITS.blocksPerMessage - 1; // one for the header
  const parts = Math.max(1, Math.ceil(blocks.length / per));
  return Array.from({ length: parts }, (_, i) => {
    const label = parts > 1 ? `Manual review needed (${i + 1}/${parts})` : "Manual review needed";
    return {
      text: `${label}: ${title} (${o.severity})`.slice(0, 3000),
      blocks: [{ type: "header", text: { type: "plain_text", text: label.slice(0, SLACK_LIMITS.headerText) } }, ...blocks.slice(i * per, (i + 1) * per)],
    };
  });
}

/** What Slack's documented webhook errors mean for the person configuring it. */
const SLACK_ERRORS: Record<string, string> = {
  no_service: "the webhook is disabled, removed or the URL is wrong",
  invalid_token: "the webhook's token is no longer valid",
  action_prohibited: "a workspace admin restricted posting through this webhook",
  channel_not_found: "the webhook's channel no longer exists",
  channel_is_archived: "the webhook's channel is archived",
  no_active_hooks: "the app's incoming webhooks are turned off",
};

/**
 * Slack incoming webhook (Mattermost/Rocket.Chat-compatible) for the manual review queue. A
 * webhook has no lookup, so a retry resends; the responder retries only connectors that have not
 * succeeded, and the message names the review id. Nothing to undo: it is a notification.
 */
export const slack = defineConnector({
  name: "slack",
  enabledBy: "SLACK_WEBHOOK_URL",
  env: { SLACK_WEBHOOK_URL: z.url({ error: "expected the incoming webhook URL" }) },
  create(cfg, deps) {
    const post = async (body: unknown) => {
      try {
        return await httpCall({ connector: "slack", method: "POST", url: cfg.SLACK_WEBHOOK_URL, timeoutMs: deps.timeoutMs, body });
      } catch (e) {
        const code = e instanceof ConnectorError ? e.http?.body.trim() : undefined;
        if (code && SLACK_ERRORS[code]) throw new ConnectorError(`slack: ${code}: ${SLACK_ERRORS[code]}`, false, (e as ConnectorError).http);
        throw e;
      }
    };
    return {
      name: "slack",
      actions: ["MANUAL_REVIEW"],
      async perform(req) {
        if (req.parameters.action !== "MANUAL_REVIEW") throw new Error("slack handles MANUAL_REVIEW only");
        const p = req.parameters;
        const messages = slackMessages({ title: req.alert.title, severity: req.alert.severity, alertId: req.alertId, reviewId: req.localRef, reason: p.reason, questions: p.questions });
        for (const m of messages) await post(m);
        return { ref: {}, summary: `review notification sent to Slack${messages.length > 1 ? ` in ${messages.length} messages` : ""}` };
      },
      async check() {
        // An empty payload posts nothing: a live webhook answers 400 no_text; a dead one no_service, invalid_token...
        try {
          await post({});
        } catch (e) {
          if (e instanceof ConnectorError && e.http?.status === 400 && e.http.body.trim() === "no_text") return "reachable and live (an empty probe was refused with no_text, as expected; nothing posted)";
          throw e;
        }
        return "reachable; the endpoint accepted an empty probe (not Slack's behaviour: is this a Slack-compatible server?)";
      },
    };
  },
});
