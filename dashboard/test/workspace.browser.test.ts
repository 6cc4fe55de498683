// The analyst's workspace in a real headless Chromium over 10,000 alerts on a real nats-server.
// The alerts are published as stage messages straight onto the stream (each alert's executed
// message, which carries its whole history), not through the four agents: running the LLM-less
// pipeline for 10,000 alerts takes minutes on two cores, and this file tests the dashboard. The
// correlator runs for real: three related decided alerts become one incident on alerts.incidents.
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { pino } from "pino";
import { enrichedSubject } from "@secops/contracts";
import { buildChain } from "./fixtures.js";
import { startTestDashboard, TEST_TOKEN, type TestDashboard } from "./test-app.js";
import { decided as decidedReady, isolate } from "../../agents/test/responder/fixtures.js";
import { startAgent, type RunningAgent } from "../../agents/src/runtime/agent.js";
import { responderStage } from "../../agents/src/responder/main.js";
import { loadSigner } from "../../agents/src/trust/signing.js";
import { startCorrelator, type Correlator } from "../../agents/src/correlator/main.js";
import { DEFAULT_INCIDENT_RULES } from "../../agents/src/correlator/rules.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const skip = process.env.SKIP_BROWSER_TESTS === "1";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const N = 10_000;
const SEVERITIES = ["low", "medium", "high", "critical"] as const;

