// The dashboard closed to other sites, with the real server (src/server.ts: every plugin behind
// the onRequest guard) on a real nats-server, and a real headless Chromium playing both the
// operator's tab and an attacker's page on another origin. Chromium resolves evil.example and
// attacker.example to 127.0.0.1 (--host-resolver-rules), which is exactly what DNS rebinding does.
import { existsSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import WebSocket from "ws";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { pino } from "pino";
import type { FastifyInstance } from "fastify";
import { startNats, type TestNats } from "../../agents/test/harness/nats.js";
import { provisionStream } from "../../agents/src/runtime/provision.js";
import { natsEnv, parseEnv } from "../../agents/src/runtime/config.js";
import { createResponder } from "../../agents/src/responder/handler.js";
import { loadSigner } from "../../agents/src/trust/signing.js";
import { awaiting, isolate } from "../../agents/test/responder/fixtures.js";
import { buildDashboard } from "../src/server.js";
import { TrustState } from "../../agents/src/trust/state.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const skip = process.env.SKIP_BROWSER_TESTS === "1";
const TOKEN = "site-test-token-0123456789";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--host-resolver-rules=MAP evil.example 127.0.0.1, MAP attacker.example 127.0.0.1"];

let nats: TestNats;
let nc: NatsConnection;
let app: FastifyInstance;
let port: number;
let base: string;
let evil: Server;
let evilPort: number;
let browser: Browser;

/** A raw HTTP request with any Host header (fetch may not set Host). */
function raw(opts: { path: string; method?: string; headers?: Record<string, string>; body?: Buffer; holdBody?: boolean }): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: opts.path, method: opts.method ?? "GET", headers: opts.headers }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => {
        if (opts.holdBody) req.destroy(); // the body is never sent
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on("error", reject);
    req.setTimeout(5_000, () => { req.destroy(); reject(new Error(`no answer within 5 s for ${opts.path}`)); });
    if (opts.body) req.write(opts.body);
    if (opts.holdBody) req.flushHeaders(); // headers only: the server must answer without the body
    else req.end();
  });
}

function wsOpen(origin: string | null): Promise<{ opened: boolean; status: number | null }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, origin === null ? {} : { origin });
    ws.on("open", () => { ws.close(); resolve({ opened: true, status: 101 }); });
    ws.on("unexpected-response", (_req, res) => resolve({ opened: false, status: res.statusCode ?? null }));
    ws.on("error", () => resolve({ opened: false, status: null }));
  });
}

