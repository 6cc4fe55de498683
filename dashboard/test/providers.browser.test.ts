// The providers page in a real headless Chromium: the enricher replicas' provider state as a
// table, and a provider error quoting hostile text (a remote API's answer) rendered as text.
// The same state on the main page's provider panel (provider-panel.js). Set SKIP_BROWSER_TESTS=1
// to skip where no Chromium exists.
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser } from "playwright-core";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { pino } from "pino";
import { startNats, type TestNats } from "../../agents/test/harness/nats.js";
import { ProviderStatePublisher } from "../../agents/src/enricher/enrich/online/state.js";
import { OnlineProvider } from "../../agents/src/enricher/enrich/online/runner.js";
import { ONLINE_PROVIDERS } from "../../agents/src/enricher/enrich/providers/index.js";
import { dashboardSettings, type DashboardContext } from "../src/context.js";
import providersPlugin from "../src/plugins/providers.js";
import { staticPlugin } from "../src/plugins/static.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const skip = process.env.SKIP_BROWSER_TESTS === "1";
const HOSTILE = "<img src=x onerror=alert(1)><script>window.__xss=1</script>";

describe.skipIf(skip)("providers page in Chromium", () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let app: FastifyInstance;
  let browser: Browser;
  let base = "";

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install it, point CHROMIUM_PATH at one, or set SKIP_BROWSER_TESTS=1`);
    nats = await startNats();
    nc = await connect({ servers: nats.url, ...(nats.user ? { user: nats.user, pass: nats.pass } : {}) });
    const log = pino({ level: "silent" });
    const ctx = { nc, js: jetstream(nc), jsm: await jetstreamManager(nc), topo: nats.topo, log, env: {}, settings: dashboardSettings({}), token: "t".repeat(20), requireAuth: async () => {}, callerOf: () => "api" } as DashboardContext;
    const kv = await new Kvm(nc).create(nats.topo.buckets.enrichmentCache, { ttl: 24 * 3600 * 1000 });
    const otx = ONLINE_PROVIDERS.find((d) => d.name === "otx")!;
    const broken = (async () => new Response(HOSTILE, { status: 502 })) as typeof fetch;
    const p = new OnlineProvider(otx, { key: "k", baseUrl: "http://127.0.0.1:9", quota: { perMinute: null, perDay: null }, ttl: { malicious: 1, suspicious: 1, clean: 1, unknown: 1 }, cooldownSeconds: 30, authCooldownSeconds: 600 }, null, () => new Date(), broken);
    await p.lookup("ip", "9.9.9.9").catch(() => {});
    await new ProviderStatePublisher(kv, "enricher-1", [p], ONLINE_PROVIDERS).publish();
    app = Fastify({ loggerInstance: log as FastifyBaseLogger });
    await app.register(staticPlugin, { ctx });
    await app.register(providersPlugin, { ctx });
    await app.listen({ port: 0, host: "127.0.0.1" });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await nc?.close();
    await nats?.stop();
  });

  it("lists each provider with its state and shows a hostile error as text", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("dialog", (d) => { problems.push(`dialog: ${d.message()}`); void d.dismiss(); });
    page.on("console", (m) => { if (/Content Security Policy/i.test(m.text())) problems.push(m.text()); });
    await page.goto(`${base}/providers`);
    const otxRow = page.locator('tr[data-provider="otx"]');
    await otxRow.waitFor();
    const cells = await otxRow.locator("td").allTextContents();
    expect(cells.slice(0, 4)).toEqual(["AlienVault OTX", "yes", "1", "0"]);
    expect(cells[5]).toContain(HOSTILE);
    expect(cells[6]).toMatch(/left alone for 30 s/);
    expect(await page.locator('tr[data-provider="virustotal"] td').nth(1).textContent()).toBe("no (no key)");
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator("tbody img, tbody script").count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows the same state on the main page's provider panel, a hostile error as text", async () => {
    const page = await browser.newPage();
    await page.goto(base);
    const panel = page.getByTestId("providers-panel");
    await panel.getByTestId("providers-table").waitFor({ timeout: 10_000 });
    expect(await panel.isVisible()).toBe(true);
    const otx = panel.locator("tr", { hasText: "AlienVault OTX" });
    const cells = await otx.locator("td").allTextContents();
    expect(cells.slice(0, 3)).toEqual(["AlienVault OTX", "on", "1"]);
    expect(cells[6]).toContain(HOSTILE);
    expect(await page.locator("tbody img, tbody script").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await page.close();
  });
});
