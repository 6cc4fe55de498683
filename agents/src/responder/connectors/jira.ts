import { z } from "zod";
import { defineConnector, type ConnectorRequest, type ConnectorResult } from "./types.js";
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
 *
 * An alert of an incident (the correlator's, see incident-cases.ts) that already has an issue is
 * added to it as a comment (POST /issue/{key}/comment, ADF in v3) instead of opening another. The
 * comment names the action, and a retry reads the issue's comments for it first, so it is added once.
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
    const call = (method: "GET" | "POST" | "DELETE", path: string, body?: unknown) =>
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

    const marker = (actionId: string) => `SecOps action: ${actionId}`;

    /** The open incident of the alert; a lookup that fails leaves the alert on an issue of its own, said in the log. */
    async function incidentOf(alertId: string) {
      if (!deps.cases) return null;
      try {
        return await deps.cases.incidentOf(alertId);
      } catch (e) {
        deps.log.warn({ alertId, err: (e as Error).message }, "jira: cannot read the alert's incident; it gets an issue of its own");
        return null;
      }
    }

    async function remember(key: string, incidentId: string | null, req: ConnectorRequest): Promise<void> {
      if (!deps.cases) return;
      const rec = { connector: "jira" as const, kind: "issue" as const, ref: key, incidentId, alertId: req.alertId, actionId: req.actionId, at: new Date().toISOString() };
      try {
        await deps.cases.recordTicket(rec);
        if (incidentId) {
          const stands = await deps.cases.claim({ ...rec, incidentId });
          if (stands.ref !== key) deps.log.info({ incidentId, issue: key, incidentIssue: stands.ref }, "jira: another alert of the incident opened its issue at the same time; this one keeps its own");
        }
      } catch (e) {
        deps.log.warn({ err: (e as Error).message }, "jira: cannot record the issue for its incident; the incident's next alert may open another");
      }
    }

    /** Adds the alert to the incident's issue as one comment; a retry finds its comment by the action marker. */
    async function attach(key: string, incidentId: string, req: ConnectorRequest): Promise<ConnectorResult | null> {
      const p = req.parameters as Extract<ConnectorRequest["parameters"], { action: "CREATE_TICKET" }>;
      const k = encodeURIComponent(key);
      let comments: { id?: string; body?: unknown }[];
      try {
        comments = (await call("GET", `/issue/${k}/comment?orderBy=-created&maxResults=100`)).json<{ comments?: { id?: string; body?: unknown }[] }>().comments ?? [];
      } catch (e) {
        if (e instanceof ConnectorError && e.http?.status === 404) {
          // The incident's issue was deleted (or moved out of reach): this alert gets an issue of its own.
          deps.log.warn({ jiraKey: key, incidentId }, "jira: the incident's issue is gone; opening one for this alert");
          return null;
        }
        return explain(e, `reading the comments of ${key}, the issue of incident ${incidentId}`);
      }
      const mine = comments.find((c) => JSON.stringify(c.body ?? "").includes(marker(req.actionId)));
      if (mine?.id) return { ref: { jiraKey: key, jiraCommentId: mine.id, incidentId }, summary: `Jira issue ${key}: alert already added (incident ${incidentId})` };
      const body = [
        `Another alert of incident ${incidentId}: ${p.title} (${p.priority})`,
        [`Alert: ${req.alertId}`, `SecOps ticket: ${req.localRef}`, marker(req.actionId), `Affected: ${p.assets.join(", ") || "-"}`].join("\n"),
        p.description ? p.description.slice(0, 20_000) : "",
      ].filter(Boolean).join("\n\n");
      let res;
      try {
        res = await call("POST", `/issue/${k}/comment`, { body: text(body) });
      } catch (e) {
        return explain(e, `adding the alert to ${key}, the issue of incident ${incidentId}`);
      }
      const id = res.json<{ id?: unknown }>().id;
      if (typeof id !== "string") throw new ConnectorError(`jira: the comment was added to ${key} but the answer has no id`, false);
      return { ref: { jiraKey: key, jiraCommentId: id, incidentId }, summary: `Jira issue ${key}: alert added as a comment (incident ${incidentId})` };
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
          // The earlier attempt may have died before it recorded the issue for its incident.
          await remember(key, (await incidentOf(req.alertId))?.incidentId ?? null, req);
          return { ref: { jiraKey: key }, summary: `Jira issue ${key} (already created for this action)` };
        }
        const incident = await incidentOf(req.alertId);
        const existing = incident ? await deps.cases!.caseOf("jira", incident, req.alertId) : null;
        if (incident && existing) {
          const attached = await attach(existing.ref, incident.incidentId, req);
          if (attached) return attached;
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
        await remember(key, incident?.incidentId ?? null, req);
        return { ref: { jiraKey: key }, summary: `Jira issue ${key}${incident ? ` (the first of incident ${incident.incidentId})` : ""}` };
      },

      /** Moves the issue to a done status (JIRA_CLOSE_TRANSITION_ID, or the workflow's transition to "done"), then comments why. */
      async undo(ref, ctx) {
        if (typeof ref.jiraKey !== "string") return;
        if (typeof ref.jiraCommentId === "string") {
          // Added to the incident's issue: the undo takes back its comment, and leaves the issue to the other alerts.
          try {
            await call("DELETE", `/issue/${encodeURIComponent(ref.jiraKey)}/comment/${encodeURIComponent(ref.jiraCommentId)}`);
          } catch (e) {
            if (e instanceof ConnectorError && e.http?.status === 404) return; // deleted already
            return explain(e, `deleting comment ${ref.jiraCommentId} of ${ref.jiraKey}`);
          }
          return;
        }
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
