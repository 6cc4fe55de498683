// Vendor connectors against fakes that answer as the vendors' APIs do today (see each fake's
// header for the documentation it follows): what is sent, the idempotent outcome of a retry,
// the undo, and the clear reason when a name does not resolve.
import { afterEach, describe, expect, it } from "vitest";
import type { Execution } from "@secops/contracts";
import { TransientError } from "../../src/runtime/errors.js";
import { adfDocument, actionLabel } from "../../src/responder/connectors/jira.js";
import { decided, isolate, review, silentLog, ticket, useResponderEnv } from "./fixtures.js";
import { buildConnectors } from "../../src/responder/connectors/index.js";
import { startFakeJira, type FakeJira } from "../fakes/fake-jira.js";
import { startFakeTeams, type FakeTeams } from "../fakes/fake-teams.js";
import { startFakeTheHive, type FakeTheHive } from "../fakes/fake-thehive.js";
import { startFakeSlack } from "../fakes/fake-slack.js";
import { startFakeDefender, type FakeDefender } from "../fakes/fake-defender.js";
import { startFakeFalcon, type FakeFalcon } from "../fakes/fake-falcon.js";
import { SLACK_LIMITS } from "../../src/responder/connectors/slack.js";

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

async function fake<T extends { close(): Promise<void> }>(start: () => Promise<T>): Promise<T> {
  const f = await start();
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

  it("a 429 from Jira's rate limiter is retried later, not recorded as a failure", async () => {
    const f = await jiraFake();
    f.throttleNext(1);
    const r = await env.make(jiraEnv(f));
    const msg = decided(ticket("throttled"));
    const err = await r.execute(msg).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/failed \(429\): Rate limit exceeded/);
    const ex = executed(await r.execute(msg));
    expect(ex.status).toBe("success");
    expect(f.issues).toHaveLength(1);
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
    // The connector's undo again (as a retried undo would run it): the issue is done, nothing is sent.
    const jira = buildConnectors(jiraEnv(f), { log: silentLog, timeoutMs: 2000 }).get("CREATE_TICKET")![0]!;
    const posts = f.requests.filter((q) => q.method === "POST").length;
    await jira.undo!({ jiraKey: issue.key }, { actionId: ex.actionId, by: "alice" });
    expect(f.requests.filter((q) => q.method === "POST")).toHaveLength(posts);
    expect(issue.comments).toHaveLength(1);
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

describe("TheHive 5", () => {
  const hiveEnv = (f: FakeTheHive, over: Record<string, string> = {}) => ({ THEHIVE_URL: f.url, THEHIVE_API_KEY: "hive-key", ...over });

  it("creates one alert per action with sourceRef = action id", async () => {
    const f = await fake(startFakeTheHive);
    const ex = executed(await (await env.make(hiveEnv(f))).execute(decided({ action: "CREATE_TICKET", title: "Hive", priority: "critical", description: "d", assets: ["ws-1"] })));
    expect(ex.status, ex.error ?? "").toBe("success");
    expect(f.alerts).toHaveLength(1);
    expect(f.alerts[0]).toMatchObject({ type: "secops-pipeline", source: "secops", sourceRef: ex.actionId, title: "Hive", severity: 4, observables: [{ dataType: "hostname", data: "ws-1" }] });
    expect((ex.details.connectors as Record<string, { ref: unknown }>).thehive!.ref).toEqual({ thehiveAlertId: f.alerts[0]!._id });
  });

  it("a retried create that gets 400 for its sourceRef looks the alert up and records success with its id", async () => {
    const f = await fake(startFakeTheHive);
    f.dropNextCreateReply();
    const r = await env.make(hiveEnv(f));
    const msg = decided(ticket("lost hive reply"));
    await expect(r.execute(msg)).rejects.toBeInstanceOf(TransientError);
    const ex = executed(await r.execute(msg));
    expect(ex.status, ex.error ?? "").toBe("success");
    expect(f.alerts).toHaveLength(1);
    expect(ex.summary).toContain(`TheHive alert ${f.alerts[0]!._id} (already created for this action)`);
    // The second create really was refused: the duplicate rule of the fake is what the connector met.
    const creates = f.requests.filter((q) => q.method === "POST" && q.path === "/api/v1/alert");
    expect(creates).toHaveLength(2);
    expect(f.requests.some((q) => q.path === "/api/v1/query")).toBe(true);
  });

  it("any other 400 stays a failure with TheHive's reason", async () => {
    const f = await fake(() => startFakeTheHive({ dataTypes: ["ip", "domain"] }));
    const ex = executed(await (await env.make(hiveEnv(f))).execute(decided(ticket("no hostname type"))));
    expect(ex.status).toBe("failed");
    expect(ex.error).toBe("thehive: creating the alert failed (400 BadRequestError): Observable type hostname not found");
    expect(f.alerts).toHaveLength(0);
  });

  it("undo closes the alert with the configured status; THEHIVE_UNDO=delete deletes it", async () => {
    const f = await fake(startFakeTheHive);
    const r = await env.make(hiveEnv(f));
    const ex = executed(await r.execute(decided(ticket("close me"))));
    await r.undo(ex.actionId, "alice");
    expect(f.alerts[0]!.status).toBe("Ignored");
    const r2 = await env.make(hiveEnv(f, { THEHIVE_UNDO: "delete" }));
    const ex2 = executed(await r2.execute(decided(ticket("delete me"))));
    expect(f.alerts).toHaveLength(2);
    await r2.undo(ex2.actionId, "bob");
    expect(f.alerts.map((a) => a.title)).toEqual(["close me"]);
  });
});

describe("Slack (incoming webhook)", () => {
  it("the fake refuses a section over 3,000 characters with invalid_blocks, as Slack does", async () => {
    const f = await fake(startFakeSlack);
    const res = await fetch(f.hookUrl, { method: "POST", body: JSON.stringify({ text: "x", blocks: [{ type: "section", text: { type: "mrkdwn", text: "a".repeat(3001) } }] }) });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe("invalid_blocks");
  });

  it("a long review is split into sections of at most 3,000 characters and messages of at most 50 blocks, all delivered", async () => {
    const f = await fake(startFakeSlack);
    const r = await env.make({ SLACK_WEBHOOK_URL: f.hookUrl });
    const questions = Array.from({ length: 20 }, (_, i) => `Q${i + 1} ${"<why?> ".repeat(70)}`.slice(0, 500));
    const ex = executed(await r.execute(decided({ action: "MANUAL_REVIEW", reason: "r".repeat(2000), questions })));
    expect(ex.status, ex.error ?? "").toBe("success");
    expect(f.posted.length).toBeGreaterThanOrEqual(1);
    const sections = f.posted.flatMap((m) => (m.blocks ?? []) as { type: string; text: { text: string } }[]).filter((b) => b.type === "section");
    expect(sections.every((b) => b.text.text.length <= SLACK_LIMITS.sectionText)).toBe(true);
    const all = sections.map((b) => b.text.text).join("\n");
    for (const q of questions) expect(all).toContain(`• ${q.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")}`);
    expect(all).not.toContain("<why?>");
  });

  it("more than 50 blocks' worth goes out as several messages", async () => {
    const f = await fake(startFakeSlack);
    const r = await env.make({ SLACK_WEBHOOK_URL: f.hookUrl });
    // Each question at 500 characters; 6 fit a section, so 400 of them need ~67 sections.
    const questions = Array.from({ length: 400 }, (_, i) => `question ${i + 1} `.padEnd(500, "x"));
    const ex = executed(await r.execute(decided({ action: "MANUAL_REVIEW", reason: "many", questions: questions.slice(0, 20) })));
    expect(ex.status).toBe("success");
    const { slackMessages } = await import("../../src/responder/connectors/slack.js");
    const msgs = slackMessages({ title: "t", severity: "high", alertId: "a", reviewId: "r", reason: "many", questions });
    expect(msgs.length).toBeGreaterThan(1);
    expect(msgs.every((m) => m.blocks.length <= SLACK_LIMITS.blocksPerMessage)).toBe(true);
    for (const m of msgs) {
      const res = await fetch(f.hookUrl, { method: "POST", body: JSON.stringify(m) });
      expect(res.status, await res.text()).toBe(200);
    }
  });

  it("a disabled webhook fails with Slack's reason", async () => {
    const f = await fake(startFakeSlack);
    const ex = executed(await (await env.make({ SLACK_WEBHOOK_URL: `${f.url}/services/T000/B000/disabled` })).execute(decided(review())));
    expect(ex.status).toBe("failed");
    expect(ex.error).toBe("slack: no_service: the webhook is disabled, removed or the URL is wrong");
  });
});

describe("Microsoft Defender for Endpoint", () => {
  const mdEnv = (f: FakeDefender) => ({ DEFENDER_CLIENT_ID: "app", DEFENDER_CLIENT_SECRET: "sec", DEFENDER_TENANT_ID: "tenant-1", DEFENDER_LOGIN_URL: f.url, DEFENDER_API_URL: f.url });

  it("a bare host name finds the machine by its FQDN prefix (not ws-md-10), isolates it Full; undo unisolates", async () => {
    const f = await fake(startFakeDefender);
    const r = await env.make(mdEnv(f));
    const ex = executed(await r.execute(decided(isolate("ws-md-1"))));
    expect(ex.status, ex.error ?? "").toBe("success");
    const lookup = f.requests.find((q) => q.path === "/api/machines")!;
    expect(lookup.query.get("$filter")).toBe("startswith(computerDnsName,'ws-md-1')");
    expect(f.machines.find((m) => m.computerDnsName === "ws-md-1.corp.example.com")!.isolated).toBe(true);
    expect(f.machines.find((m) => m.computerDnsName === "ws-md-10.corp.example.com")!.isolated).toBe(false);
    expect(f.actions[0]!.requestorComment).toContain(ex.actionId);
    await r.undo(ex.actionId, "dave");
    expect(f.actions.at(-1)).toMatchObject({ type: "Unisolate", machineId: f.machines[0]!.id });
  });

  it("an FQDN is matched exactly", async () => {
    const f = await fake(startFakeDefender);
    const ex = executed(await (await env.make(mdEnv(f))).execute(decided(isolate("ws-md-10.corp.example.com"))));
    expect(ex.status).toBe("success");
    expect(f.requests.find((q) => q.path === "/api/machines")!.query.get("$filter")).toBe("computerDnsName eq 'ws-md-10.corp.example.com'");
    expect(f.machines[1]!.isolated).toBe(true);
  });

  it("a retry after a lost reply finds its own pending isolation instead of asking again", async () => {
    const f = await fake(startFakeDefender);
    const r = await env.make(mdEnv(f));
    const msg = decided(isolate("ws-md-1"));
    // The first attempt reached Defender; simulate its lost reply by recording it as the connector would have sent it.
    f.actions.push({ id: "ma-earlier", type: "Isolate", machineId: f.machines[0]!.id, status: "Pending", requestorComment: `SecOps action ${(await import("../../src/state/ledger.js")).actionIdFor(msg.alert.fingerprint, "ISOLATE_HOST", "ws-md-1")} (alert x): ransomware` });
    const ex = executed(await r.execute(msg));
    expect(ex.status, ex.error ?? "").toBe("success");
    expect(ex.summary).toContain("(already requested for this action)");
    expect(f.requests.filter((q) => q.path.endsWith("/isolate"))).toHaveLength(0);
  });

  it("no such machine fails for good, saying what was looked for", async () => {
    const f = await fake(startFakeDefender);
    const ex = executed(await (await env.make(mdEnv(f))).execute(decided(isolate("ws-gone"))));
    expect(ex.status).toBe("failed");
    expect(ex.error).toBe("defender: no such machine: none is onboarded as ws-gone or ws-gone.<domain> (computerDnsName)");
  });
});

describe("CrowdStrike Falcon", () => {
  const csEnv = (f: FakeFalcon) => ({ FALCON_CLIENT_ID: "cid", FALCON_CLIENT_SECRET: "csecret", FALCON_BASE_URL: f.url });

  it("finds a host Falcon stores in upper case from the alert's lower-case FQDN, contains it; undo lifts", async () => {
    const f = await fake(startFakeFalcon);
    const r = await env.make(csEnv(f));
    const ex = executed(await r.execute(decided(isolate("ws-cs-1.corp.example.com"))));
    expect(ex.status, ex.error ?? "").toBe("success");
    const filter = f.requests.find((q) => q.path === "/devices/queries/devices/v1")!.query.get("filter")!;
    expect(filter).toContain("'ws-cs-1.corp.example.com'");
    expect(filter).toContain("'WS-CS-1'");
    expect(f.devices[0]!.status).toBe("containment_pending");
    await r.undo(ex.actionId, "carol");
    expect(f.devices[0]!.status).toBe("lift_containment_pending");
  });

  it("sends the host name as given, never lowercased", async () => {
    const f = await fake(() => startFakeFalcon({ devices: [{ device_id: "d-mixed", hostname: "Fin-Laptop-7" }] }));
    const ex = executed(await (await env.make(csEnv(f))).execute(decided(isolate("Fin-Laptop-7"))));
    expect(ex.status, ex.error ?? "").toBe("success");
    expect(f.requests.find((q) => q.path === "/devices/queries/devices/v1")!.query.get("filter")).toMatch(/^hostname:\['Fin-Laptop-7',/);
  });

  it("an already contained host is recorded without a second request", async () => {
    const f = await fake(startFakeFalcon);
    f.devices[0]!.status = "contained";
    const ex = executed(await (await env.make(csEnv(f))).execute(decided(isolate("WS-CS-1"))));
    expect(ex.status).toBe("success");
    expect(ex.summary).toContain("is already contained");
    expect(f.requests.some((q) => q.path.includes("devices-actions"))).toBe(false);
  });

  it("no such host, and an ambiguous name, fail for good without containing anything", async () => {
    const f = await fake(() => startFakeFalcon({ devices: [{ device_id: "a", hostname: "WS-DUP" }, { device_id: "b", hostname: "ws-dup" }] }));
    const r = await env.make(csEnv(f));
    const none = executed(await r.execute(decided(isolate("ws-none"))));
    expect(none.status).toBe("failed");
    expect(none.error).toMatch(/^crowdstrike: no such host: no Falcon device has the host name ws-none/);
    const dup = executed(await r.execute(decided(isolate("ws-dup"))));
    expect(dup.error).toMatch(/2 Falcon devices have the host name ws-dup/);
    expect(f.requests.some((q) => q.path.includes("devices-actions"))).toBe(false);
  });
});
