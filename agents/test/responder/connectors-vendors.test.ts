// Vendor connectors against fakes that answer as the vendors' APIs do today (see each fake's
// header for the documentation it follows): what is sent, the idempotent outcome of a retry,
// the undo, and the clear reason when a name does not resolve.
import { afterEach, describe, expect, it } from "vitest";
import type { Execution } from "@secops/contracts";
import { TransientError } from "../../src/runtime/errors.js";
import { adfDocument, actionLabel } from "../../src/responder/connectors/jira.js";
import { decided, review, ticket, useResponderEnv } from "./fixtures.js";
import { startFakeJira, type FakeJira } from "../fakes/fake-jira.js";
import { startFakeTeams, type FakeTeams } from "../fakes/fake-teams.js";

const env = useResponderEnv();
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

function executed(o: { kind: string; execution?: unknown }): Execution {
  if (o.kind !== "executed") throw new Error(`expected an execution, got ${o.kind}`);
  return (o as { execution: Execution }).execution;
}

async function jiraFake(opts: Parameters<typeof startFakeJira>[0] = {}): Promise<FakeJira> {
  const f = await startFakeJira(opts);
  closers.push(() => f.close());
  return f;
}
async function teamsFake(): Promise<FakeTeams> {
  const f = await startFakeTeams();
  closers.push(() => f.close());
  return f;
}

const jiraEnv = (f: FakeJira, over: Record<string, string> = {}) => ({
  JIRA_URL: f.url, JIRA_EMAIL: "bot@example.org", JIRA_API_TOKEN: "jira-token", JIRA_PROJECT_KEY: "SEC", ...over,
});