describe.skipIf(skip)("the workspace over 10,000 alerts in Chromium", () => {
  let d: TestDashboard;
  let correlator: Correlator;
  let responder: RunningAgent;
  let browser: Browser;
  let page: Page;
  let base: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: set CHROMIUM_PATH, or SKIP_BROWSER_TESTS=1 to skip`);
    d = await startTestDashboard({
      writeApi: true,
      env: { DASHBOARD_MAX_ALERTS: "20000" },
      async beforeStart(js, topo) {
        const template = buildChain({ alertId: "tpl" }).executed;
        const started = Date.now();
        for (let from = 0; from < N; from += 500) {
          const batch = [];
          for (let n = from; n < Math.min(N, from + 500); n++) {
            const ip = `198.51.${(n >> 8) % 256}.${n % 256}`;
            const alert = {
              ...template.alert,
              title: `Alert ${n} on host-${n % 200}`, host: { name: `host-${n % 200}`, ip: "10.0.4.42" }, user: { name: `user-${n % 50}` },
              severity: SEVERITIES[n % 4]!, sourceId: `SEC-${n}`,
              iocs: [{ type: "ip" as const, value: ip, role: "source" as const, internal: false, from: "field" as const }],
            };
            const m = {
              ...template, alertId: `al-bulk-${n}`, alert,
              investigation: { ...template.investigation, severity: SEVERITIES[(n + 1) % 4]!, analyst: n % 3 ? "llm" as const : "rules" as const, fallbackReason: n % 3 ? null : "LLM down", llm: n % 3 ? template.investigation.llm : null },
            };
            batch.push(js.publish(topo.subjects.executed, JSON.stringify(m), { msgID: `al-bulk-${n}:executed` }));
          }
          await Promise.all(batch);
        }
        process.stderr.write(`published ${N} executed messages in ${Date.now() - started} ms\n`);
      },
    });
    responder = await startAgent({
      stage: responderStage,
      env: { NATS_URL: d.nats.url, SECOPS_NAMESPACE: d.topo.namespace, LOG_LEVEL: "silent", ...(d.nats.user ? { NATS_USER: d.nats.user, NATS_PASSWORD: d.nats.pass ?? "" } : {}) },
      log: pino({ level: "silent" }),
    });
    correlator = await startCorrelator({ nc: d.nc, topo: d.topo, log: pino({ level: "silent" }), rules: DEFAULT_INCIDENT_RULES });
    await d.app.listen({ port: 0, host: "127.0.0.1" });
    base = `http://127.0.0.1:${(d.app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, colorScheme: "dark" });
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(base);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await correlator?.stop();
    await responder?.stop();
    await d?.close();
  });

  const rows = () => page.getByTestId("alert-row");
  const search = async (q: string) => {
    await page.getByTestId("alert-search").fill(q);
    await page.getByTestId("alert-search").press("Enter");
  };
  const total = async () => (await page.getByTestId("page-info").textContent())?.replace(/^.* of /, "");

  it("loads all 10,000 alerts into the table's count, 50 rows a page", async () => {
    await expect.poll(() => page.getByTestId("page-info").textContent(), { timeout: 60_000 }).toBe(`1–50 of ${N.toLocaleString("en-US")}`);
    expect(await rows().count()).toBe(50);
  }, 70_000);

  it("finds alerts by host, IP, CIDR range, user and the vendor's id", async () => {
    await search("host:host-7");
    await expect.poll(total).toBe("50");
    expect(await rows().count()).toBe(50);
    const hosts = await page.locator('[data-testid="alert-row"] .col-host').allTextContents();
    expect(new Set(hosts)).toEqual(new Set(["host-7"]));

    await search("ip:198.51.3.7");
    await expect.poll(total).toBe("1");
    expect(await rows().first().getAttribute("data-alert-id")).toBe(`al-bulk-${3 * 256 + 7}`);

    await search("ip:198.51.3.0/24");
    await expect.poll(total).toBe("256");

    await search("user:user-3 host:host-3");
    await expect.poll(total).toBe("50");

    await search("source:SEC-1234");
    await expect.poll(total).toBe("1");
    expect(await rows().first().getAttribute("data-alert-id")).toBe("al-bulk-1234");

    // An empty result says the search found nothing, not that there are no alerts.
    await search("host:no-such-host");
    await expect.poll(() => page.getByTestId("alert-list-empty").textContent()).toBe("No alert matches host:no-such-host.");
    expect(await page.getByTestId("page-info").textContent()).toBe("0 alerts");

    await search("nosuchword:x");
    await expect.poll(() => page.getByTestId("alert-list-empty").textContent()).toMatch(/unknown field "nosuchword"/);
  });

  it("shows facet counts that match /api/stats, and a facet click filters", async () => {
    await search("");
    await expect.poll(total).toBe(N.toLocaleString("en-US"));
    const stats = await (await fetch(`${base}/api/stats`)).json() as { stages: Record<string, number>; analyst: { llm: number; rules: number } };
    expect(await page.getByTestId("facet-stage-executed").getAttribute("data-count")).toBe(String(stats.stages.executed));
    expect(await page.getByTestId("facet-analyst-llm").getAttribute("data-count")).toBe(String(stats.analyst.llm));
    expect(await page.getByTestId("facet-analyst-rules").getAttribute("data-count")).toBe(String(stats.analyst.rules));
    const critical = await page.getByTestId("facet-severity-critical").getAttribute("data-count");
    expect(critical).toBe(String(N / 4));
    await page.getByTestId("facet-severity-critical").click();
    await expect.poll(total).toBe((N / 4).toLocaleString("en-US"));
    expect(await page.getByTestId("alert-search").inputValue()).toBe("severity:critical");
    const sev = await page.locator('[data-testid="alert-row"] [data-testid="severity-badge"]').evaluateAll((els) => els.map((e) => `${e.firstChild?.textContent}/${e.getAttribute("data-source")}`));
    expect(new Set(sev)).toEqual(new Set(["critical/analyst"]));
  });

  it("pages forward and back, and sorts by a column", async () => {
    await search("");
    await expect.poll(total).toBe(N.toLocaleString("en-US"));
    const first = await rows().first().getAttribute("data-alert-id");
    expect(first).toBe(`al-bulk-${N - 1}`);
    await page.getByTestId("page-next").click();
    await expect.poll(() => page.getByTestId("page-info").textContent()).toBe(`51–100 of ${N.toLocaleString("en-US")}`);
    expect(await rows().first().getAttribute("data-alert-id")).toBe(`al-bulk-${N - 51}`);
    await page.getByTestId("page-prev").click();
    await expect.poll(() => rows().first().getAttribute("data-alert-id")).toBe(first);
    await page.locator('th[data-sort="severity"]').click();
    await expect.poll(() => page.locator('th[data-sort="severity"]').getAttribute("aria-sort")).toBe("descending");
    await expect.poll(() => rows().first().locator('[data-testid="severity-badge"]').getAttribute("class")).toContain("sev-critical");
  });

  it("moves with j / k, opens with Enter, focuses the search with /, and shows the raw alert", async () => {
    await page.locator("body").click({ position: { x: 5, y: 990 } });
    await page.keyboard.press("j");
    await page.keyboard.press("j");
    const selected = page.locator('[data-testid="alert-row"][aria-selected="true"]');
    await expect.poll(() => selected.count()).toBe(1);
    const id = await selected.getAttribute("data-alert-id");
    expect(id).toBe(await rows().nth(1).getAttribute("data-alert-id"));
    await page.keyboard.press("k");
    expect(await selected.getAttribute("data-alert-id")).toBe(await rows().nth(0).getAttribute("data-alert-id"));
    await page.keyboard.press("Enter");
    const details = page.getByTestId("alert-details");
    await details.getByTestId("raw-json").waitFor();
    await details.getByTestId("raw-json").locator("summary").first().click();
    expect(await details.getByTestId("raw-json").textContent()).toContain("name");
    await page.keyboard.press("/");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("alert-search");
  });

  it("shows the triage funnel over the chosen window", async () => {
    await expect.poll(() => page.getByTestId("funnel-received").getAttribute("data-count")).toBe(String(N));
    expect(Number(await page.getByTestId("funnel-blocked").getAttribute("data-count"))).toBe(N);
    expect(await page.locator('[data-testid="funnel-histogram"] .hist-col').count()).toBe(24);
    await page.getByTestId("funnel-window").selectOption("1h");
    await expect.poll(() => page.getByTestId("funnel-received").getAttribute("data-count")).toBe(String(N));
  });

  it("groups three related alerts into one incident that keeps the highest severity", async () => {
    const now = Date.now();
    for (const [i, sev] of (["low", "critical", "medium"] as const).entries()) {
      const c = buildChain({ alertId: `ir-${i}`, host: "ir-host-1", user: `ir-user-${i}`, externalIp: `203.0.113.${i + 1}`, analystSeverity: sev, receivedAt: new Date(now + i * 1000), title: `Related ${i}` });
      await d.js.publish(enrichedSubject(d.topo, c.enriched.alert.severity), JSON.stringify(c.enriched), { msgID: `ir-${i}:enriched` });
      await d.js.publish(d.topo.subjects.investigated, JSON.stringify(c.investigated), { msgID: `ir-${i}:investigated` });
      await d.js.publish(d.topo.subjects.decided, JSON.stringify(c.decided[0]), { msgID: `ir-${i}:decided` });
    }
    const item = page.locator('[data-testid="incident-item"]');
    await expect.poll(() => item.getAttribute("data-alerts"), { timeout: 20_000 }).toBe("3");
    expect(await item.getAttribute("data-severity")).toBe("critical");
    await item.click();
    const view = page.getByTestId("incident-view");
    await view.waitFor();
    expect(await page.getByTestId("incident-severity").getAttribute("data-severity")).toBe("critical");
    expect(await page.locator('[data-testid="incident-alert-table"] tbody tr').count()).toBe(3);
    expect(await page.getByTestId("incident-entities").textContent()).toContain("ir-host-1");
    // The alerts say which incident they are in, and search finds them by it.
    const incidentId = await view.getAttribute("data-incident-id");
    await search(`incident:${incidentId}`);
    await expect.poll(total).toBe("3");
    expect(await rows().first().getByTestId("incident-chip").count()).toBe(1);
  });

  it("splits an incident by hand on the page", async () => {
    const item = page.locator('[data-testid="incident-item"]').first();
    await item.click();
    await page.getByTestId("incident-view").waitFor();
    const before = await page.getByTestId("incident-view").getAttribute("data-incident-id");
    await page.getByTestId("token-input").fill(TEST_TOKEN);
    await page.getByTestId("token-save").click();
    await page.locator('[data-testid="incident-pick"][data-alert-id="ir-1"]').check();
    await page.getByTestId("split-button").click();
    await expect.poll(() => page.getByTestId("incident-result").textContent(), { timeout: 10_000 }).toMatch(/^Done: inc-[0-9a-f]+, inc-[0-9a-f]+\.$/);
    await expect.poll(() => page.locator('[data-testid="incident-item"]').count(), { timeout: 10_000 }).toBe(2);
    const sizes = await page.locator('[data-testid="incident-item"]').evaluateAll((els) => els.map((e) => `${e.getAttribute("data-severity")}:${e.getAttribute("data-alerts")}`).sort());
    expect(sizes).toEqual(["critical:1", "medium:2"]);
    expect(await page.getByTestId("incident-view").getAttribute("data-incident-id")).toBe(before);

    // And merged back by hand: the split-off incident's id goes into "merge into this".
    const other = await page.locator('[data-testid="incident-item"]').evaluateAll((els, keep) => els.map((e) => e.getAttribute("data-incident-id")).find((id) => id !== keep), before);
    await page.getByTestId("merge-input").fill(String(other));
    await page.getByTestId("merge-button").click();
    await expect.poll(() => page.locator('[data-testid="incident-item"]').count(), { timeout: 10_000 }).toBe(1);
    const back = page.locator('[data-testid="incident-item"]');
    expect(await back.getAttribute("data-alerts")).toBe("3");
    expect(await back.getAttribute("data-severity")).toBe("critical");
    await expect.poll(() => page.getByTestId("incident-timeline").textContent()).toContain("merged");
  });

  it("shows an undone action as undone in the list, among 10,000", async () => {
    const msg = decidedReady(isolate("ws-10k-undo"), {}, { alertId: "undo-10k" });
    // Signed as the decider would: the responder executes only signed decisions.
    await d.js.publish(d.topo.subjects.decided, JSON.stringify(loadSigner("decider", {}).sign(msg)), { msgID: "undo-10k:decided" });
    await search("id:undo-10k");
    const row = page.locator('[data-testid="alert-row"][data-alert-id="undo-10k"]');
    await expect.poll(() => row.getAttribute("data-stage"), { timeout: 15_000 }).toBe("executed");
    const actionId = (await (await fetch(`${base}/api/search?q=id:undo-10k`)).json() as { items: { actionId: string }[] }).items[0]!.actionId;
    const r = await fetch(`${base}/api/actions/${encodeURIComponent(actionId)}/undo`, { method: "POST", headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json", "x-secops-user": "carol" }, body: "{}" });
    expect(r.status).toBe(200);
    await expect.poll(() => row.getByTestId("undone-badge").count(), { timeout: 10_000 }).toBe(1);
    expect(await row.getByTestId("undone-badge").getAttribute("title")).toMatch(/^undone by carol at /);
    await search("undone:true");
    await expect.poll(total).toBe("1");
    await row.click();
    await expect.poll(() => page.getByTestId("execution-undone").textContent(), { timeout: 10_000 }).toMatch(/^Undone by carol/);
  });

  it("switches between the dark and the light theme", async () => {
    expect(await page.evaluate(() => document.documentElement.getAttribute("data-theme"))).toBe("dark");
    await page.getByTestId("theme-toggle").click();
    expect(await page.evaluate(() => document.documentElement.getAttribute("data-theme"))).toBe("light");
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe("rgb(244, 246, 250)");
    await page.screenshot({ path: "/tmp/dashboard-workspace-light.png" });
    await page.getByTestId("theme-toggle").click();
    await page.screenshot({ path: "/tmp/dashboard-workspace-dark.png" });
    expect(pageErrors).toEqual([]);
  });
});
