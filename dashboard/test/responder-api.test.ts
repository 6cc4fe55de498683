// The approvals, actions and EDL API on the dashboard as buildDashboard assembles it: the real
// bearer-token auth (a wrong or missing token is refused before anything is read), records from
// the shared state, and undo carried out by a responder that answers the undo request.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import type { Subscription } from "@nats-io/transport-node";
import { startNats, type TestNats } from "../../agents/test/harness/nats.js";
import { awaiting, block, decided, isolate, natsEnvFor, silentLog, ticket, type Env } from "../../agents/test/responder/fixtures.js";
import { requestUndo, serveUndoRequests } from "../../agents/src/state/undo-requests.js";
import { topology } from "@secops/contracts";
import { uniqueNamespace } from "../../agents/test/harness/nats.js";
import { parseDashboardUsers } from "../../agents/src/runtime/config.js";
import { buildDashboard } from "../src/server.js";

const TOKEN = "test-token-0123456789";
let nats: TestNats;
let env: Env;
let app: FastifyInstance;
let undoService: Subscription;
const auth = { authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  nats = await startNats();
  env = await natsEnvFor(nats.url, nats.topo);
  const responder = await env.make();
  undoService = serveUndoRequests(env.nc, nats.topo, (id, by) => responder.undo(id, by), silentLog);
  ({ app } = await buildDashboard({ nc: env.nc, topo: nats.topo, log: silentLog, token: TOKEN, env: {} }));
  await app.ready();
});
afterAll(async () => {
  undoService?.unsubscribe();
  await app?.close();
  await env.nc.close();
  await nats.stop();
});

describe("write endpoints refuse a missing or wrong token", () => {
  it("answers 401 with the bearer challenge, and changes nothing", async () => {
    const r = await env.make();
    const msg = awaiting(block("203.0.113.150"));
    await r.execute(msg);
    const id = msg.decision.approval!.id;
    for (const headers of [{}, { authorization: "Bearer wrong-token-0123456789" }, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }]) {
      const res = await app.inject({ method: "POST", url: `/api/approvals/${id}/approve`, headers: { ...headers, "x-secops-user": "mallory" }, payload: { by: "mallory" } });
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(res.headers["www-authenticate"]).toBe('Bearer realm="secops"');
    }
    expect((await app.inject({ method: "GET", url: `/api/approvals/${id}` })).json()).toMatchObject({ status: "pending", approvers: [] });
    const done = await r.execute(decided(ticket("no-token undo")));
    if (done.kind !== "executed") throw new Error("expected an execution");
    const undo = await app.inject({ method: "POST", url: `/api/actions/${done.execution.actionId}/undo`, headers: { authorization: "Bearer nope-nope-nope-nope" } });
    expect(undo.statusCode).toBe(401);
    expect((await app.inject({ method: "GET", url: `/api/ledger/${done.execution.actionId}` })).json()).toMatchObject({ state: "done", undone: null });
  });
});

