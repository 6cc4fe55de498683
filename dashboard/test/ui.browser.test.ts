// The page in a real headless Chromium against a real nats-server: alerts appear live with
// their stage and action, details show reasoning and decision, and hostile alert text is
// rendered as text. Set SKIP_BROWSER_TESTS=1 to skip where no Chromium exists.
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { buildChain, buildDlq, publishChain } from "./fixtures.js";
import { startTestDashboard, type TestDashboard } from "./test-app.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const skip = process.env.SKIP_BROWSER_TESTS === "1";
const HOSTILE = "<img src=x onerror=alert(1)><script>window.__xss=1</script>";

describe.skipIf(skip)("dashboard page in Chromium", () => {
  let d: TestDashboard;
  let browser: Browser;
  let page: Page;
  let base: string;
  const pageErrors: string[] = [];
  const cspViolations: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium), point CHROMIUM_PATH at one, or set SKIP_BROWSER_TESTS=1 to skip the browser tests`);
    }
    d = await startTestDashboard({
      async beforeStart(js, topo) {
        await publishChain(js, topo, buildChain({ alertId: "hist-1", title: "Ransomware on workstation WS-7", action: "CREATE_TICKET", analyst: "rules", fallbackReason: "LLM endpoint timed out after 60 s" }));
        await js.publish(topo.subjects.dlq, JSON.stringify(buildDlq({ alertId: null, reason: "neither JSON nor CEF", original: HOSTILE })));
      },
    });
    await d.app.listen({ port: 0, host: "127.0.0.1" });
    base = `http://127.0.0.1:${(d.app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("console", (m) => { if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text()); });
    page.on("dialog", (dialog) => { pageErrors.push(`dialog opened: ${dialog.message()}`); void dialog.dismiss(); });
    await page.goto(base);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await d?.close();
  });

  const row = (id: string) => page.locator(`[data-testid="alert-row"][data-alert-id="${id}"]`);

  it("connects and shows the stream's history with counters", async () => {
    await expect.poll(() => page.getByTestId("conn-state").getAttribute("data-state")).toBe("live");
    await row("hist-1").waitFor();
    expect(await row("hist-1").getAttribute("data-stage")).toBe("executed");
    await expect.poll(() => page.getByTestId("stat-executed").textContent()).toBe("1");
    expect(await page.getByTestId("stat-dlq").textContent()).toBe("1");
    expect(await page.getByTestId("stat-analyst").textContent()).toBe("0% / 100%");
  });

  it("shows a new alert live and moves it through the pipeline", async () => {
    const chain = buildChain({ alertId: "live-1", title: "Tor login to finance admin", action: "BLOCK_IP", approval: true });
    await publishChain(d.js, d.topo, { ...chain, decided: [chain.decided[0]!] }, "decided");
    await expect.poll(() => row("live-1").getAttribute("data-stage"), { timeout: 10_000 }).toBe("awaiting_approval");
    expect(await row("live-1").locator('[data-step="decided"]').getAttribute("data-state")).toBe("waiting");
    // Newest first.
    expect(await page.getByTestId("alert-row").first().getAttribute("data-alert-id")).toBe("live-1");

    await publishChain(d.js, d.topo, chain);
    await expect.poll(() => row("live-1").getAttribute("data-stage"), { timeout: 10_000 }).toBe("executed");
    expect(await row("live-1").getByTestId("action-badge").textContent()).toBe("Block IP");
    const states = await row("live-1").locator("[data-step]").evaluateAll((els) => els.map((e) => e.getAttribute("data-state")));
    expect(states).toEqual(["done", "done", "done", "done", "done"]);
  });

  it("opens the details with reasoning, thinking, decision, policy and undo", async () => {
    await row("live-1").click();
    const details = page.getByTestId("alert-details");
    await details.getByTestId("analysis-reasoning").waitFor();
    expect(await details.getByTestId("details-title").textContent()).toBe("Tor login to finance admin");
    expect(await details.getByTestId("analysis-reasoning").textContent()).toContain("known Tor exit node");
    expect(await details.getByTestId("analyst-label").textContent()).toBe("LLM analyst: qwen3-8b");
    expect(await details.getByTestId("analysis-thinking").isVisible()).toBe(true);
    expect(await details.getByTestId("decision-status").textContent()).toBe("approved");
    expect(await details.getByTestId("policy-rules").textContent()).toContain("block.requires_approval");
    expect(await details.getByTestId("approval-facts").textContent()).toContain("alice");
    expect(await details.getByTestId("execution-undo").textContent()).toContain("UNBLOCK_IP");
    expect(await details.getByTestId("ioc-table").textContent()).toContain("185.220.101.45");
    expect(await details.getByTestId("enrichment-table").textContent()).toContain("tor-exit");

    // A tall viewport lays the whole details panel out for a visual check.
    await page.setViewportSize({ width: 1440, height: 2600 });
    await page.screenshot({ path: "/tmp/dashboard-details.png" });
    await page.setViewportSize({ width: 1440, height: 900 });

    await row("hist-1").click();
    await expect.poll(() => details.getByTestId("details-title").textContent()).toBe("Ransomware on workstation WS-7");
    expect(await details.getByTestId("analyst-label").textContent()).toBe("rules analyst (fallback): LLM endpoint timed out after 60 s");
  });

  it("renders hostile alert text as text", async () => {
    const chain = buildChain({ alertId: "xss-1", title: `Phish ${HOSTILE}`, description: `Body ${HOSTILE}`, injection: true });
    await publishChain(d.js, d.topo, chain);
    await expect.poll(() => row("xss-1").getAttribute("data-stage"), { timeout: 10_000 }).toBe("executed");
    expect(await row("xss-1").getByTestId("alert-title").textContent()).toBe(`Phish ${HOSTILE}`);
    expect(await row("xss-1").getByTestId("tainted-marker").isVisible()).toBe(true);
    await row("xss-1").click();
    const details = page.getByTestId("alert-details");
    await expect.poll(() => details.getByTestId("details-title").textContent()).toBe(`Phish ${HOSTILE}`);
    expect(await details.getByTestId("alert-description").textContent()).toBe(`Body ${HOSTILE}`);
    expect(await details.getByTestId("injection-findings").isVisible()).toBe(true);
    expect(await page.getByTestId("dlq-list").textContent()).toContain(HOSTILE.slice(0, 20));
    expect(await page.getByText(`Phish ${HOSTILE}`).first().isVisible()).toBe(true);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.locator("body script").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
    await page.screenshot({ path: "/tmp/dashboard.png", fullPage: false });
  });

  it("serves the page with a strict content security policy", async () => {
    const res = await fetch(base);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect((await fetch(`${base}/app.js`)).headers.get("content-type")).toMatch(/^text\/javascript/);
    expect((await fetch(`${base}/style.css`)).headers.get("content-type")).toMatch(/^text\/css/);
  });
});
