import { z } from "zod";
import type { ConnectorRequest } from "./types.js";
import { defineConnector } from "./types.js";
import { ConnectorError, httpCall } from "./http.js";

/**
 * Teams renders a Markdown subset in TextBlock and FactSet text. Alert-derived text is escaped so
 * that it stays text: no links, emphasis, headings or lists made from an attacker's alert.
 */
export function escapeTeamsMarkdown(s: string): string {
  return s
    .replace(/[\\`*_[\]()~<>#|]/g, (c) => `\\${c}`)
    .replace(/^(\s*)([-+]|\d+\.)(?=\s)/gm, (_m, sp: string, marker: string) => `${sp}\\${marker}`);
}

const text = (t: string, extra: Record<string, unknown> = {}) => ({ type: "TextBlock", text: t, wrap: true, ...extra });

/**
 * The Workflows ("Post to a channel when a webhook request is received") message: an Adaptive
 * Card 1.4 in a message attachment. 1.4 because Teams' flow bot refuses newer schema versions.
 */
export function adaptiveCardMessage(req: ConnectorRequest, questions: string[], reason: string) {
  const urgent = req.alert.severity === "critical" || req.alert.severity === "high";
  return {
    type: "message",
    attachments: [{
      contentType: "application/vnd.microsoft.card.adaptive",
      contentUrl: null,
      content: {
        $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
        type: "AdaptiveCard",
        version: "1.4",
        msteams: { width: "Full" },
        body: [
          text("Manual review needed", { size: "Large", weight: "Bolder", color: urgent ? "Attention" : "Warning" }),
          text(escapeTeamsMarkdown(req.alert.title), { weight: "Bolder" }),
          {
            type: "FactSet",
            facts: [
              { title: "Severity", value: req.alert.severity },
              { title: "Alert", value: escapeTeamsMarkdown(req.alertId) },
              { title: "Review", value: escapeTeamsMarkdown(req.localRef) },
              { title: "Why", value: escapeTeamsMarkdown(reason) },
            ],
          },
          ...(questions.length
            ? [text("Questions", { weight: "Bolder", spacing: "Medium" }), ...questions.map((q, i) => text(`${i + 1}\\. ${escapeTeamsMarkdown(q)}`, { spacing: "Small" }))]
            : []),
        ],
      },
    }],
  };
}

/** The retired Office 365 connector MessageCard, for TEAMS_FORMAT=messagecard. */
function messageCard(req: ConnectorRequest, questions: string[], reason: string) {
  return {
    "@type": "MessageCard",
    "@context": "https://schema.org/extensions",
    summary: "Manual review needed",
    themeColor: req.alert.severity === "critical" || req.alert.severity === "high" ? "D13438" : "FFB900",
    title: `Manual review needed: ${escapeTeamsMarkdown(req.alert.title)}`,
    sections: [
      { facts: [{ name: "Severity", value: req.alert.severity }, { name: "Alert", value: req.alertId }, { name: "Review", value: req.localRef }, { name: "Why", value: escapeTeamsMarkdown(reason) }] },
      ...(questions.length ? [{ title: "Questions", facts: questions.map((q, i) => ({ name: `${i + 1}`, value: escapeTeamsMarkdown(q) })) }] : []),
    ],
  };
}

/**
 * Microsoft Teams, through a Workflows webhook (the Office 365 connectors it replaces are
 * retired). A webhook offers no lookup, so a retry cannot tell whether a card whose reply was
 * lost was posted: the responder retries only connectors that have not succeeded, and the card
 * names the review id so a repeat is recognisable. Nothing to undo: it is a notification.
 */
export const teams = defineConnector({
  name: "teams",
  enabledBy: "TEAMS_WEBHOOK_URL",
  env: {
    TEAMS_WEBHOOK_URL: z.url({ error: "expected the Workflows webhook URL (Teams channel > Workflows > \"Post to a channel when a webhook request is received\")" }),
    TEAMS_FORMAT: z.enum(["adaptivecard", "messagecard"], { error: "expected adaptivecard (Workflows webhooks) or messagecard (retired Office 365 connectors)" }).default("adaptivecard"),
  },
  create(cfg, deps) {
    const post = (body: unknown) => httpCall({ connector: "teams", method: "POST", url: cfg.TEAMS_WEBHOOK_URL, timeoutMs: deps.timeoutMs, body });
    return {
      name: "teams",
      actions: ["MANUAL_REVIEW"],
      async perform(req) {
        if (req.parameters.action !== "MANUAL_REVIEW") throw new Error("teams handles MANUAL_REVIEW only");
        const p = req.parameters;
        const body = cfg.TEAMS_FORMAT === "messagecard" ? messageCard(req, p.questions, p.reason) : adaptiveCardMessage(req, p.questions, p.reason);
        const res = await post(body);
        // Workflows accept with 202 and run the flow afterwards; the legacy connector answers 200 "1".
        return { ref: {}, summary: `review card sent to Teams (${cfg.TEAMS_FORMAT === "messagecard" ? "MessageCard" : `Adaptive Card 1.4, ${res.status} accepted`})` };
      },
      async check() {
        // An empty body posts nothing: a Workflows trigger refuses it (400, schema mismatch), the
        // legacy connector too ("Summary or Text is required"). Either answer proves the URL and its signature.
        try {
          const res = await post({});
          return `reachable; an empty probe was accepted (${res.status}) by a flow without a request schema; it has no attachments, so nothing was posted`;
        } catch (e) {
          if (e instanceof ConnectorError && e.http?.status === 400) {
            return `reachable and the URL's signature accepted (an empty probe was refused with 400, as expected; nothing posted); format ${cfg.TEAMS_FORMAT}`;
          }
          throw e;
        }
      },
    };
  },
});
