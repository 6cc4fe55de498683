// The dashboard's host and origin checks (createSiteGuard) without a browser: fastify's inject
// sends the Host and Origin headers a DNS-rebinding page or another site would send.
import { describe, expect, it } from "vitest";
import Fastify from "fastify";
import { createAuth, createSiteGuard, localHostnames, type SiteGuardOptions } from "../src/auth.js";

const TOKEN = "shared-token-0123456789";

async function app(o: Partial<SiteGuardOptions> = {}) {
  const a = Fastify();
  const auth = createAuth(TOKEN);
  a.addHook("onRequest", createSiteGuard({ auth, boundHost: "127.0.0.1", allowedHosts: [], allowedOrigins: [], readAuth: "off", publicPaths: new Set(["/"]), ...o }));
  for (const url of ["/", "/api/alerts", "/ws", "/edl", "/ingest/webhook"]) a.get(url, async () => ({ ok: url }));
  a.post("/api/write", async () => ({ wrote: true }));
  a.options("/api/alerts", async () => ({ options: true }));
  await a.ready();
  return a;
}
type App = Awaited<ReturnType<typeof app>>;
const get = (a: App, url: string, headers: Record<string, string> = {}) => a.inject({ method: "GET", url, headers: { host: "127.0.0.1:8080", ...headers } });
const auth = { authorization: `Bearer ${TOKEN}` };

describe("host allowlist (DNS rebinding)", () => {
  it("answers the bound host and localhost, any case; 421 for any other host or none, naming it", async () => {
    const a = await app();
    expect((await get(a, "/")).statusCode).toBe(200);
    expect((await get(a, "/", { host: "LOCALHOST:8080" })).statusCode).toBe(200);
    expect((await get(a, "/", { host: "[::1]:8080" })).statusCode).toBe(200);
    const evil = await get(a, "/", { host: "evil.example:8080" });
    expect(evil.statusCode).toBe(421);
    expect(evil.json()).toMatchObject({ error: "misdirected_request", message: expect.stringContaining('"evil.example:8080"') });
    expect(evil.headers["x-content-type-options"]).toBe("nosniff");
    expect((await get(a, "/", { host: "a b" })).statusCode).toBe(421);
  });

  it("adds DASHBOARD_ALLOWED_HOSTS (any case) and the bound host", async () => {
    const a = await app({ allowedHosts: ["SOC.Example"], boundHost: "Dash.Internal" });
    expect((await get(a, "/", { host: "soc.example" })).statusCode).toBe(200);
    expect((await get(a, "/", { host: "dash.internal:8080" })).statusCode).toBe(200);
    expect((await get(a, "/", { host: "other.example" })).statusCode).toBe(421);
  });

  it("localHostnames: brackets an IPv6 bound host; a wildcard bind adds the machine's addresses", () => {
    expect([...localHostnames("::1")]).toContain("[::1]");
    expect([...localHostnames("fd00::5")]).toContain("[fd00::5]");
    expect([...localHostnames("[fd00::5]")]).toContain("[fd00::5]");
    expect(localHostnames("10.0.0.5")).toEqual(new Set(["localhost", "127.0.0.1", "[::1]", "10.0.0.5"]));
    for (const wildcard of ["0.0.0.0", "::", "[::]"]) {
      const hosts = localHostnames(wildcard);
      expect(hosts.size, wildcard).toBeGreaterThan(3);
      expect(hosts.has(wildcard), wildcard).toBe(false);
    }
  });
});

describe("origin allowlist", () => {
  it("refuses another site's origin on the API, the websocket, ingest and writes; not on the page", async () => {
    const a = await app();
    for (const url of ["/api/alerts", "/ws", "/ingest/webhook"]) {
      const r = await get(a, url, { origin: "https://evil.example" });
      expect(r.statusCode, url).toBe(403);
      expect(r.json(), url).toMatchObject({ error: "forbidden_origin", message: expect.stringContaining('"https://evil.example"') });
    }
    expect((await get(a, "/", { origin: "https://evil.example" })).statusCode).toBe(200);
    expect((await get(a, "/edl", { origin: "https://evil.example" })).statusCode).toBe(200);
    const w = await a.inject({ method: "POST", url: "/api/write", headers: { host: "127.0.0.1:8080", origin: "null", ...auth } });
    expect(w.statusCode).toBe(403);
    expect((await get(a, "/api/alerts", { origin: "null" })).statusCode).toBe(403);
  });

  it("accepts its own origin (http or https, any case) and DASHBOARD_ALLOWED_ORIGINS without a trailing slash", async () => {
    const a = await app({ allowedOrigins: ["https://SOC.example/"] });
    expect((await get(a, "/api/alerts", { origin: "http://127.0.0.1:8080" })).statusCode).toBe(200);
    expect((await get(a, "/api/alerts", { origin: "HTTPS://127.0.0.1:8080" })).statusCode).toBe(200);
    expect((await get(a, "/api/alerts", { origin: "https://soc.example" })).statusCode).toBe(200);
    expect((await get(a, "/api/alerts", { origin: "http://127.0.0.1:9090" })).statusCode).toBe(403);
    expect((await get(a, "/api/alerts")).statusCode).toBe(200); // no Origin: not a browser's cross-site request
  });
});

describe("authentication in the guard", () => {
  it("every write needs the token, before its body is read", async () => {
    const a = await app();
    const none = await a.inject({ method: "POST", url: "/api/write", headers: { host: "127.0.0.1:8080" }, payload: { x: 1 } });
    expect(none.statusCode).toBe(401);
    const ok = await a.inject({ method: "POST", url: "/api/write", headers: { host: "127.0.0.1:8080", ...auth }, payload: { x: 1 } });
    expect(ok.json()).toEqual({ wrote: true });
  });

  it("DASHBOARD_READ_AUTH closes reads but not public paths or OPTIONS; the websocket's ?access_token= counts", async () => {
    const a = await app({ readAuth: "token" });
    expect((await get(a, "/api/alerts")).statusCode).toBe(401);
    expect((await get(a, "/edl")).statusCode).toBe(401);
    expect((await get(a, "/")).statusCode).toBe(200);
    expect((await a.inject({ method: "OPTIONS", url: "/api/alerts", headers: { host: "127.0.0.1:8080" } })).statusCode).toBe(200);
    expect((await get(a, "/api/alerts", auth)).statusCode).toBe(200);
    expect((await get(a, `/ws?x=1&access_token=${encodeURIComponent(TOKEN)}`)).statusCode).toBe(200);
    expect((await get(a, "/ws?access_token=wrong")).statusCode).toBe(401);
    expect((await get(a, "/ws?access_token=wrong", auth)).statusCode).toBe(200); // the header wins
    const off = await app();
    expect((await get(off, "/api/alerts")).statusCode).toBe(200);
  });
});
