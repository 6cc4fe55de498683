// `secops connectors check` against fakes of every vendor: each configured connector's state,
// what it verified or why it is not ready, and that the check created nothing anywhere.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/command.js";
import { startFakeJira, type FakeJira } from "../fakes/fake-jira.js";
import { startFakeTeams, type FakeTeams } from "../fakes/fake-teams.js";
import { startFakeSlack, type FakeSlack } from "../fakes/fake-slack.js";
import { startFakeTheHive, type FakeTheHive } from "../fakes/fake-thehive.js";
import { startFakeDefender, type FakeDefender } from "../fakes/fake-defender.js";
import { startFakeFalcon, type FakeFalcon } from "../fakes/fake-falcon.js";

let jira: FakeJira, teams: FakeTeams, slack: FakeSlack, hive: FakeTheHive, md: FakeDefender, cs: FakeFalcon;

beforeAll(async () => {
  [jira, teams, slack, hive, md, cs] = await Promise.all([startFakeJira(), startFakeTeams(), startFakeSlack(), startFakeTheHive(), startFakeDefender(), startFakeFalcon()]);
});
afterAll(async () => {
  await Promise.all([jira, teams, slack, hive, md, cs].map((f) => f?.close()));
});

function io(env: Record<string, string>): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), readStdin: async () => "", env: { PATH: process.env.PATH, ...env }, cwd: process.cwd() };
}

const good = () => ({
  JIRA_URL: jira.url, JIRA_EMAIL: "bot@example.org", JIRA_API_TOKEN: "jira-token", JIRA_PROJECT_KEY: "SEC",
  TEAMS_WEBHOOK_URL: teams.workflowUrl,
  SLACK_WEBHOOK_URL: slack.hookUrl,
  THEHIVE_URL: hive.url, THEHIVE_API_KEY: "hive-key",
  DEFENDER_CLIENT_ID: "app", DEFENDER_CLIENT_SECRET: "sec", DEFENDER_TENANT_ID: "tenant-1", DEFENDER_LOGIN_URL: md.url, DEFENDER_API_URL: md.url,
  FALCON_CLIENT_ID: "cid", FALCON_CLIENT_SECRET: "csecret", FALCON_BASE_URL: cs.url,
  TICKET_WEBHOOK_URL: "http://127.0.0.1:9/hook", TICKET_WEBHOOK_SECRET: "0123456789abcdef0123",
  BLOCK_COMMAND: "true {ip}", BLOCK_COMMAND_DRY_RUN: "true",
});

type State = { connector: string; state: string; detail: string };
const states = (x: { stdout: string[] }) => Object.fromEntries(x.stdout.map((l) => JSON.parse(l) as State).map((s) => [s.connector, s]));

