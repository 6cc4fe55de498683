/**
 * FAKE Jira Cloud, for connector tests. Written from the Jira Cloud platform REST API v3 and v2
 * reference (developer.atlassian.com/cloud/jira/platform/rest/v3: issues, issue search, projects,
 * myself, createmeta issuetypes, transitions, comments), the Atlassian Document Format reference,
 * and the removal of the old search (changelog CHANGE-2046; pycontribs/jira#2367, #2369):
 *
 * - `GET|POST /rest/api/{2,3}/search` answer 410 with Atlassian's own message.
 * - `GET /rest/api/{2,3}/search/jql` is the search; it is eventually consistent: an issue becomes
 *   visible to it only `indexLagMs` after it was created (Atlassian: "search results may not be
 *   immediately consistent with recent writes"). Unbounded JQL is refused with 400.
 * - v3 takes descriptions and comments as ADF documents only, v2 as strings only; both answer 400
 *   with `{errorMessages, errors: {field: message}}` for a bad project, issue type, summary, label
 *   or priority, as Jira does.
 * - Basic auth with an account e-mail and API token; anything else is 401.
 * - Rate limiting ("Rate limiting" in the Jira Cloud developer guide): 429 with Retry-After and
 *   the X-RateLimit-* headers.
 */
import { startHttpFake, type FakeAnswer, type FakeRequest, type HttpFake } from "./http-fake.js";

export interface JiraIssue {
  id: string;
  key: string;
  version: "2" | "3";
  fields: {
    project: string;
    issuetype: string;
    summary: string;
    description: unknown;
    priority: string | null;
    labels: string[];
    status: "To Do" | "In Progress" | "Done";
  };
  comments: { id: string; body: unknown }[];
  createdAt: number;
}

export interface FakeJira extends HttpFake {
  issues: JiraIssue[];
  /** The next POST /issue creates the issue but the connection is cut before the answer (a lost reply). */
  dropNextCreateReply(): void;
  /** The next `n` requests are refused with 429, as Jira's rate limiter does. */
  throttleNext(n: number): void;
}

export interface FakeJiraOptions {
  email?: string;
  token?: string;
  projects?: Record<string, { name: string; issueTypes: string[] }>;
  priorities?: string[];
  /** How long a new issue stays invisible to /search/jql. */
  indexLagMs?: number;
}

const REMOVED = {
  errorMessages: ["The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"],
  errors: {},
};

const TRANSITIONS = [
  { id: "11", name: "To Do", to: { name: "To Do", statusCategory: { key: "new" } } },
  { id: "21", name: "In Progress", to: { name: "In Progress", statusCategory: { key: "indeterminate" } } },
  { id: "31", name: "Done", to: { name: "Done", statusCategory: { key: "done" } } },
] as const;

const CATEGORY = { "To Do": "new", "In Progress": "indeterminate", Done: "done" } as const;

const fieldErrors = (errors: Record<string, string>): FakeAnswer => ({ status: 400, body: { errorMessages: [], errors } });
const messages = (status: number, ...errorMessages: string[]): FakeAnswer => ({ status, body: { errorMessages, errors: {} } });

/** An ADF document as the v3 API checks it: a doc of version 1 whose text nodes are non-empty strings. */
function isAdf(v: unknown): boolean {
  const doc = v as { type?: unknown; version?: unknown; content?: unknown };
  if (!doc || typeof doc !== "object" || doc.type !== "doc" || doc.version !== 1 || !Array.isArray(doc.content)) return false;
  const nodeOk = (n: unknown): boolean => {
    const node = n as { type?: unknown; text?: unknown; content?: unknown };
    if (!node || typeof node.type !== "string") return false;
    if (node.type === "text") return typeof node.text === "string" && node.text.length > 0;
    return node.content === undefined || (Array.isArray(node.content) && node.content.every(nodeOk));
  };
  return doc.content.every(nodeOk);
}

