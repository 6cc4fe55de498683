import { z } from "zod";
import { defineConnector } from "./types.js";
import { ConnectorError, errorBody, httpCall, joinUrl } from "./http.js";

const PRIORITY = { low: "Low", medium: "Medium", high: "High", critical: "Highest" } as const;

interface AdfNode {
  type: string;
  text?: string;
  content?: AdfNode[];
}
export interface AdfDoc {
  type: "doc";
  version: 1;
  content: AdfNode[];
}

/**
 * Plain text as an Atlassian Document Format document: one paragraph per blank-line-separated
 * block, hard breaks for single newlines. Text nodes carry the text as data, so nothing in it is
 * ever interpreted as markup (ADF has no markup to inject).
 */
export function adfDocument(text: string): AdfDoc {
  const blocks = text.split(/\n\s*\n/).map((b) => b.trim()).filter(Boolean);
  return {
    type: "doc",
    version: 1,
    content: blocks.map((b) => ({
      type: "paragraph",
      content: b.split("\n").flatMap((line, i): AdfNode[] => [...(i ? [{ type: "hardBreak" }] : []), ...(line ? [{ type: "text", text: line }] : [])]),
    })),
  };
}

/** The label that marks the issue of one action: Jira has no idempotency key, a label can be searched. */
export function actionLabel(actionId: string): string {
  return `secops-action-${actionId.slice(0, 32)}`;
}

interface JiraErrorBody {
  errorMessages?: string[];
  errors?: Record<string, string>;
}

