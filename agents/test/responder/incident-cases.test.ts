// TheHive and Jira attach a new alert of an incident to the case / issue the incident already
// has, instead of opening another: a real nats-server (the correlator's incidents bucket, filled
// by the real correlator handler) and the vendors' fakes (see each fake's header for the
// documentation it follows). Exactly once: a repeated call adds nothing.
import { Kvm, type KV } from "@nats-io/kv";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DecidedMessage, Execution } from "@secops/contracts";
import { DEFAULT_INCIDENT_RULES, KvIncidentStore, correlateAlert } from "../../src/correlator/index.js";
import { buildConnectors, type ConnectorRequest } from "../../src/responder/connectors/index.js";
import { incidentCases } from "../../src/responder/connectors/incident-cases.js";
import { readIncidentCase } from "../../src/state/incidents.js";
import { decided, silentLog, ticket, useResponderEnv } from "./fixtures.js";
import { startFakeJira, type FakeJira } from "../fakes/fake-jira.js";
import { startFakeTheHive, type FakeTheHive } from "../fakes/fake-thehive.js";

const env = useResponderEnv();
let kv: KV;
let store: KvIncidentStore;
beforeAll(async () => {
  kv = await new Kvm(env.nc).create(env.topo.correlator.bucket, { history: 5 });
  store = new KvIncidentStore(kv);
});
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
  for await (const k of await kv.keys()) await kv.purge(k);
});

function executed(o: { kind: string; execution?: unknown }): Execution {
  if (o.kind !== "executed") throw new Error(`expected an execution, got ${o.kind}`);
  return (o as { execution: Execution }).execution;
}

/** What the correlator does with a decided message, before (or while) the responder acts on it. */
async function correlate(msg: DecidedMessage): Promise<string | null> {
  const changed = await correlateAlert(msg, store, DEFAULT_INCIDENT_RULES);
  if (!changed.length) await store.markSeen(msg.alertId);
  return changed[0]?.incidentId ?? null;
}

function requestOf(msg: DecidedMessage, ex: Execution): ConnectorRequest {
  return {
    actionId: ex.actionId, alertId: msg.alertId, parameters: msg.decision.parameters, localRef: String(ex.details.ticketId),
    alert: { title: msg.alert.title, severity: msg.investigation.severity, category: msg.alert.category, fingerprint: msg.alert.fingerprint, format: msg.alert.format, time: msg.alert.time, mitre: msg.alert.mitre, host: msg.alert.host.name },
  };
}

describe("Jira: an incident's new alert is a comment on its issue", () => {
  it("opens one issue for the incident, adds later alerts as ADF comments once each, and an undo takes back only its comment", async () => {
    const f: FakeJira = await startFakeJira();
    closers.push(() => f.close());
    const vars = { JIRA_URL: f.url, JIRA_EMAIL: "bot@example.org", JIRA_API_TOKEN: "jira-token", JIRA_PROJECT_KEY: "SEC" };
    const r = await env.make(vars);
    const first = decided(ticket("Ransomware on ws-fin-042"));
    expect(await correlate(first)).toBeNull(); // one alert is no incident yet
    const ex1 = executed(await r.execute(first));
    expect(ex1.status, ex1.error ?? "").toBe("success");
    expect(f.issues).toHaveLength(1);
    const key = f.issues[0]!.key;

    const second = decided(ticket("Beacon from ws-fin-042"));
    const incidentId = await correlate(second); // the two now form an incident
    expect(incidentId).toMatch(/^inc-/);
    const ex2 = executed(await r.execute(second));
    expect(ex2.status, ex2.error ?? "").toBe("success");
    expect(f.issues).toHaveLength(1);
    expect(ex2.summary).toContain(`Jira issue ${key}: alert added as a comment (incident ${incidentId})`);
    const comments = f.issues[0]!.comments;
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toMatchObject({ type: "doc", version: 1 });
    expect(JSON.stringify(comments[0]!.body)).toContain(`SecOps action: ${ex2.actionId}`);
    expect(f.requests.find((q) => q.method === "POST" && q.path === `/rest/api/3/issue/${key}/comment`)).toBeDefined();
    expect((await readIncidentCase(kv, "jira", incidentId!))).toMatchObject({ kind: "issue", ref: key, incidentId });

    const third = decided(ticket("Exfiltration from ws-fin-042"));
    expect(await correlate(third)).toBe(incidentId);
    executed(await r.execute(third));
    expect(f.issues).toHaveLength(1);
    expect(f.issues[0]!.comments).toHaveLength(2);

    // The connector called again for the same action (its first reply lost): it finds its comment.
    const [jira] = buildConnectors(vars, { log: silentLog, timeoutMs: 5000, cases: incidentCases({ kv, waitMs: 0 }) }).get("CREATE_TICKET")!;
    const again = await jira!.perform(requestOf(second, ex2));
    expect(again.summary).toContain("alert already added");
    expect(f.issues[0]!.comments).toHaveLength(2);

    await r.undo(ex2.actionId, "alice");
    expect(f.issues[0]!.comments).toHaveLength(1);
    expect(JSON.stringify(f.issues[0]!.comments)).not.toContain(ex2.actionId);
    expect(f.issues[0]!.fields.status).toBe("To Do"); // the incident's issue stays open for the other alerts
  });

  it("opens an issue of its own when the incident's issue was deleted in Jira", async () => {
    const f = await startFakeJira();
    closers.push(() => f.close());
    const r = await env.make({ JIRA_URL: f.url, JIRA_EMAIL: "bot@example.org", JIRA_API_TOKEN: "jira-token", JIRA_PROJECT_KEY: "SEC" });
    const a = decided(ticket("one"));
    await correlate(a);
    executed(await r.execute(a));
    f.issues.splice(0, 1);
    const b = decided(ticket("two"));
    expect(await correlate(b)).toMatch(/^inc-/);
    const ex = executed(await r.execute(b));
    expect(ex.status, ex.error ?? "").toBe("success");
    expect(f.issues).toHaveLength(1);
    expect(f.issues[0]!.fields.summary).toBe("two");
  });

  it("INCIDENT_CASES=off opens an issue per alert, as before", async () => {
    const f = await startFakeJira();
    closers.push(() => f.close());
    const r = await env.make({ JIRA_URL: f.url, JIRA_EMAIL: "bot@example.org", JIRA_API_TOKEN: "jira-token", JIRA_PROJECT_KEY: "SEC", INCIDENT_CASES: "off" });
    const a = decided(ticket("one"));
    await correlate(a);
    executed(await r.execute(a));
    const b = decided(ticket("two"));
    expect(await correlate(b)).toMatch(/^inc-/);
    executed(await r.execute(b));
    expect(f.issues).toHaveLength(2);
  });

  it("a bad INCIDENT_CASES value stops the responder naming it", async () => {
    await expect(env.make({ INCIDENT_CASES: "sometimes" })).rejects.toThrow(/INCIDENT_CASES="sometimes": expected attach/);
  });
});

