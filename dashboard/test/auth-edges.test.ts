// Edges of the dashboard's token, caller-name, host and origin checks (dashboard/src/auth.ts) that
// `npm run mutation` showed no other test would notice: header spellings, who counts as a person,
// names a header may carry, the addresses a wildcard bind answers to, clipped texts.
import { hostname, networkInterfaces } from "node:os";
import { describe, expect, it } from "vitest";
import Fastify, { type FastifyRequest } from "fastify";
import { parseDashboardUsers } from "@secops/agents/runtime";
import { createAuth, createSiteGuard, localHostnames } from "../src/auth.js";

const SHARED = "shared-token-0123456789";
const ALICE = "alice-token-0123456789";

async function app(users?: ReturnType<typeof parseDashboardUsers>) {
  const a = Fastify();
  const auth = createAuth(SHARED, users);
  a.post("/write", { preHandler: auth.requireAuth }, async (req) => ({ caller: auth.callerOf(req), person: auth.isPerson(req) }));
  a.get("/read", async (req) => ({ caller: auth.callerOf(req), person: auth.isPerson(req) }));
  await a.ready();
  return a;
}
const post = (a: Awaited<ReturnType<typeof app>>, authorization?: string, user?: string) =>
  a.inject({ method: "POST", url: "/write", headers: { ...(authorization !== undefined ? { authorization } : {}), ...(user ? { "x-secops-user": user } : {}) } });

describe("the Authorization header", () => {
  it("takes 'Bearer <token>' in any case with any spacing around the token, and nothing before 'Bearer'", async () => {
    const a = await app();
    expect((await post(a, `bearer ${SHARED}`)).statusCode).toBe(200);
    expect((await post(a, `Bearer   ${SHARED}  `)).statusCode).toBe(200);
    expect((await post(a, `Bearer\t${SHARED}`)).statusCode).toBe(200);
    expect((await post(a, `xBearer ${SHARED}`)).statusCode).toBe(401);
    expect((await post(a, `Basic ${SHARED}`)).statusCode).toBe(401);
    expect((await post(a, `Bearer${SHARED}`)).statusCode).toBe(401);
    const none = await post(a);
    expect(none.statusCode).toBe(401);
    expect(none.json().error).toBe("unauthorized");
  });
});

describe("who the caller is", () => {
  it("the shared token is not a person; a per-person token is", async () => {
    expect((await post(await app(), `Bearer ${SHARED}`, "carol")).json()).toEqual({ caller: "carol", person: false });
    expect((await post(await app(parseDashboardUsers(`alice:${ALICE}`)), `Bearer ${ALICE}`)).json()).toEqual({ caller: "alice", person: true });
  });

  it("with per-person tokens, a request that did not authenticate is 'api' whatever its header says", async () => {
    const a = await app(parseDashboardUsers(`alice:${ALICE}`));
    expect((await a.inject({ method: "GET", url: "/read", headers: { "x-secops-user": "alice" } })).json()).toEqual({ caller: "api", person: false });
  });

  it("a self-declared name: trimmed, the first of repeated headers, only letters, digits and . @ - _ from start to end", () => {
    const { callerOf } = createAuth(SHARED);
    const req = (v: string | string[] | undefined) => ({ headers: v === undefined ? {} : { "x-secops-user": v } }) as unknown as FastifyRequest;
    expect(callerOf(req("  carol.d@soc-1_x "))).toBe("carol.d@soc-1_x");
    expect(callerOf(req(["dave", "eve"]))).toBe("dave");
    expect(callerOf(req(undefined))).toBe("api");
    expect(callerOf(req("<b>carol"))).toBe("api");
    expect(callerOf(req("carol</b>"))).toBe("api");
    expect(callerOf(req("c".repeat(128)))).toBe("c".repeat(128));
    expect(callerOf(req("c".repeat(129)))).toBe("api");
  });
});

describe("hosts and origins", () => {
  it("a wildcard bind (0.0.0.0, ::, [::]) answers to the machine's addresses, IPv6 in brackets, and its name", () => {
    const expected = new Set(["localhost", "127.0.0.1", "[::1]", hostname().toLowerCase()]);
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) expected.add(a.family === "IPv6" ? `[${a.address.toLowerCase()}]` : a.address);
    for (const bind of ["0.0.0.0", "::", "[::]"]) {
      const hosts = localHostnames(bind);
      expect(hosts, bind).toEqual(expected);
      for (const h of hosts) expect(h.includes(":") ? h.startsWith("[") : !h.startsWith("["), h).toBe(true);
    }
    expect(localHostnames("10.1.2.3")).toEqual(new Set(["localhost", "127.0.0.1", "[::1]", "10.1.2.3"]));
  });

  async function guarded(allowedOrigins: string[] = []) {
    const a = Fastify();
    a.addHook("onRequest", createSiteGuard({ auth: createAuth(SHARED), boundHost: "dash.local", allowedHosts: [], allowedOrigins, readAuth: "off", publicPaths: new Set(["/"]) }));
    a.get("/api/x", async () => ({ ok: true }));
    await a.ready();
    return a;
  }

  it("its own origin matches a Host header in any case, over http and https", async () => {
    const a = await guarded();
    for (const origin of ["http://dash.local:8080", "https://dash.local:8080"]) {
      expect((await a.inject({ method: "GET", url: "/api/x", headers: { host: "Dash.Local:8080", origin } })).statusCode, origin).toBe(200);
    }
  });

  it("allowed origins lose every trailing slash", async () => {
    const a = await guarded(["https://soc.example//"]);
    expect((await a.inject({ method: "GET", url: "/api/x", headers: { host: "dash.local", origin: "https://soc.example" } })).statusCode).toBe(200);
  });

  it("the refusals quote at most 100 characters of the host or origin", async () => {
    const a = await guarded();
    const longHost = `evil${"h".repeat(200)}.example`;
    const h = await a.inject({ method: "GET", url: "/api/x", headers: { host: longHost } });
    expect(h.statusCode).toBe(421);
    expect(h.json().message).toContain(`${JSON.stringify(longHost.slice(0, 100))};`);
    const longOrigin = `https://evil${"o".repeat(200)}.example`;
    const o = await a.inject({ method: "GET", url: "/api/x", headers: { host: "dash.local", origin: longOrigin } });
    expect(o.statusCode).toBe(403);
    expect(o.json().message).toContain(`${JSON.stringify(longOrigin.slice(0, 100))} are refused`);
  });
});