beforeAll(async () => {
  if (!skip && !existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: set CHROMIUM_PATH, or SKIP_BROWSER_TESTS=1 to skip`);
  nats = await startNats();
  nc = await connect({ servers: nats.url, ...(nats.user ? { user: nats.user, pass: nats.pass } : {}) });
  await provisionStream(await jetstreamManager(nc), nats.topo, parseEnv(natsEnv, {}));
  const log = pino({ level: "silent" });
  ({ app } = await buildDashboard({ nc, topo: nats.topo, log, token: TOKEN, env: { DASHBOARD_HOST: "127.0.0.1" } }));
  await app.listen({ host: "127.0.0.1", port: 0 });
  port = (app.server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  // The attacker's page: reads what it can from the dashboard and writes what it got into the DOM.
  evil = createServer((_req, res) => {
    res.setHeader("content-type", "text/html");
    res.end(`<!doctype html><body><pre id="out">running</pre><script>
      const out = [];
      const done = () => { document.getElementById("out").textContent = JSON.stringify(out); document.body.dataset.done = "1"; };
      (async () => {
        try { const r = await fetch("${base}/api/alerts"); out.push("fetch:" + r.status + ":" + (await r.text()).slice(0, 200)); } catch (e) { out.push("fetch-blocked"); }
        try { const r = await fetch("${base}/api/alerts", { mode: "no-cors" }); out.push("no-cors:" + r.type + ":" + (await r.text()).length); } catch (e) { out.push("no-cors-blocked"); }
        await new Promise((resolve) => {
          const ws = new WebSocket("ws://127.0.0.1:${port}/ws");
          ws.onmessage = (m) => out.push("ws-message:" + String(m.data).slice(0, 200));
          ws.onopen = () => out.push("ws-open");
          ws.onclose = () => { out.push("ws-closed"); resolve(); };
          setTimeout(resolve, 3000);
        });
        done();
      })();
    </script></body>`);
  });
  await new Promise<void>((r) => evil.listen(0, "127.0.0.1", () => r()));
  evilPort = (evil.address() as AddressInfo).port;
  if (!skip) browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => evil?.close(r));
  await app?.close();
  await nc?.close();
  await nats?.stop();
});

describe("the dashboard closed to other sites", () => {
  it("refuses a cross-origin and a null-origin websocket, and accepts its own origin", async () => {
    expect(await wsOpen("http://evil.example")).toEqual({ opened: false, status: 403 });
    expect(await wsOpen("null")).toEqual({ opened: false, status: 403 });
    expect(await wsOpen(`http://127.0.0.1:${port}`)).toEqual({ opened: true, status: 101 });
  });

  it("refuses a rebinding Host header on every route, and answers its own", async () => {
    for (const path of ["/api/alerts", "/api/approvals", "/api/trust", "/edl/ip-blocklist.txt", "/"]) {
      const r = await raw({ path, headers: { host: `evil.example:${port}` } });
      expect(r.status, path).toBe(421);
      expect(r.body).toMatch(/DASHBOARD_ALLOWED_HOSTS/);
      expect(r.headers["x-content-type-options"]).toBe("nosniff");
    }
    expect((await raw({ path: "/api/alerts", headers: { host: `localhost:${port}` } })).status).toBe(200);
    expect((await raw({ path: "/api/alerts", headers: { host: `127.0.0.1:${port}` } })).status).toBe(200);
  });

  it("refuses API calls from another origin even with the token", async () => {
    const r = await raw({ path: "/api/trust/pause", method: "POST", headers: { host: `127.0.0.1:${port}`, origin: "http://evil.example", authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: Buffer.from("{}") });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).message).toMatch(/DASHBOARD_ALLOWED_ORIGINS/);
    expect((await (await fetch(`${base}/api/trust`)).json()).pause.paused).toBe(false);
  });

  it("answers 401 before reading a body: a 4 MB upload without a token is refused while its body is still unsent", async () => {
    const started = Date.now();
    const r = await raw({ path: "/ingest", method: "POST", headers: { host: `127.0.0.1:${port}`, "content-type": "application/json", "content-length": String(4 * 1024 * 1024) }, holdBody: true });
    expect(r.status).toBe(401);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("sends nosniff on every response and connect-src 'self' in the CSP", async () => {
    for (const path of ["/", "/api/alerts", "/api/stats", "/edl/ip-blocklist.txt", "/nope"]) {
      expect((await fetch(`${base}${path}`)).headers.get("x-content-type-options"), path).toBe("nosniff");
    }
    expect((await fetch(`${base}/ingest`, { method: "POST", body: "{}" })).headers.get("x-content-type-options")).toBe("nosniff");
    const csp = (await fetch(base)).headers.get("content-security-policy")!;
    expect(csp).toMatch(/connect-src 'self';/);
    expect(csp).not.toMatch(/ws:|wss:/);
  });
});

