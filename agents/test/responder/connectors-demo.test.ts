// `npm run demo` with Jira and Teams pointed at fakes that answer as Jira Cloud and a Teams
// Workflows webhook do today (the old /search answers 410, MessageCards are refused): the demo's
// tickets become Jira issues and a review reaches the channel as an Adaptive Card. Runs the built
// launcher (agents/dist/start/main.js) as a user would, with its own nats-server.
import { afterAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startFakeJira } from "../fakes/fake-jira.js";
import { startFakeTeams } from "../fakes/fake-teams.js";
import { actionLabel } from "../../src/responder/connectors/jira.js";

const START = fileURLToPath(new URL("../../dist/start/main.js", import.meta.url));
const cleanups: (() => Promise<void> | void)[] = [];

afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function until(pred: () => boolean, timeoutMs: number, what: string, show: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output so far:\n${show()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Nothing the rules know: a person has to look, so the decision is MANUAL_REVIEW. */
const UNCLEAR_CHANGE = {
  alert_id: "SEC-DEMO-REVIEW-1",
  name: "Group policy object modified outside the change calendar",
  severity: "Medium",
  source: "Config Monitor",
  timestamp: "2026-03-14T11:00:00Z",
  description: "A group policy object was modified by a deployment account",
  details: { object: "Default Workstation Policy", modified_by: "svc-deploy" },
  affected_systems: ["gpo-mgmt.corp.example.com"],
};

describe("npm run demo with Jira and Teams connectors", () => {
  it("creates the demo's Jira issues and delivers the Teams card", async () => {
    const jira = await startFakeJira();
    const teams = await startFakeTeams();
    cleanups.push(() => jira.close(), () => teams.close());
    const dataDir = mkdtempSync(join(tmpdir(), "secops-demo-connectors-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const natsPort = await freePort();
    const dashPort = await freePort();
    let out = "";
    const child: ChildProcess = spawn(process.execPath, [START, "--demo"], {
      env: {
        PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, NO_COLOR: "1",
        LLM_API_URL: "http://127.0.0.1:9/v1", LLM_TIMEOUT_SECONDS: "1", LLM_MAX_RETRIES: "0",
        NATS_URL: `nats://127.0.0.1:${natsPort}`, DASHBOARD_PORT: String(dashPort),
        JIRA_URL: jira.url, JIRA_EMAIL: "bot@example.org", JIRA_API_TOKEN: "jira-token", JIRA_PROJECT_KEY: "SEC",
        TEAMS_WEBHOOK_URL: teams.workflowUrl,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    cleanups.push(() => { if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL"); });

    await until(() => /demo: 5 alert\(s\) completed/.test(out), 90_000, "the five demo alerts", () => out);
    // The two ticket alerts: two Jira issues, each labelled with its action id, found through /search/jql.
    expect(out.split("\n").filter((l) => l.startsWith("done ") && l.includes("-> CREATE_TICKET"))).toHaveLength(2);
    expect(jira.issues).toHaveLength(2);
    const alerts = (await (await fetch(`http://127.0.0.1:${dashPort}/api/alerts`)).json()) as { stage: string }[];
    expect(alerts.filter((a) => a.stage === "executed")).toHaveLength(5);
    for (const issue of jira.issues) {
      expect(issue.version).toBe("3");
      expect(issue.fields.labels.some((l) => l.startsWith("secops-action-"))).toBe(true);
    }
    expect(jira.requests.filter((q) => q.path === "/rest/api/3/search/jql")).toHaveLength(2);
    expect(jira.requests.filter((q) => q.path.endsWith("/search"))).toHaveLength(0);

    // A review through the same running demo: the Workflows webhook gets an Adaptive Card and posts it.
    const token = readFileSync(join(dataDir, "dashboard-token"), "utf8").trim();
    const ingest = await fetch(`http://127.0.0.1:${dashPort}/ingest`, {
      method: "POST", body: JSON.stringify(UNCLEAR_CHANGE), headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    });
    expect(ingest.status).toBeLessThan(300);
    // The card can reach Teams a moment before the launcher prints the outcome line: wait for both.
    await until(() => teams.posted.length > 0 && /done +SEC-DEMO-REVIEW-1 /.test(out), 30_000, "the Teams card and the outcome line", () => out);
    expect(out).toMatch(/done +SEC-DEMO-REVIEW-1 .*-> MANUAL_REVIEW/);
    expect(teams.runs).toEqual([{ status: "Succeeded", error: null }]);
    expect(teams.posted[0]).toMatchObject({ type: "AdaptiveCard", version: "1.4" });
    expect(JSON.stringify(teams.posted[0])).toContain("Group policy object modified outside the change calendar");
    // Each ticket's execution names its Jira issue, and the issue carries that action's label.
    const list = (await (await fetch(`http://127.0.0.1:${dashPort}/api/alerts`)).json()) as { alertId: string; action: string | null; executionStatus: string | null }[];
    const tickets = list.filter((a) => a.action === "CREATE_TICKET");
    expect(tickets).toHaveLength(2);
    for (const t of tickets) {
      expect(t.executionStatus).toBe("success");
      const detail = (await (await fetch(`http://127.0.0.1:${dashPort}/api/alerts/${t.alertId}`)).json()) as { messages: { executed: { execution: { actionId: string; summary: string } } } };
      const { actionId, summary } = detail.messages.executed.execution;
      const issue = jira.issues.find((i) => i.fields.labels.includes(actionLabel(actionId)));
      expect(issue, `a Jira issue labelled for ${actionId}`).toBeDefined();
      expect(summary).toContain(`Jira issue ${issue!.key}`);
    }

    child.kill("SIGINT");
    expect(await exit).toBe(0);
  }, 150_000);
});