describe("approvals API", () => {
  it("lists, shows, and approves with two different people; writes need the token", async () => {
    const r = await env.make();
    const msg = awaiting(isolate("ws-api"), { approversRequired: 2 });
    await r.execute(msg);
    const id = msg.decision.approval!.id;

    const list = await app.inject({ method: "GET", url: "/api/approvals?status=pending" });
    expect(list.statusCode).toBe(200);
    expect(list.json().approvals.map((a: { id: string }) => a.id)).toContain(id);
    expect(JSON.stringify(list.json())).not.toContain('"raw"');
    expect((await app.inject({ method: "GET", url: "/api/approvals?status=bogus" })).statusCode).toBe(400);

    const one = await app.inject({ method: "GET", url: `/api/approvals/${id}` });
    expect(one.json()).toMatchObject({ id, status: "pending", action: "ISOLATE_HOST", approversRequired: 2, alert: { host: "ws-fin-042" } });
    expect((await app.inject({ method: "GET", url: "/api/approvals/APR-NONE" })).statusCode).toBe(404);

    const noAuth = await app.inject({ method: "POST", url: `/api/approvals/${id}/approve`, payload: { by: "alice" } });
    expect(noAuth.statusCode).toBe(401);

    // The shared token is one person, whatever names are typed: the approval says a second person is needed, and how.
    const a1 = await app.inject({ method: "POST", url: `/api/approvals/${id}/approve`, headers: { ...auth, "x-secops-user": "alice" }, payload: { comment: "yes" } });
    expect(a1.statusCode).toBe(200);
    expect(a1.json()).toMatchObject({ status: "pending", approversCount: 1 });
    expect(a1.json().note).toMatch(/counted as one approver.*needs 2 different people.*DASHBOARD_USERS=alice:<token>:responder,bob:<token>:responder/);
    for (const second of [{ "x-secops-user": "alice" }, { "x-secops-user": "ALICE" }, { "x-secops-user": "bob" }]) {
      const again = await app.inject({ method: "POST", url: `/api/approvals/${id}/approve`, headers: { ...auth, ...second } });
      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({ error: "second_person_needed" });
    }
    const byBody = await app.inject({ method: "POST", url: `/api/approvals/${id}/approve`, headers: auth, payload: { by: "bob" } });
    expect(byBody.statusCode).toBe(409);
    expect((await app.inject({ method: "GET", url: `/api/approvals/${id}` })).json()).toMatchObject({ status: "pending", approversCount: 1 });

    // Two people with their own tokens (DASHBOARD_USERS) make two approvals.
    const ALICE = "alice-token-0123456789ab";
    const BOB = "bob-token-0123456789abcd";
    const { app: peopleApp } = await buildDashboard({ nc: env.nc, topo: nats.topo, log: silentLog, token: "unused-shared-token-0123", env: {}, users: parseDashboardUsers(`alice:${ALICE},bob:${BOB}`) });
    await peopleApp.ready();
    const msg2 = awaiting(isolate("ws-api-people"), { approversRequired: 2 });
    await r.execute(msg2);
    const id2 = msg2.decision.approval!.id;
    const p1 = await peopleApp.inject({ method: "POST", url: `/api/approvals/${id2}/approve`, headers: { authorization: `Bearer ${ALICE}` } });
    expect(p1.json()).toMatchObject({ status: "pending", approversCount: 1 });
    expect(p1.json().note).toBeUndefined();
    const p2 = await peopleApp.inject({ method: "POST", url: `/api/approvals/${id2}/approve`, headers: { authorization: `Bearer ${BOB}` } });
    expect(p2.json()).toMatchObject({ status: "approved", approversCount: 2 });
    const late = await peopleApp.inject({ method: "POST", url: `/api/approvals/${id2}/reject`, headers: { authorization: `Bearer ${ALICE}` } });
    expect(late.statusCode).toBe(409);
    expect(late.json().message).toMatch(/already approved/);
    await peopleApp.close();
  });

  it("reject; unknown ids are 404; an oversized comment is 400", async () => {
    const r = await env.make();
    const msg = awaiting(block("203.0.113.140"));
    await r.execute(msg);
    const id = msg.decision.approval!.id;
    const bad = await app.inject({ method: "POST", url: `/api/approvals/${id}/reject`, headers: auth, payload: { by: "x", comment: "c".repeat(2001) } });
    expect(bad.statusCode).toBe(400);
    const rej = await app.inject({ method: "POST", url: `/api/approvals/${id}/reject`, headers: auth, payload: { by: "dana", comment: "no" } });
    expect(rej.json()).toMatchObject({ status: "rejected", rejectedBy: { by: "dana (shared token)", comment: "no" } });
    const unknown = await app.inject({ method: "POST", url: "/api/approvals/APR-NONE/approve", headers: auth, payload: { by: "x" } });
    expect(unknown.statusCode).toBe(404);
  });
});