/**
 * Jira Cloud, REST API v3 (`JIRA_API_VERSION=2` for the plain-text v2 API). Every issue carries
 * the action's label, and a retried action first searches for it (`/search/jql`; the old
 * `/search` is gone, CHANGE-2046) instead of opening a second issue. The search is eventually
 * consistent, so a retry within seconds of a create whose reply was lost can still miss it: the
 * check narrows that window, it cannot close it (Jira offers no idempotency key).
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
    JIRA_API_VERSION: z.enum(["3", "2"], { error: "expected 3 (Jira Cloud, ADF descriptions) or 2 (plain-text descriptions)" }).default("3"),
  },
  create(cfg, deps) {
    const auth = `Basic ${Buffer.from(`${cfg.JIRA_EMAIL}:${cfg.JIRA_API_TOKEN}`).toString("base64")}`;
    const v = cfg.JIRA_API_VERSION;
    const api = (path: string) => joinUrl(cfg.JIRA_URL, `/rest/api/${v}${path}`);
    const call = (method: "GET" | "POST", path: string, body?: unknown) =>
      httpCall({ connector: "jira", method, url: api(path), timeoutMs: deps.timeoutMs, headers: { authorization: auth }, body });
    const text = (s: string) => (v === "3" ? adfDocument(s) : s);

    /** Jira's 400/404 answers name the field; say which variable that is. */
    const explain = (e: unknown, doing: string): never => {
      if (!(e instanceof ConnectorError) || !e.http) throw e;
      const b = errorBody<JiraErrorBody>(e) ?? {};
      const hints: Record<string, string> = {
        project: `JIRA_PROJECT_KEY=${cfg.JIRA_PROJECT_KEY}: no such project, or ${cfg.JIRA_EMAIL} may not create issues in it`,
        issuetype: `JIRA_ISSUE_TYPE=${cfg.JIRA_ISSUE_TYPE}: not an issue type of project ${cfg.JIRA_PROJECT_KEY}`,
        priority: "the project's priority scheme lacks Low/Medium/High/Highest",
      };
      const parts = [
        ...(b.errorMessages ?? []),
        ...Object.entries(b.errors ?? {}).map(([f, m]) => `${f}: ${m}${hints[f] ? ` (${hints[f]})` : ""}`),
      ];
      if (e.http.status === 401) parts.push(`authentication failed for JIRA_EMAIL=${cfg.JIRA_EMAIL}: check JIRA_API_TOKEN`);
      if (!parts.length) throw e;
      throw new ConnectorError(`jira: ${doing} failed (${e.http.status}): ${parts.join("; ")}`, e.retryable, e.http);
    };

    async function search(jql: string): Promise<{ id?: string; key?: string }[]> {
      const q = `?jql=${encodeURIComponent(jql)}&maxResults=1&fields=summary`;
      try {
        return (await call("GET", `/search/jql${q}`)).json<{ issues?: { id?: string; key?: string }[] }>().issues ?? [];
      } catch (e) {
        // Jira Data Center has no /search/jql; its v2 /search still works there (and is 410 on Cloud).
        if (v === "2" && e instanceof ConnectorError && e.http?.status === 404) {
          return (await call("GET", `/search${q}`)).json<{ issues?: { id?: string; key?: string }[] }>().issues ?? [];
        }
        return explain(e, "the search for an earlier issue of this action");
      }
    }

    async function keyOf(issue: { id?: string; key?: string }): Promise<string> {
      if (issue.key) return issue.key;
      const got = (await call("GET", `/issue/${encodeURIComponent(String(issue.id))}?fields=summary`)).json<{ key?: string }>();
      if (!got.key) throw new ConnectorError(`jira: issue ${issue.id} has no key`, false);
      return got.key;
    }

    return {
      name: "jira",
      actions: ["CREATE_TICKET"],
      async perform(req) {
        if (req.parameters.action !== "CREATE_TICKET") throw new Error("jira handles CREATE_TICKET only");
        const p = req.parameters;
        const label = actionLabel(req.actionId);
        const found = (await search(`labels = "${label}"`))[0];
        if (found) {
          const key = await keyOf(found);
          return { ref: { jiraKey: key }, summary: `Jira issue ${key} (already created for this action)` };
        }
        const description = [
          p.description || p.title,
          [`Alert: ${req.alertId}`, `SecOps ticket: ${req.localRef}`, `SecOps action: ${req.actionId}`, `Affected: ${p.assets.join(", ") || "-"}`].join("\n"),
        ].join("\n\n").slice(0, 30_000);
        let res;
        try {
          res = await call("POST", "/issue", {
            fields: {
              project: { key: cfg.JIRA_PROJECT_KEY },
              issuetype: { name: cfg.JIRA_ISSUE_TYPE },
              summary: p.title.replace(/[\r\n]+/g, " ").slice(0, 255),
              description: text(description),
              priority: { name: PRIORITY[p.priority] },
              labels: ["secops", label],
            },
          });
        } catch (e) {
          return explain(e, `creating the issue in ${cfg.JIRA_PROJECT_KEY}`);
        }
        const key = res.json<{ key?: unknown }>().key;
        if (typeof key !== "string") throw new ConnectorError("jira: the issue was created but the answer has no key", false);
        return { ref: { jiraKey: key }, summary: `Jira issue ${key}` };
      },

      /** Moves the issue to a done status (JIRA_CLOSE_TRANSITION_ID, or the workflow's transition to "done"), then comments why. */
      async undo(ref, ctx) {
        if (typeof ref.jiraKey !== "string") return;
        const key = encodeURIComponent(ref.jiraKey);
        let status: { statusCategory?: { key?: string } } | undefined;
        try {
          status = (await call("GET", `/issue/${key}?fields=status`)).json<{ fields?: { status?: { statusCategory?: { key?: string } } } }>().fields?.status;
        } catch (e) {
          return explain(e, `reading ${ref.jiraKey}`);
        }
        if (status?.statusCategory?.key === "done") return; // already closed: the undo has nothing left to do
        let transition = cfg.JIRA_CLOSE_TRANSITION_ID;
        if (!transition) {
          const ts = (await call("GET", `/issue/${key}/transitions`)).json<{ transitions?: { id?: string; to?: { statusCategory?: { key?: string } } }[] }>().transitions ?? [];
          transition = ts.find((t) => t.to?.statusCategory?.key === "done")?.id;
          if (!transition) throw new ConnectorError(`jira: no transition of ${ref.jiraKey} leads to a done status; set JIRA_CLOSE_TRANSITION_ID`, false);
        }
        try {
          await call("POST", `/issue/${key}/transitions`, { transition: { id: transition } });
        } catch (e) {
          return explain(e, `closing ${ref.jiraKey} with transition ${transition}`);
        }
        // After the transition, so that a retried undo (which finds the issue done) never comments twice.
        try {
          await call("POST", `/issue/${key}/comment`, { body: text(`Closed by SecOps: action ${ctx.actionId} was undone by ${ctx.by}.`) });
        } catch (e) {
          deps.log.warn({ jiraKey: ref.jiraKey, err: (e as Error).message }, "jira: the issue was closed but the comment saying why was refused");
        }
      },

      async check() {
        let me: { displayName?: string; emailAddress?: string };
        try {
          me = (await call("GET", "/myself")).json();
        } catch (e) {
          return explain(e, "authentication");
        }
        let project: { name?: string };
        try {
          project = (await call("GET", `/project/${encodeURIComponent(cfg.JIRA_PROJECT_KEY)}`)).json();
        } catch (e) {
          if (e instanceof ConnectorError && e.http?.status === 404) {
            throw new ConnectorError(`jira: JIRA_PROJECT_KEY=${cfg.JIRA_PROJECT_KEY}: no such project, or ${cfg.JIRA_EMAIL} cannot see it`, false, e.http);
          }
          return explain(e, "reading the project");
        }
        const meta = (await call("GET", `/issue/createmeta/${encodeURIComponent(cfg.JIRA_PROJECT_KEY)}/issuetypes`)).json<{ issueTypes?: { id?: string; name?: string }[]; values?: { id?: string; name?: string }[] }>();
        const types = meta.issueTypes ?? meta.values ?? [];
        const type = types.find((t) => t.name?.toLowerCase() === cfg.JIRA_ISSUE_TYPE.toLowerCase());
        if (!type) {
          throw new ConnectorError(`jira: JIRA_ISSUE_TYPE=${cfg.JIRA_ISSUE_TYPE}: project ${cfg.JIRA_PROJECT_KEY} has no such issue type ${cfg.JIRA_EMAIL} may create (it has: ${types.map((t) => t.name).join(", ") || "none"})`, false);
        }
        await search(`project = ${cfg.JIRA_PROJECT_KEY}`);
        return `API v${v}: authenticated as ${me.displayName ?? me.emailAddress ?? cfg.JIRA_EMAIL}; project ${cfg.JIRA_PROJECT_KEY} (${project.name ?? "?"}); issue type ${type.name} (id ${type.id}); /search/jql answers`;
      },
    };
  },
});