describe("secops connectors check", () => {
  it("reports each configured connector ready, with what it verified, and creates nothing", async () => {
    const x = io(good());
    expect(await main(["connectors", "check"], x), x.stderr.join("\n")).toBe(0);
    const s = states(x);
    expect(Object.keys(s).sort()).toEqual(["command:block", "crowdstrike", "defender", "jira", "slack", "teams", "thehive", "webhook:ticket"]);
    for (const name of ["jira", "teams", "slack", "thehive", "defender", "crowdstrike", "command:block"]) expect(s[name]!.state, `${name}: ${s[name]!.detail}`).toBe("ok");
    expect(s.jira!.detail).toMatch(/API v3: authenticated as SecOps Bot; project SEC \(Security\); issue type Task \(id 10001\)/);
    expect(s["webhook:ticket"]!.state).toBe("unchecked");
    expect(x.stderr.join("\n")).toMatch(/8 of 8 configured connector\(s\) ready/);
    // Nothing was created or changed at any target.
    expect(jira.issues).toHaveLength(0);
    expect(teams.posted).toHaveLength(0);
    expect(slack.posted).toHaveLength(0);
    expect(hive.alerts).toHaveLength(0);
    expect(md.actions).toHaveLength(0);
    expect(cs.devices.every((d) => d.status === "normal")).toBe(true);
    expect(jira.requests.every((q) => q.method === "GET")).toBe(true);
  });

  it("says why each broken one is not ready, and exits 1", async () => {
    const x = io({
      ...good(),
      JIRA_ISSUE_TYPE: "Incident",
      TEAMS_WEBHOOK_URL: teams.workflowUrl.replace(/sig=[^&]+/, "sig=wrong"),
      SLACK_WEBHOOK_URL: `${slack.url}/services/T000/B000/disabled`,
      THEHIVE_API_KEY: "stale-key",
      DEFENDER_CLIENT_SECRET: "wrong-secret",
      FALCON_CLIENT_SECRET: "wrong",
      BLOCK_COMMAND: "no-such-firewall-tool {ip}",
      TICKET_WEBHOOK_SECRET: "short-secret",
    });
    expect(await main(["connectors", "check"], x)).toBe(1);
    const s = states(x);
    expect(s.jira).toMatchObject({ state: "failed", detail: "jira: JIRA_ISSUE_TYPE=Incident: project SEC has no such issue type bot@example.org may create (it has: Task, Bug)" });
    expect(s.teams).toMatchObject({ state: "failed" });
    expect(s.teams!.detail).toMatch(/answered 401/);
    expect(s.slack).toMatchObject({ state: "failed", detail: "slack: no_service: the webhook is disabled, removed or the URL is wrong" });
    expect(s.thehive).toMatchObject({ state: "failed", detail: "thehive: THEHIVE_API_KEY was refused (401 AuthenticationError)" });
    expect(s.defender!.state).toBe("failed");
    expect(s.defender!.detail).toMatch(/^defender: no token for DEFENDER_CLIENT_ID in tenant tenant-1: invalid_client AADSTS7000215: Invalid client secret/);
    expect(s.crowdstrike!.detail).toMatch(/^crowdstrike: no token for FALCON_CLIENT_ID at .*: Failed to issue access token - Not Authorized/);
    expect(s["command:block"]).toMatchObject({ state: "failed", detail: "command:block: BLOCK_COMMAND: the program no-such-firewall-tool is not an executable on the PATH" });
    expect(s["webhook:ticket"]).toMatchObject({ state: "misconfigured" });
    expect(s["webhook:ticket"]!.detail).toContain("TICKET_WEBHOOK_SECRET: expected at least 16 characters");
    expect(x.stdout.join("\n")).not.toContain("short-secret");
    expect(x.stdout.join("\n")).not.toContain("wrong-secret");
  });

  it("a Jira project that does not exist, and a refused token, are named", async () => {
    const x = io({ JIRA_URL: jira.url, JIRA_EMAIL: "bot@example.org", JIRA_API_TOKEN: "jira-token", JIRA_PROJECT_KEY: "OPS" });
    expect(await main(["connectors", "check"], x)).toBe(1);
    expect(states(x).jira!.detail).toBe("jira: JIRA_PROJECT_KEY=OPS: no such project, or bot@example.org cannot see it");
    const y = io({ JIRA_URL: jira.url, JIRA_EMAIL: "bot@example.org", JIRA_API_TOKEN: "revoked", JIRA_PROJECT_KEY: "SEC" });
    expect(await main(["connectors", "check"], y)).toBe(1);
    expect(states(y).jira!.detail).toBe("jira: authentication failed (401): authentication failed for JIRA_EMAIL=bot@example.org: check JIRA_API_TOKEN");
  });

  it("with nothing configured it says so; a wrong subcommand is a usage error", async () => {
    const x = io({});
    expect(await main(["connectors", "check"], x)).toBe(0);
    expect(x.stderr.join("\n")).toMatch(/no connector is configured/);
    const y = io({});
    expect(await main(["connectors", "list"], y)).toBe(2);
    expect(y.stderr.join("\n")).toMatch(/expected the subcommand "check", got "list"/);
  });
});