describe.skipIf(skip)("in Chromium", () => {
  let page: Page;
  beforeAll(async () => { page = await browser.newPage(); });

  it("an attacker's page on another origin reads nothing over fetch or the websocket", async () => {
    await page.goto(`http://attacker.example:${evilPort}/`);
    await page.waitForSelector("body[data-done='1']", { timeout: 15_000 });
    const out = JSON.parse((await page.textContent("#out"))!) as string[];
    expect(out).toContain("fetch-blocked");
    expect(out.find((o) => o.startsWith("no-cors:"))).toBe("no-cors:opaque:0");
    expect(out.filter((o) => o.startsWith("ws-message") || o === "ws-open")).toEqual([]);
    expect(out).toContain("ws-closed");
  });

  it("a DNS-rebinding name pointing at the dashboard gets no page and no data", async () => {
    const r = await page.goto(`http://evil.example:${port}/api/alerts`);
    expect(r!.status()).toBe(421);
    expect(await page.textContent("body")).not.toMatch(/"alertId"/);
  });

  it("pauses and resumes from the banner with the write token", async () => {
    await page.goto(base);
    const bar = page.getByTestId("trust-bar");
    await expect.poll(() => page.getByTestId("trust-pause-text").textContent()).toBe("Actions run as the policy says.");
    await page.getByTestId("trust-toggle").click();
    expect(await page.getByTestId("trust-result").textContent()).toBe("Paste the write token at the top first.");
    await page.getByTestId("token-input").fill(TOKEN);
    await page.getByTestId("token-save").click();
    await page.getByTestId("trust-toggle").click();
    await expect.poll(() => bar.getAttribute("data-paused")).toBe("true");
    expect(await page.getByTestId("trust-pause-text").textContent()).toMatch(/^PAUSED by api at .*every action runs in shadow mode/);
    expect((await (await fetch(`${base}/api/trust`)).json()).pause.paused).toBe(true);
    await page.getByTestId("trust-toggle").click();
    await expect.poll(() => bar.getAttribute("data-paused")).toBe("false");
    expect((await (await fetch(`${base}/api/trust`)).json()).pause.paused).toBe(false);
  });

  it("shows a refused signature and a reached containment limit in the banner, as text", async () => {
    const state = await TrustState.open(nc, nats.topo);
    await state.recordEvent({ kind: "signature", alertId: "forged-<b>1</b>", reason: "signature check failed, not executed: unsigned ready decision", reviewId: "REV-0123456789AB" });
    await state.recordLimitHit({ action: "ISOLATE_HOST", at: new Date().toISOString(), max: 5, perSeconds: 3600, alertId: "a1" });
    await page.goto(base);
    const events = page.getByTestId("trust-events");
    await expect.poll(() => events.textContent(), { timeout: 10_000 }).toMatch(/^Security: 1 decision\(s\) refused for their signature and not executed; latest .* for alert forged-<b>1<\/b>: signature check failed.*\(review REV-0123456789AB\)/);
    expect(await page.getByTestId("trust-limit").textContent()).toMatch(/^Containment limit reached at .*: more than 5 automatic ISOLATE_HOST in 1 h\. Further ISOLATE_HOST decisions wait for approval\./);
    expect(await page.locator("b").count()).toBe(0);
  });

  it("two approvals typed into one shared-token tab do not satisfy a two-person rule", async () => {
    const responder = await createResponder({ nc, js: jetstream(nc), topo: nats.topo, log: pino({ level: "silent" }), env: {} });
    const msg = loadSigner("decider", {}).sign(awaiting(isolate("ws-two-person"), { approversRequired: 2 }, { alertId: "two-person-1" }));
    await jetstream(nc).publish(nats.topo.subjects.decided, JSON.stringify(msg));
    await responder.execute(msg);
    const id = msg.decision.approval!.id;
    await page.goto(base);
    await page.getByTestId("token-input").fill(TOKEN);
    await page.getByTestId("token-save").click();
    const queued = page.locator(`[data-testid="approval-item"][data-alert-id="two-person-1"]`);
    await queued.waitFor({ timeout: 10_000 });
    // A clear failure (not the test's timeout) when another panel covers the queue at 1280x720.
    await queued.click({ timeout: 10_000 });
    const box = page.getByTestId("approval-box");
    await box.getByTestId("approve-button").waitFor();
    await box.getByTestId("approver-name").fill("alice");
    await box.getByTestId("approve-button").click();
    await expect.poll(async () => (await responder.approvals.get(id))?.approvers.length, { timeout: 10_000 }).toBe(1);
    await box.getByTestId("approver-name").fill("bob");
    await box.getByTestId("approve-button").click();
    await expect.poll(() => box.getByTestId("approval-result").textContent(), { timeout: 10_000 }).toMatch(/counted as one approver.*DASHBOARD_USERS/);
    const record = (await responder.approvals.get(id))!;
    expect(record.status).toBe("pending");
    expect(record.approvers.map((a) => a.by)).toEqual(["alice (shared token)"]);
  });
});

describe("DASHBOARD_READ_AUTH=token", () => {
  it("closes /api, /edl and /ws to callers without the token, and keeps the page itself public", async () => {
    const log = pino({ level: "silent" });
    const { app: closed } = await buildDashboard({ nc, topo: nats.topo, log, token: TOKEN, env: { DASHBOARD_HOST: "127.0.0.1", DASHBOARD_READ_AUTH: "token" } });
    await closed.listen({ host: "127.0.0.1", port: 0 });
    const b = `http://127.0.0.1:${(closed.server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${b}/api/alerts`)).status).toBe(401);
      expect((await fetch(`${b}/edl/ip-blocklist.txt`)).status).toBe(401);
      expect((await fetch(`${b}/api/alerts`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
      expect((await fetch(`${b}/`)).status).toBe(200);
      const ws = (token: string | null) => new Promise<number | null>((resolve) => {
        const s = new WebSocket(`${b.replace("http", "ws")}/ws${token ? `?access_token=${token}` : ""}`, { origin: b });
        s.on("open", () => { s.close(); resolve(101); });
        s.on("unexpected-response", (_q, res) => resolve(res.statusCode ?? null));
        s.on("error", () => resolve(null));
      });
      expect(await ws(null)).toBe(401);
      expect(await ws(TOKEN)).toBe(101);
      if (!skip) {
        // The page itself: without the token it reads nothing; with the tab's token its reads and its websocket carry it.
        const page = await browser.newPage();
        await page.goto(b);
        await expect.poll(() => page.getByTestId("conn-state").textContent(), { timeout: 10_000 }).not.toBe("live");
        await page.getByTestId("token-input").fill(TOKEN);
        await page.getByTestId("token-save").click();
        await page.reload();
        await expect.poll(() => page.getByTestId("conn-state").textContent(), { timeout: 15_000 }).toBe("live");
        await page.close();
      }
    } finally {
      await closed.close();
    }
  });
});