export async function startFakeJira(o: FakeJiraOptions = {}): Promise<FakeJira> {
  const email = o.email ?? "bot@example.org";
  const token = o.token ?? "jira-token";
  const projects = o.projects ?? { SEC: { name: "Security", issueTypes: ["Task", "Bug"] } };
  const priorities = o.priorities ?? ["Highest", "High", "Medium", "Low", "Lowest"];
  const lag = o.indexLagMs ?? 0;
  const issues: JiraIssue[] = [];
  let dropNext = false;
  let throttled = 0;
  let seq = 10000;
  let commentSeq = 10000;
  const auth = `Basic ${Buffer.from(`${email}:${token}`).toString("base64")}`;

  const find = (idOrKey: string) => issues.find((i) => i.key === idOrKey || i.id === idOrKey);

  function search(req: FakeRequest): FakeAnswer {
    const jql = (req.query.get("jql") ?? "").trim();
    if (!jql) return messages(400, "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.");
    const clauses = jql.split(/\s+AND\s+/i).map((c) => c.trim());
    const tests: ((i: JiraIssue) => boolean)[] = [];
    for (const c of clauses) {
      const m = /^(\w+)\s*=\s*(?:"([^"]*)"|([\w-]+))$/.exec(c);
      if (!m) return messages(400, `Error in the JQL Query: the fake understands 'field = value' joined by AND, not '${c}'.`);
      const [, field, quoted, bare] = m;
      const value = quoted ?? bare ?? "";
      if (field === "labels") tests.push((i) => i.fields.labels.includes(value));
      else if (field === "project") tests.push((i) => i.fields.project === value);
      else return messages(400, `Field '${field}' does not exist or you do not have permission to view it.`);
    }
    const max = Math.min(Number(req.query.get("maxResults") ?? 50) || 50, 5000);
    const now = Date.now();
    const visible = issues.filter((i) => now - i.createdAt >= lag && tests.every((t) => t(i)));
    const wanted = (req.query.get("fields") ?? "").split(",").filter(Boolean);
    return {
      status: 200,
      body: {
        // Like Jira: id always, the requested fields under `fields`; `key` is top-level.
        issues: visible.slice(0, max).map((i) => ({
          id: i.id, key: i.key, self: `${fake.url}/rest/api/3/issue/${i.id}`,
          fields: Object.fromEntries(wanted.filter((f) => f !== "key" && f in i.fields).map((f) => [f, i.fields[f as keyof JiraIssue["fields"]]])),
        })),
        isLast: visible.length <= max,
      },
    };
  }

  function create(req: FakeRequest, version: "2" | "3"): FakeAnswer {
    const f = (req.json as { fields?: Record<string, unknown> } | undefined)?.fields;
    if (!f) return messages(400, "No fields given: expected {\"fields\": {...}}");
    const projectKey = (f.project as { key?: string } | undefined)?.key ?? "";
    const project = projects[projectKey];
    if (!project) return fieldErrors({ project: "Specify a valid project ID or key" });
    const typeName = (f.issuetype as { name?: string } | undefined)?.name ?? "";
    if (!typeName) return fieldErrors({ issuetype: "Specify an issue type" });
    if (!project.issueTypes.includes(typeName)) return fieldErrors({ issuetype: "Specify a valid issue type" });
    const summary = f.summary;
    if (typeof summary !== "string" || !summary.trim()) return fieldErrors({ summary: "You must specify a summary of the issue." });
    if (summary.length > 255) return fieldErrors({ summary: "Summary must be less than 255 characters." });
    if (/[\r\n]/.test(summary)) return fieldErrors({ summary: "The summary is invalid because it contains newline characters." });
    if (f.description !== undefined) {
      if (version === "3" && !isAdf(f.description)) return fieldErrors({ description: "Operation value must be an Atlassian Document (see the Atlassian Document Format)" });
      if (version === "2" && typeof f.description !== "string") return fieldErrors({ description: "Operation value must be a string" });
    }
    const labels = (f.labels ?? []) as unknown[];
    for (const l of labels) {
      if (typeof l !== "string" || /\s/.test(l)) return fieldErrors({ labels: `The label '${String(l)}' contains spaces which is invalid.` });
      if (l.length > 255) return fieldErrors({ labels: "The label must not exceed 255 characters." });
    }
    const priority = (f.priority as { name?: string } | undefined)?.name ?? null;
    if (priority !== null && !priorities.includes(priority)) return fieldErrors({ priority: `Priority name '${priority}' is not valid` });
    const id = String(++seq);
    const issue: JiraIssue = {
      id, key: `${projectKey}-${seq - 10000}`, version, comments: [], createdAt: Date.now(),
      fields: { project: projectKey, issuetype: typeName, summary, description: f.description, priority, labels: labels as string[], status: "To Do" },
    };
    issues.push(issue);
    if (dropNext) {
      dropNext = false;
      return { status: 201, drop: true };
    }
    return { status: 201, body: { id, key: issue.key, self: `${fake.url}/rest/api/${version}/issue/${id}` } };
  }

  const base = await startHttpFake((req) => {
    const m = /^\/rest\/api\/(2|3)(\/.*)$/.exec(req.path);
    if (!m) return messages(404, `no such endpoint ${req.path}`);
    const version = m[1] as "2" | "3";
    const path = m[2]!;
    if (throttled > 0) {
      throttled--;
      return {
        status: 429, body: { errorMessages: ["Rate limit exceeded."], errors: {} },
        headers: { "retry-after": "2", "x-ratelimit-limit": "100", "x-ratelimit-remaining": "0", "x-ratelimit-reset": new Date(Date.now() + 2000).toISOString(), "ratelimit-reason": "jira-burst-based" },
      };
    }
    if (req.headers.authorization !== auth) return { status: 401, text: "Client must be authenticated to access this resource.", contentType: "text/html;charset=UTF-8" };

    if (path === "/search" && (req.method === "GET" || req.method === "POST")) return { status: 410, body: REMOVED };
    if (path === "/search/jql" && req.method === "GET") return search(req);
    if (path === "/myself" && req.method === "GET") return { status: 200, body: { accountId: "5b10ac8d82e05b22cc7d4ef5", emailAddress: email, displayName: "SecOps Bot", active: true } };

    let p = /^\/project\/([^/]+)$/.exec(path);
    if (p && req.method === "GET") {
      const project = projects[decodeURIComponent(p[1]!)];
      return project ? { status: 200, body: { id: "10000", key: p[1], name: project.name } } : messages(404, `No project could be found with key '${decodeURIComponent(p[1]!)}'.`);
    }
    p = /^\/issue\/createmeta\/([^/]+)\/issuetypes$/.exec(path);
    if (p && req.method === "GET") {
      const project = projects[decodeURIComponent(p[1]!)];
      if (!project) return messages(404, `No project could be found with key '${decodeURIComponent(p[1]!)}'.`);
      const issueTypes = project.issueTypes.map((name, i) => ({ id: String(10001 + i), name, subtask: false }));
      return { status: 200, body: { issueTypes, maxResults: 50, startAt: 0, total: issueTypes.length } };
    }
    if (path === "/issue" && req.method === "POST") return create(req, version);

    const c = /^\/issue\/([^/]+)\/comment\/([^/]+)$/.exec(path);
    if (c && req.method === "DELETE") {
      const issue = find(decodeURIComponent(c[1]!));
      if (!issue) return messages(404, "Issue does not exist or you do not have permission to see it.");
      const i = issue.comments.findIndex((x) => x.id === decodeURIComponent(c[2]!));
      if (i < 0) return messages(404, "Can not find a comment for the id: " + decodeURIComponent(c[2]!) + ".");
      issue.comments.splice(i, 1);
      return { status: 204 };
    }
    p = /^\/issue\/([^/]+)(\/transitions|\/comment)?$/.exec(path);
    if (p) {
      const issue = find(decodeURIComponent(p[1]!));
      if (!issue) return messages(404, "Issue does not exist or you do not have permission to see it.");
      if (!p[2] && req.method === "GET") {
        return { status: 200, body: { id: issue.id, key: issue.key, fields: { summary: issue.fields.summary, labels: issue.fields.labels, status: { name: issue.fields.status, statusCategory: { key: CATEGORY[issue.fields.status] } } } } };
      }
      if (p[2] === "/transitions" && req.method === "GET") return { status: 200, body: { transitions: TRANSITIONS.filter((t) => t.name !== issue.fields.status) } };
      if (p[2] === "/transitions" && req.method === "POST") {
        const id = (req.json as { transition?: { id?: string } } | undefined)?.transition?.id;
        const t = TRANSITIONS.find((x) => x.id === id && x.name !== issue.fields.status);
        if (!t) return messages(400, `Transition id '${String(id)}' is not valid for this issue.`);
        issue.fields.status = t.name;
        return { status: 204 };
      }
      if (p[2] === "/comment" && req.method === "POST") {
        const body = (req.json as { body?: unknown } | undefined)?.body;
        if (version === "3" ? !isAdf(body) : typeof body !== "string") return fieldErrors({ comment: version === "3" ? "Comment body must be an Atlassian Document" : "Comment body must be a string" });
        const id = String(++commentSeq);
        issue.comments.push({ id, body });
        return { status: 201, body: { id, body, created: new Date().toISOString() } };
      }
      if (p[2] === "/comment" && req.method === "GET") {
        // Jira: orderBy created or -created, startAt/maxResults paging, {comments, startAt, maxResults, total}.
        const order = req.query.get("orderBy") ?? "created";
        if (!["created", "-created", "+created"].includes(order)) return messages(400, `Invalid orderBy value '${order}'.`);
        const start = Number(req.query.get("startAt") ?? 0) || 0;
        const max = Math.min(Number(req.query.get("maxResults") ?? 5000) || 5000, 5000);
        const all = order === "-created" ? [...issue.comments].reverse() : issue.comments;
        return { status: 200, body: { comments: all.slice(start, start + max), startAt: start, maxResults: max, total: all.length } };
      }
    }
    return messages(404, `no such endpoint ${req.method} ${req.path}`);
  });
  const fake: FakeJira = Object.assign(base, {
    issues,
    dropNextCreateReply() {
      dropNext = true;
    },
    throttleNext(n: number) {
      throttled = n;
    },
  });
  return fake;
}
