// Who may write, and who they are: the shared token with self-declared names, or per-person
// tokens whose holder is the caller whatever the request claims.
import { describe, expect, it } from "vitest";
import Fastify from "fastify";
import { createAuth } from "../src/auth.js";
import { ConfigError, dashboardEnv, parseDashboardUsers, parseEnv } from "@secops/agents/runtime";

const SHARED = "shared-token-0123456789";
const ALICE = "alice-token-0123456789";
const BOB = "bob-token-0123456789ab";

async function app(users?: ReturnType<typeof parseDashboardUsers>) {
  const a = Fastify();
  const auth = createAuth(SHARED, users);
  a.post("/write", { preHandler: auth.requireAuth }, async (req) => ({ caller: auth.callerOf(req), roles: auth.rolesOf(req) }));
  await a.ready();
  return a;
}

const post = (a: Awaited<ReturnType<typeof app>>, token: string | null, user?: string) =>
  a.inject({ method: "POST", url: "/write", headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(user ? { "x-secops-user": user } : {}) } });

describe("dashboard write authentication", () => {
  it("with the shared token: 401 without it, and callers name themselves", async () => {
    const a = await app();
    const none = await post(a, null);
    expect(none.statusCode).toBe(401);
    expect(none.headers["www-authenticate"]).toMatch(/Bearer/);
    expect(none.json().message).toMatch(/data\/dashboard-token/);
    expect((await post(a, "wrong-token-0123456789")).statusCode).toBe(401);
    expect((await post(a, SHARED, "carol")).json()).toEqual({ caller: "carol", roles: null });
    expect((await post(a, SHARED, "<script>")).json()).toEqual({ caller: "api", roles: null });
  });

  it("with per-person tokens: the token names the caller, a header cannot, and the shared token no longer writes", async () => {
    const a = await app(parseDashboardUsers(`alice:${ALICE}:responder|lead, bob:${BOB}`));
    expect((await post(a, ALICE, "bob")).json()).toEqual({ caller: "alice", roles: ["responder", "lead"] });
    expect((await post(a, BOB)).json()).toEqual({ caller: "bob", roles: null });
    const shared = await post(a, SHARED, "alice");
    expect(shared.statusCode).toBe(401);
    expect(shared.json().message).toMatch(/DASHBOARD_USERS/);
  });

  it("refuses a bad DASHBOARD_USERS at start, naming the variable and the problem", () => {
    expect(() => parseDashboardUsers("alice:short")).toThrow(/shorter than 16/);
    expect(() => parseDashboardUsers(`alice:${ALICE},bob:${ALICE}`)).toThrow(/shares a token with alice/);
    expect(() => parseDashboardUsers("no-colon-here")).toThrow(/expected name:token/);
    expect(() => parseDashboardUsers(`alice:${ALICE}:`)).toThrow(/roles of alice/);
    expect(() => parseDashboardUsers(`alice:${ALICE}:a b`)).toThrow(/roles of alice/);
    let err: unknown;
    try { parseEnv(dashboardEnv, { DASHBOARD_USERS: "alice:short" }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/DASHBOARD_USERS="alice:short": the token of alice is shorter than 16 characters/);
  });
});
