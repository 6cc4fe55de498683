import { z } from "zod";
import { defineConnector } from "./types.js";
import { httpCall } from "./http.js";

/** Microsoft Teams incoming webhook (Office 365 connector MessageCard) for the manual review queue. */
export const teams = defineConnector({
  name: "teams",
  enabledBy: "TEAMS_WEBHOOK_URL",
  env: { TEAMS_WEBHOOK_URL: z.url({ error: "expected the incoming webhook URL" }) },
  create(cfg, deps) {
    return {
      name: "teams",
      actions: ["MANUAL_REVIEW"],
      async perform(req) {
        if (req.parameters.action !== "MANUAL_REVIEW") throw new Error("teams handles MANUAL_REVIEW only");
        const p = req.parameters;
        await httpCall({
          connector: "teams", method: "POST", url: cfg.TEAMS_WEBHOOK_URL, timeoutMs: deps.timeoutMs,
          body: {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            summary: "Manual review needed",
            themeColor: req.alert.severity === "critical" || req.alert.severity === "high" ? "D13438" : "FFB900",
            title: `Manual review needed: ${req.alert.title}`,
            sections: [{
              facts: [
                { name: "Severity", value: req.alert.severity },
                { name: "Alert", value: req.alertId },
                { name: "Review", value: req.localRef },
                { name: "Why", value: p.reason },
              ],
              // Questions go in facts too: MessageCard text is rendered as markdown, facts are not.
            }, ...(p.questions.length ? [{ title: "Questions", facts: p.questions.map((q, i) => ({ name: `${i + 1}`, value: q })) }] : [])],
          },
        });
        return { ref: {}, summary: "review notification sent to Teams" };
      },
    };
  },
});
