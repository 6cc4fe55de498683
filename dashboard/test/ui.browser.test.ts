// The page in a real headless Chromium against a real nats-server: alerts appear live with
// their stage and action, details show reasoning and decision, and hostile alert text is
// rendered as text. Set SKIP_BROWSER_TESTS=1 to skip where no Chromium exists.
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { buildChain, buildDlq, publishChain } from "./fixtures.js";
import { startTestDashboard, TEST_TOKEN, type TestDashboard } from "./test-app.js";
import { awaiting, isolate } from "../../agents/test/responder/fixtures.js";
import { startAgent, type RunningAgent } from "../../agents/src/runtime/agent.js";
import { responderStage } from "../../agents/src/responder/main.js";
import { pino } from "pino";
import { loadSigner } from "../../agents/src/trust/signing.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const skip = process.env.SKIP_BROWSER_TESTS === "1";
const HOSTILE = "<img src=x onerror=alert(1)><script>window.__xss=1</script>";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

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
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
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

// Approving on the page, against the real approvals API and a real responder agent consuming
// alerts.decided: the pending action runs only after a person approves it with the write token.
describe.skipIf(skip)("approving and undoing on the page", () => {
  let d: TestDashboard;
  let responder: RunningAgent;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const row = (id: string) => page.locator(`[data-testid="alert-row"][data-alert-id="${id}"]`);

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: set CHROMIUM_PATH, or SKIP_BROWSER_TESTS=1 to skip`);
    d = await startTestDashboard({ writeApi: true });
    responder = await startAgent({
      stage: responderStage,
      env: { NATS_URL: d.nats.url, SECOPS_NAMESPACE: d.topo.namespace, LOG_LEVEL: "silent", ...(d.nats.user ? { NATS_USER: d.nats.user, NATS_PASSWORD: d.nats.pass ?? "" } : {}) },
      log: pino({ level: "silent" }),
    });
    await d.app.listen({ port: 0, host: "127.0.0.1" });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1440, height: 1300 } });
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("dialog", (dialog) => { pageErrors.push(`dialog opened: ${dialog.message()}`); void dialog.dismiss(); });
    await page.goto(`http://127.0.0.1:${(d.app.server.address() as AddressInfo).port}`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await responder?.stop();
    await d?.close();
  });

  it("approves a pending isolation with the write token and sees it executed, then undoes it", async () => {
    const msg = awaiting(isolate("ws-ui-07"), { approversRequired: 1 }, { alertId: "apr-ui-1" });
    // Signed as the decider would (the responder executes only signed decisions).
    await d.js.publish(d.topo.subjects.decided, JSON.stringify(loadSigner("decider", {}).sign(msg)));
    await expect.poll(() => row("apr-ui-1").getAttribute("data-stage"), { timeout: 10_000 }).toBe("awaiting_approval");
    // The queue lists it once the responder has recorded the pending approval.
    const queued = page.locator(`[data-testid="approval-item"][data-alert-id="apr-ui-1"]`);
    await queued.waitFor({ timeout: 10_000 });
    expect(await queued.textContent()).toContain("0/1 approvers");
    await queued.click();

    const box = page.getByTestId("approval-box");
    await box.getByTestId("approve-button").waitFor();
    expect(await box.getByTestId("approval-digest").textContent()).toBe(msg.decision.approval!.digest);
    expect(await box.getByTestId("approval-progress").textContent()).toBe("0 of 1 required");

    // Without the token the API refuses, and the page says what to do.
    await box.getByTestId("approver-name").fill("alice");
    await box.getByTestId("approve-button").click();
    await expect.poll(() => box.getByTestId("approval-result").textContent()).toContain("data/dashboard-token");
    expect(await row("apr-ui-1").getAttribute("data-stage")).toBe("awaiting_approval");

    // A wrong token is a 401 from the server, shown as words.
    await page.getByTestId("token-input").fill("not-the-token");
    await page.getByTestId("token-save").click();
    await box.getByTestId("approve-button").click();
    await expect.poll(() => box.getByTestId("approval-result").textContent()).toMatch(/^Not authorized/);
    await box.scrollIntoViewIfNeeded();
    await page.screenshot({ path: "/tmp/dashboard-approval-pending.png" });

    await page.getByTestId("token-input").fill(TEST_TOKEN);
    await page.getByTestId("token-save").click();
    expect(await page.getByTestId("token-state").getAttribute("data-state")).toBe("set");
    expect(await page.getByTestId("token-input").inputValue()).toBe("");
    expect(await page.evaluate(() => window.sessionStorage.getItem("secops.writeToken"))).toBe(TEST_TOKEN);
    expect(await page.evaluate(() => window.localStorage.getItem("secops.writeToken"))).toBeNull();
    await box.getByTestId("approval-comment").fill("confirmed on the EDR console");
    await box.getByTestId("approve-button").click();

    await expect.poll(() => row("apr-ui-1").getAttribute("data-stage"), { timeout: 15_000 }).toBe("executed");
    const details = page.getByTestId("alert-details");
    await expect.poll(() => details.getByTestId("execution-status").textContent(), { timeout: 10_000 }).toBe("success");
    expect(await details.getByTestId("decision-status").textContent()).toBe("approved");
    expect(await details.getByTestId("approval-facts").textContent()).toContain("alice");
    expect(await details.getByTestId("approval-facts").textContent()).toContain("confirmed on the EDR console");
    await expect.poll(() => page.locator('[data-testid="approval-item"]').count(), { timeout: 5_000 }).toBe(0);
    await expect.poll(() => page.getByTestId("stat-executed").textContent(), { timeout: 5_000 }).toBe("1");
    await details.getByTestId("section-execution").scrollIntoViewIfNeeded();
    await page.screenshot({ path: "/tmp/dashboard-approve.png" });

    // Undo is two clicks, and the second shows who undid it.
    const undo = details.getByTestId("undo-box");
    await undo.getByTestId("undo-button").click();
    await undo.getByTestId("undo-confirm").click();
    await expect.poll(() => undo.getByTestId("undo-done").textContent(), { timeout: 10_000 }).toMatch(/^Undone by alice at /);
    await expect.poll(() => undo.getByTestId("undo-result").textContent(), { timeout: 10_000 }).toContain("host ws-ui-07 released");
    // The state after the undo, in the list and on the Execution card (read from the ledger).
    await expect.poll(() => row("apr-ui-1").getByTestId("undone-badge").count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => details.getByTestId("execution-undone").textContent(), { timeout: 10_000 }).toMatch(/^Undone by alice at .*reversed/);
    await expect.poll(() => page.getByTestId("stat-undone").textContent(), { timeout: 10_000 }).toBe("1");
    expect(pageErrors).toEqual([]);
  });
});