describe("TheHive 5: an incident's new alert is merged into its case", () => {
  it("promotes the incident's first alert to its case when the second arrives, merges every later one, and merges each once", async () => {
    const f: FakeTheHive = await startFakeTheHive();
    closers.push(() => f.close());
    const vars = { THEHIVE_URL: f.url, THEHIVE_API_KEY: "hive-key" };
    const r = await env.make(vars);
    const first = decided(ticket("Ransomware on ws-fin-042"));
    await correlate(first);
    executed(await r.execute(first));
    expect(f.alerts).toHaveLength(1);
    expect(f.cases).toHaveLength(0);

    const second = decided(ticket("Beacon from ws-fin-042"));
    const incidentId = await correlate(second);
    const ex2 = executed(await r.execute(second));
    expect(ex2.status, ex2.error ?? "").toBe("success");
    expect(f.cases).toHaveLength(1);
    const c = f.cases[0]!;
    expect(c.alertIds).toEqual([f.alerts[0]!._id, f.alerts[1]!._id]);
    expect(ex2.summary).toContain(`added to case ${c._id} of incident ${incidentId}`);
    expect(f.requests.find((q) => q.method === "POST" && q.path === `/api/v1/alert/${f.alerts[0]!._id}/case`)).toBeDefined();
    expect(f.requests.find((q) => q.method === "POST" && q.path === `/api/v1/alert/${f.alerts[1]!._id}/merge/${c._id}`)).toBeDefined();
    expect(await readIncidentCase(kv, "thehive", incidentId!)).toMatchObject({ kind: "case", ref: c._id });

    const third = decided(ticket("Exfiltration from ws-fin-042"));
    await correlate(third);
    const ex3 = executed(await r.execute(third));
    expect(f.cases).toHaveLength(1);
    expect(c.alertIds).toHaveLength(3);

    // Called again for the same action: TheHive refuses the second create (400), the alert is found, already in the case.
    const [hive] = buildConnectors(vars, { log: silentLog, timeoutMs: 5000, cases: incidentCases({ kv, waitMs: 0 }) }).get("CREATE_TICKET")!;
    const merges = () => f.requests.filter((q) => /\/merge\//.test(q.path)).length;
    const before = merges();
    const again = await hive!.perform(requestOf(third, ex3));
    expect(again.ref).toMatchObject({ thehiveCaseId: c._id });
    expect(merges()).toBe(before);
    expect(c.alertIds).toHaveLength(3);
    expect(f.alerts).toHaveLength(3);

    // The undo of an alert in the incident's case is said in the case, not done to the case.
    await r.undo(ex3.actionId, "alice");
    expect(c.comments.at(-1)).toContain(`action ${ex3.actionId} was undone by alice`);
  });

  it("leaves the alert on its own when the incident's case was deleted in TheHive", async () => {
    const f = await startFakeTheHive();
    closers.push(() => f.close());
    const r = await env.make({ THEHIVE_URL: f.url, THEHIVE_API_KEY: "hive-key" });
    for (const t of ["a", "b"]) {
      const m = decided(ticket(t));
      await correlate(m);
      executed(await r.execute(m));
    }
    expect(f.cases).toHaveLength(1);
    f.cases.splice(0, 1);
    const c = decided(ticket("c"));
    await correlate(c);
    const ex = executed(await r.execute(c));
    expect(ex.status, ex.error ?? "").toBe("success");
    expect(ex.summary).toMatch(/no longer exists/);
    expect(f.alerts).toHaveLength(3);
  });

  it("THEHIVE_INCIDENT_CASE=existing merges only into a case an analyst opened", async () => {
    const f = await startFakeTheHive();
    closers.push(() => f.close());
    const r = await env.make({ THEHIVE_URL: f.url, THEHIVE_API_KEY: "hive-key", THEHIVE_INCIDENT_CASE: "existing" });
    const first = decided(ticket("a"));
    await correlate(first);
    executed(await r.execute(first));
    const second = decided(ticket("b"));
    await correlate(second);
    executed(await r.execute(second));
    expect(f.cases).toHaveLength(0);
    expect(f.alerts.every((a) => !a.caseId)).toBe(true);
  });
});