describe("actions API, undo and EDL", () => {
  it("lists records, shows the ledger, undoes through the API once", async () => {
    const r = await env.make();
    const out = await r.execute(decided(ticket("API ticket")));
    if (out.kind !== "executed") throw new Error("expected an execution");
    const tickets = await app.inject({ method: "GET", url: "/api/tickets" });
    expect(tickets.json().items.find((t: { title: string }) => t.title === "API ticket")).toMatchObject({ status: "open" });
    const ledger = await app.inject({ method: "GET", url: `/api/ledger/${out.execution.actionId}` });
    expect(ledger.json()).toMatchObject({ state: "done", action: "CREATE_TICKET", compensation: { kind: "close_ticket" } });
    expect((await app.inject({ method: "GET", url: "/api/ledger/nope" })).statusCode).toBe(404);
    for (const path of ["/api/isolations", "/api/closures", "/api/reviews", "/api/suppressions", "/api/blocklist"]) {
      const res = await app.inject({ method: "GET", url: path });
      expect(res.statusCode, path).toBe(200);
      expect(Array.isArray(res.json().items), path).toBe(true);
    }

    expect((await app.inject({ method: "POST", url: `/api/actions/${out.execution.actionId}/undo` })).statusCode).toBe(401);
    const undo = await app.inject({ method: "POST", url: `/api/actions/${out.execution.actionId}/undo`, headers: { ...auth, "x-secops-user": "erin" } });
    expect(undo.statusCode).toBe(200);
    expect(undo.json()).toMatchObject({ status: "success", by: "erin" });
    const twice = await app.inject({ method: "POST", url: `/api/actions/${out.execution.actionId}/undo`, headers: auth });
    expect(twice.json().status).toBe("duplicate");
    const closed = await app.inject({ method: "GET", url: "/api/tickets" });
    expect(closed.json().items.find((t: { title: string }) => t.title === "API ticket")).toMatchObject({ status: "closed", closedBy: "erin" });
    expect((await app.inject({ method: "POST", url: `/api/actions/${"0".repeat(64)}/undo`, headers: auth })).statusCode).toBe(404);
  });

  it("serves current blocks as a plain-text EDL with cache headers; expired and undone blocks leave it", async () => {
    const r = await env.make();
    await r.execute(decided(block("198.51.100.200", 24)));
    const undone = await r.execute(decided(block("198.51.100.201", 24)));
    const old = await env.make({}, () => new Date(Date.now() - 48 * 3600_000));
    await old.execute(decided(block("198.51.100.202", 1)));
    if (undone.kind !== "executed") throw new Error("expected an execution");
    await r.undo(undone.execution.actionId, "x");

    const res = await app.inject({ method: "GET", url: "/edl/ip-blocklist.txt" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(res.headers["cache-control"]).toMatch(/max-age=\d+/);
    const lines = res.body.split("\n").filter((l) => l && !l.startsWith("#"));
    expect(lines).toContain("198.51.100.200");
    expect(lines).not.toContain("198.51.100.201");
    expect(lines).not.toContain("198.51.100.202");
    expect(res.body.startsWith("#")).toBe(true);
    const cached = await app.inject({ method: "GET", url: "/edl/ip-blocklist.txt", headers: { "if-none-match": String(res.headers.etag) } });
    expect(cached.statusCode).toBe(304);
  });
});

describe("undo needs a running responder", () => {
  it("says so, instead of hanging, when no responder answers the request", async () => {
    const lonely = topology(uniqueNamespace());
    await expect(requestUndo(env.nc, lonely, { actionId: "a".repeat(64), by: "x" }, 2_000)).rejects.toMatchObject({ code: "unavailable", message: expect.stringMatching(/no responder is running/) });
  });
});

describe("approval roles (DASHBOARD_USERS with roles)", () => {
  it("lets only holders of the policy's role decide, and names the caller from the token", async () => {
    const LEAD = "lead-token-0123456789ab";
    const INTERN = "intern-token-0123456789";
    const { app: roleApp } = await buildDashboard({
      nc: env.nc, topo: nats.topo, log: silentLog, token: "unused-shared-token-0123", env: {},
      users: parseDashboardUsers(`dana:${LEAD}:responder|lead,ivan:${INTERN}:viewer`),
    });
    await roleApp.ready();
    const r = await env.make();
    const msg = awaiting(isolate("ws-roles"), { approversRequired: 1 });
    await r.execute(msg);
    const id = msg.decision.approval!.id;
    const required = msg.decision.approval!.requiredRole;

    // The shared token no longer writes once per-person tokens are configured.
    expect((await roleApp.inject({ method: "POST", url: `/api/approvals/${id}/approve`, headers: { authorization: "Bearer unused-shared-token-0123" }, payload: {} })).statusCode).toBe(401);
    const denied = await roleApp.inject({ method: "POST", url: `/api/approvals/${id}/approve`, headers: { authorization: `Bearer ${INTERN}`, "x-secops-user": "dana" }, payload: {} });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().message).toMatch(new RegExp(`needs the role "${required}"; ivan holds viewer`));

    expect(required).toBe("responder");
    // dana holds the role; the header and body naming "mallory" do not change who approved.
    const ok = await roleApp.inject({ method: "POST", url: `/api/approvals/${id}/approve`, headers: { authorization: `Bearer ${LEAD}`, "x-secops-user": "mallory" }, payload: { by: "mallory" } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().approvers.map((a: { by: string }) => a.by)).toEqual(["dana"]);
    await roleApp.close();
  });
});