describe("Jira Cloud (REST v3)", () => {
  it("the fake answers the removed /rest/api/{2,3}/search with 410, as Jira Cloud does", async () => {
    const f = await jiraFake();
    const auth = `Basic ${Buffer.from("bot@example.org:jira-token").toString("base64")}`;
    for (const v of ["2", "3"]) {
      const res = await fetch(`${f.url}/rest/api/${v}/search?jql=${encodeURIComponent('labels = "x"')}`, { headers: { authorization: auth } });
      expect(res.status).toBe(410);
      expect(((await res.json()) as { errorMessages: string[] }).errorMessages[0]).toMatch(/CHANGE-2046/);
    }
  });

  it("searches /search/jql for the action label, then creates the issue with an ADF description and the label", async () => {
    const f = await jiraFake();
    const r = await env.make(jiraEnv(f));
    const msg = decided(ticket("Ransomware on ws-fin-042"));
    const ex = executed(await r.execute(msg));
    expect(ex.status, ex.error ?? "").toBe("success");
    expect(f.requests.some((q) => q.path.endsWith("/search"))).toBe(false);
    const search = f.requests.find((q) => q.path === "/rest/api/3/search/jql")!;
    expect(search.query.get("jql")).toBe(`labels = "${actionLabel(ex.actionId)}"`);
    expect(f.issues).toHaveLength(1);
    const issue = f.issues[0]!;
    expect(issue.version).toBe("3");
    expect(issue.fields).toMatchObject({ project: "SEC", issuetype: "Task", summary: "Ransomware on ws-fin-042", priority: "High", labels: ["secops", actionLabel(ex.actionId)] });
    expect(issue.fields.description).toEqual(adfDocument(`see alert\n\nAlert: ${msg.alertId}\nSecOps ticket: ${ex.details.ticketId}\nSecOps action: ${ex.actionId}\nAffected: ws-fin-042`));
    expect((ex.details.connectors as Record<string, { ref: unknown }>).jira!.ref).toEqual({ jiraKey: issue.key });
  });

  it("a create whose reply was lost is retried, finds its issue by label and records success with its key", async () => {
    const f = await jiraFake();
    f.dropNextCreateReply();
    const r = await env.make(jiraEnv(f));
    const msg = decided(ticket("lost reply"));
    await expect(r.execute(msg)).rejects.toBeInstanceOf(TransientError);
    expect(f.issues).toHaveLength(1); // it was created; the responder did not hear so
    const ex = executed(await r.execute(msg));
    expect(ex.status).toBe("success");
    expect(f.issues).toHaveLength(1);
    expect(ex.summary).toContain(`Jira issue ${f.issues[0]!.key} (already created for this action)`);
    expect(f.requests.filter((q) => q.method === "POST" && q.path === "/rest/api/3/issue")).toHaveLength(1);
  });

  it("JIRA_API_VERSION=2 sends a plain-text description to the v2 API", async () => {
    const f = await jiraFake();
    const r = await env.make(jiraEnv(f, { JIRA_API_VERSION: "2" }));
    const ex = executed(await r.execute(decided(ticket("v2 ticket"))));
    expect(ex.status, ex.error ?? "").toBe("success");
    expect(f.issues[0]!.version).toBe("2");
    expect(f.issues[0]!.fields.description).toEqual(expect.stringContaining("see alert\n\nAlert: "));
    expect(f.requests.find((q) => q.path === "/rest/api/2/search/jql")).toBeDefined();
  });

  it("an unknown project or issue type fails for good, naming the variable and Jira's reason", async () => {
    const f = await jiraFake();
    const badProject = executed(await (await env.make(jiraEnv(f, { JIRA_PROJECT_KEY: "NOPE" }))).execute(decided(ticket("p"))));
    expect(badProject.status).toBe("failed");
    expect(badProject.error).toMatch(/project: Specify a valid project ID or key \(JIRA_PROJECT_KEY=NOPE: no such project/);
    const badType = executed(await (await env.make(jiraEnv(f, { JIRA_ISSUE_TYPE: "Incident" }))).execute(decided(ticket("t"))));
    expect(badType.status).toBe("failed");
    expect(badType.error).toMatch(/issuetype: Specify a valid issue type \(JIRA_ISSUE_TYPE=Incident: not an issue type of project SEC\)/);
    expect(f.issues).toHaveLength(0);
  });

  it("undo comments on the issue and moves it through the workflow's transition to done; a second undo changes nothing", async () => {
    const f = await jiraFake();
    const r = await env.make(jiraEnv(f));
    const ex = executed(await r.execute(decided(ticket("to undo"))));
    expect(ex.status).toBe("success");
    await r.undo(ex.actionId, "alice");
    const issue = f.issues[0]!;
    expect(issue.fields.status).toBe("Done");
    expect(JSON.stringify(issue.comments)).toContain(`action ${ex.actionId} was undone by alice`);
    expect(f.requests.find((q) => q.method === "POST" && q.path.endsWith("/transitions"))!.json).toEqual({ transition: { id: "31" } });
  });
});

describe("Microsoft Teams (Workflows webhook)", () => {
  it("posts an Adaptive Card 1.4 message that the flow delivers to the channel", async () => {
    const f = await teamsFake();
    const r = await env.make({ TEAMS_WEBHOOK_URL: f.workflowUrl });
    const msg = decided(review());
    const ex = executed(await r.execute(msg));
    expect(ex.status, ex.error ?? "").toBe("success");
    const body = f.requests[0]!.json as { type: string; attachments: { contentType: string; content: { type: string; version: string } }[] };
    expect(body.type).toBe("message");
    expect(body.attachments[0]!.contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(f.runs).toEqual([{ status: "Succeeded", error: null }]);
    expect(f.posted).toHaveLength(1);
    expect(f.posted[0]).toMatchObject({ type: "AdaptiveCard", version: "1.4" });
    expect(JSON.stringify(f.posted[0])).toContain("is this the backup window?");
  });

  it("the Workflows webhook refuses a MessageCard with 400, so the legacy format fails there", async () => {
    const f = await teamsFake();
    const r = await env.make({ TEAMS_WEBHOOK_URL: f.workflowUrl, TEAMS_FORMAT: "messagecard" });
    const ex = executed(await r.execute(decided(review())));
    expect(ex.status).toBe("failed");
    expect(ex.error).toMatch(/answered 400: .*TriggerInputSchemaMismatch.*attachments/);
    expect(f.posted).toHaveLength(0);
  });

  it("TEAMS_FORMAT=messagecard still posts a MessageCard to a legacy Office 365 connector URL", async () => {
    const f = await teamsFake();
    const r = await env.make({ TEAMS_WEBHOOK_URL: f.legacyUrl, TEAMS_FORMAT: "messagecard" });
    const ex = executed(await r.execute(decided(review())));
    expect(ex.status).toBe("success");
    expect(f.posted[0]).toMatchObject({ "@type": "MessageCard" });
  });

  it("alert-derived text cannot become links or markup in the card", async () => {
    const f = await teamsFake();
    const r = await env.make({ TEAMS_WEBHOOK_URL: f.workflowUrl });
    const ex = executed(await r.execute(decided({ action: "MANUAL_REVIEW", reason: "[verify here](https://evil.example/login)", questions: ["**urgent** <at>everyone</at>"] })));
    expect(ex.status).toBe("success");
    const card = JSON.stringify(f.posted[0]);
    expect(card).not.toContain("[verify here](https");
    expect(card).not.toContain("**urgent**");
    expect(card).not.toContain("<at>");
  });
});
