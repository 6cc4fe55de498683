import { z } from "zod";
import { defineConnector } from "./types.js";
import { ConnectorError, httpCall, joinUrl } from "./http.js";

const PRIORITY = { low: "Low", medium: "Medium", high: "High", critical: "Highest" } as const;

/**
 * Jira (REST v2). Jira has no idempotency key, so every issue carries a label made from the
 * action id and a retried action first searches for it instead of opening a second issue.
 */
export const jira = defineConnector({
  name: "jira",
  enabledBy: "JIRA_URL",
  env: {
    JIRA_URL: z.url({ error: "expected the Jira base URL, e.g. https://example.atlassian.net" }),
    JIRA_EMAIL: z.string({ error: "required with JIRA_URL: the account e-mail for basic auth" }).min(1),
    JIRA_API_TOKEN: z.string({ error: "required with JIRA_URL: an API token of that account" }).min(1),
    JIRA_PROJECT_KEY: z.string({ error: "required with JIRA_URL: the project key, e.g. SEC" }).regex(/^[A-Z][A-Z0-9_]{0,31}$/, "expected a Jira project key such as SEC"),
    JIRA_ISSUE_TYPE: z.string().min(1).default("Task"),
    JIRA_CLOSE_TRANSITION_ID: z.string().regex(/^\d+$/, "expected the numeric id of the workflow transition that closes an issue").optional(),
  },
  create(cfg, deps) {
    const auth = `Basic ${Buffer.from(`${cfg.JIRA_EMAIL}:${cfg.JIRA_API_TOKEN}`).toString("base64")}`;
    const call = (method: "GET" | "POST", path: string, body?: unknown) =>
      httpCall({ connector: "jira", method, url: joinUrl(cfg.JIRA_URL, path), timeoutMs: deps.timeoutMs, headers: { authorization: auth }, body });
    return {
      name: "jira",
      actions: ["CREATE_TICKET"],
      async perform(req) {
        if (req.parameters.action !== "CREATE_TICKET") throw new Error("jira handles CREATE_TICKET only");
        const p = req.parameters;
        const label = `secops-action-${req.actionId.slice(0, 32)}`;
        const found = await call("GET", `/rest/api/2/search?jql=${encodeURIComponent(`labels = "${label}"`)}&maxResults=1&fields=key`);
        const existing = found.json<{ issues?: { key?: string }[] }>().issues?.[0]?.key;
        if (existing) return { ref: { jiraKey: existing }, summary: `Jira issue ${existing} (already created for this action)` };
        const res = await call("POST", "/rest/api/2/issue", {
          fields: {
            project: { key: cfg.JIRA_PROJECT_KEY },
            issuetype: { name: cfg.JIRA_ISSUE_TYPE },
            summary: p.title.replace(/[\r\n]+/g, " ").slice(0, 255),
            description: `${p.description}\n\nAlert: ${req.alertId}\nSecOps ticket: ${req.localRef}\nAffected: ${p.assets.join(", ") || "-"}`,
            priority: { name: PRIORITY[p.priority] },
            labels: ["secops", label],
          },
        });
        const key = res.json<{ key?: unknown }>().key;
        if (typeof key !== "string") throw new ConnectorError("jira: the issue was created but the answer has no key", false);
        return { ref: { jiraKey: key }, summary: `Jira issue ${key}` };
      },
      async undo(ref) {
        // Closing needs the id of a transition of the project's workflow; without it the issue stays for a person to close.
        if (!cfg.JIRA_CLOSE_TRANSITION_ID || typeof ref.jiraKey !== "string") return;
        await call("POST", `/rest/api/2/issue/${encodeURIComponent(ref.jiraKey)}/transitions`, { transition: { id: cfg.JIRA_CLOSE_TRANSITION_ID } });
      },
    };
  },
});
