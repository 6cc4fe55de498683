// `npm start` / `npm run demo` as a new user runs them: the launcher process, a local
// nats-server it starts itself, four agent processes and the dashboard, outcomes printed.
import { afterAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { normalizeAlert } from "../../src/enricher/normalize/index.js";
import { localNatsAuth } from "../../src/trust/local-credentials.js";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const START = fileURLToPath(new URL("../../dist/start/main.js", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const dirs: string[] = [];
const children: ChildProcess[] = [];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function run(env: Record<string, string>, args: string[] = []): { child: ChildProcess; out: () => string; err: () => string; exit: Promise<number | null>; dataDir: string } {
  const dataDir = mkdtempSync(join(tmpdir(), "secops-start-"));
  dirs.push(dataDir);
  let out = "";
  let err = "";
  const child = spawn(process.execPath, [START, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, LLM_API_URL: "http://127.0.0.1:9/v1", LLM_TIMEOUT_SECONDS: "1", LLM_MAX_RETRIES: "0", NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, out: () => out, err: () => err, exit, dataDir };
}

/** Runs a printed command the way a person pastes it: through the shell, from the repository root. */
function sh(cmd: string, env: Record<string, string> = {}): { code: number | null; out: string; err: string } {
  const r = spawnSync("sh", ["-c", cmd], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Holds 127.0.0.1:port, or finds it already held by someone else: either way it is taken. */
async function takePort(port: number): Promise<Server | null> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(null));
    s.listen(port, "127.0.0.1", () => resolve(s));
  });
}

const hasNatsCli = spawnSync("nats", ["--version"]).status === 0;

async function until(pred: () => boolean, timeoutMs: number, what: string, show: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output so far:\n${show()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("npm run demo", () => {
  it("starts its own nats-server, takes the five samples to executed, serves the dashboard and stops cleanly", async () => {
    const natsPort = await freePort();
    const dashPort = await freePort();
    const p = run({ NATS_URL: `nats://127.0.0.1:${natsPort}`, DASHBOARD_PORT: String(dashPort) }, ["--demo"]);
    await until(() => /demo: 5 alert\(s\) completed/.test(p.out()), 90_000, "5 completed alerts", () => p.out() + p.err());
    const out = p.out();
    expect(out).toMatch(new RegExp(`NATS +nats://127\\.0\\.0\\.1:${natsPort} \\(local nats-server started`));
    expect(out).toMatch(/not answering: the rules analyst decides/);
    for (const action of ["CREATE_TICKET", "ISOLATE_HOST", "BLOCK_IP"]) expect(out).toContain(`-> ${action}`);
    expect(out.split("\n").filter((l) => l.startsWith("done "))).toHaveLength(5);

    // The dashboard answers and knows the five alerts.
    const alerts = await (await fetch(`http://127.0.0.1:${dashPort}/api/alerts`)).json() as { stage: string }[];
    expect(alerts.filter((a) => a.stage === "executed")).toHaveLength(5);
    const page = await fetch(`http://127.0.0.1:${dashPort}/`);
    expect(page.status).toBe(200);
    // Write endpoints need the token the launcher generated.
    const token = readFileSync(join(dirs.at(-1)!, "dashboard-token"), "utf8").trim();
    expect(token.length).toBeGreaterThanOrEqual(16);
    const denied = await fetch(`http://127.0.0.1:${dashPort}/ingest`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    expect(denied.status).toBe(401);

    p.child.kill("SIGINT");
    expect(await p.exit).toBe(0);
    expect(p.out()).toMatch(/local nats-server stopped/);
    // Its nats-server is gone: the port is free again.
    await new Promise((r) => setTimeout(r, 200));
    const reuse = createServer();
    await new Promise<void>((resolve, reject) => { reuse.once("error", reject); reuse.listen(natsPort, "127.0.0.1", () => resolve()); });
    reuse.close();
  }, 120_000);

  it("with 8080 taken and the LLM down, every line it prints is true and every command it shows works", async () => {
    const held = await takePort(8080);
    try {
      const natsPort = await freePort();
      const p = run({ NATS_URL: `nats://127.0.0.1:${natsPort}`, USER: "demo-user" }, ["--demo"]);
      await until(() => /undo its action: /.test(p.out()), 120_000, "the demo's closing hints", () => p.out() + p.err());
      const lines = p.out().split("\n");
      const line = (label: string) => lines.find((l) => l.startsWith(label)) ?? "";

      // NATS: the printed URL answers, and is where the local server was started.
      const natsUrl = /^NATS +(\S+) \(local nats-server started/.exec(line("NATS"))?.[1];
      expect(natsUrl).toBe(`nats://127.0.0.1:${natsPort}`);
      // The local server has authentication on: the test watches as its generated CLI user.
      const nc = await connect({ servers: natsUrl!, ...localNatsAuth([natsUrl!], "cli", p.dataDir) });
      const withData = { DATA_DIR: p.dataDir }; // what the printed commands carry (DATA_DIR=...) for a non-default data folder
      try {
        // stream: the printed stream, subjects and consumers exist.
        const m = /^stream +(\S+) on (\S+) \(max age (\d+) days\), consumers (.+)$/.exec(line("stream"))!;
        const jsm = await jetstreamManager(nc);
        const info = await jsm.streams.info(m[1]!);
        expect(info.config.subjects).toContain(m[2]);
        expect(info.config.max_age / 1e9 / 86_400).toBe(Number(m[3]));
        const consumers: string[] = [];
        for await (const c of jsm.consumers.list(m[1]!)) consumers.push(c.name);
        expect(consumers).toEqual(expect.arrayContaining(m[4]!.split(", ")));

        // LLM: it says not answering, and it is not.
        expect(line("LLM")).toMatch(/^LLM +http:\/\/127\.0\.0\.1:9\/v1 model \S+ \(not answering: the rules analyst decides until it does\)$/);
        expect(await fetch("http://127.0.0.1:9/v1/models").then(() => true, () => false)).toBe(false);

        // dashboard: moved off the taken port, says so, answers, and is written to the data folder.
        const d = /^dashboard +(http:\/\/127\.0\.0\.1:(\d+)) \(port 8080 is in use; set DASHBOARD_PORT to choose\) {2}\(write API token: (\S+)\)$/.exec(line("dashboard"));
        expect(d, line("dashboard")).not.toBeNull();
        const url = d![1]!;
        expect(Number(d![2])).not.toBe(8080);
        expect(readFileSync(join(p.dataDir, "dashboard-url"), "utf8").trim()).toBe(url);
        expect((await fetch(`${url}/api/stats`)).status).toBe(200);
        const token = readFileSync(resolve(ROOT, d![3]!), "utf8").trim(); // printed relative to where the command ran
        const authed = await fetch(`${url}/ingest`, { method: "POST", body: "{}", headers: { "content-type": "application/json", authorization: `Bearer ${token}` } });
        expect(authed.status).not.toBe(401); // the printed token file holds the write token

        // logs: the folder holds each process's log.
        const logs = /^logs +(\S+)\/$/.exec(line("logs"))![1]!;
        for (const f of ["enricher", "investigator", "decider", "responder", "dashboard", "nats-server"]) expect(existsSync(resolve(ROOT, logs, `${f}.log`)), f).toBe(true);

        // Each done line's id finds the alert with `secops audit`.
        const done = lines.filter((l) => l.startsWith("done "));
        expect(done).toHaveLength(5);
        for (const l of done) {
          const id = l.split(/\s+/)[1]!;
          const a = sh(`NATS_URL=${natsUrl} npx secops audit ${id}`, withData);
          expect(a.code, `audit ${id}: ${a.err}`).toBe(0);
          const record = JSON.parse(a.out) as { entries: { subject: string; message: { alert?: { sourceId?: string } } }[] };
          expect(record.entries[0]!.subject).toBe("alerts.raw");
          expect(record.entries.at(-1)!.subject).toBe("alerts.executed");
          expect(record.entries.at(-1)!.message.alert?.sourceId).toBe(id);
        }

        // The closing hints run as printed.
        const auditHint = /its whole record: +(.+)$/m.exec(p.out())![1]!;
        expect(sh(auditHint).code, auditHint).toBe(0);
        const undoHint = /undo its action: +(.+)$/m.exec(p.out())![1]!;
        const undone = sh(undoHint, { USER: "demo-user" });
        expect(undone.code, `${undoHint}: ${undone.err}`).toBe(0);
        expect(JSON.parse(undone.out)).toMatchObject({ status: "success", by: "demo-user" });

        // Every example in the commands' --help runs as shown (against this pipeline).
        for (const c of ["publish", "normalize", "triage", "audit", "undo", "approve", "reject"]) {
          const help = sh(`npx secops ${c} --help`);
          expect(help.code).toBe(0);
          expect(help.out).toMatch(/^usage: secops /);
          for (const example of help.out.split("\n").filter((l) => /^ {2}npx secops /.test(l)).map((l) => l.trim())) {
            const r = sh(example, { NATS_URL: natsUrl!, ...withData });
            expect(r.code, `${example}: ${r.err}`).toBe(0);
          }
        }

        // The publish hints run as printed, and the pipeline (still running, as the demo says) takes them.
        const [natsHint, secopsHint] = lines.filter((l) => /^publish|^ +or /.test(l)).map((l) => l.replace(/^(publish| +or) +/, ""));
        expect(natsHint).toMatch(/^nats -s \S+ --user publisher --password "\$\(cat \S+\/credentials\/publisher\.password\)" pub --no-templates alerts\.raw "\$\(cat input_alerts\/sample_alert1\.json\)"$/);
        const before = p.out().split("\n").length - 1; // the last element is the line being written
        if (hasNatsCli) {
          expect(sh(natsHint!).code).toBe(0);
        } else {
          // No nats CLI here: the shell expands the command exactly as it would for nats, and
          // the arguments it gets are published the way `nats pub` does (one core PUB).
          const argv = sh(natsHint!.replace(/^nats /, "printf '%s\\0' ")).out.split("\0").slice(0, -1);
          const password = JSON.parse(readFileSync(join(p.dataDir, "credentials", "nats.json"), "utf8")).passwords.publisher as string;
          expect(argv.slice(0, 9)).toEqual(["-s", natsUrl, "--user", "publisher", "--password", password, "pub", "--no-templates", "alerts.raw"]);
          expect(normalizeAlert(argv[9]!).ok).toBe(true);
          nc.publish(argv[8]!, argv[9]!);
          await nc.flush();
        }
        const published = sh(secopsHint!);
        expect(published.code, `${secopsHint}: ${published.err}`).toBe(0);
        expect(published.out).toMatch(/sample_alert1\.json -> alerts\.raw seq=\d+/);
        // Those are the demo's own alerts again (their outcomes are de-duplicated); a new alert
        // shows the agents really keep running, as the demo says.
        const fresh = join(p.dataDir, "fresh.json");
        writeFileSync(fresh, JSON.stringify({ ...JSON.parse(readFileSync(join(ROOT, "input_alerts", "sample_alert4.json"), "utf8")), alert_id: "SEC-2026-0999" }));
        expect(sh(`NATS_URL=${natsUrl} npx secops publish ${fresh}`, withData).code).toBe(0);
        await until(() => p.out().split("\n").slice(before).some((l) => /^(done|dup) +SEC-2026-0999 /.test(l)), 60_000, "the new alert's outcome", () => p.out());
      } finally {
        await nc.close();
      }

      p.child.kill("SIGTERM");
      expect(await p.exit).toBe(0);
      expect(p.out()).toMatch(/stopped in \d+\.\ds/);
      expect(existsSync(join(p.dataDir, "dashboard-url"))).toBe(false);
    } finally {
      held?.close();
    }
  }, 240_000);

  it("a decision that waits for a person prints an approve command that works as printed", async () => {
    const natsPort = await freePort();
    const policy = join(mkdtempSync(join(tmpdir(), "secops-policy-")), "policy.yaml");
    dirs.push(join(policy, ".."));
    const text = readFileSync(join(ROOT, "agents", "policy", "default.yaml"), "utf8");
    const approvalFirst = text.replace(/^ {2}BLOCK_IP: .*$/m, "  BLOCK_IP:             { mode: approval, minConfidence: 0.8,  belowThreshold: approval,      approvers: 1 }");
    expect(approvalFirst).not.toBe(text);
    writeFileSync(policy, approvalFirst);
    const p = run({ NATS_URL: `nats://127.0.0.1:${natsPort}`, DASHBOARD_PORT: String(await freePort()), POLICY_FILE: policy }, ["--demo"]);
    await until(() => /demo: 5 alert\(s\) completed/.test(p.out()), 120_000, "the demo to complete", () => p.out() + p.err());
    const waiting = p.out().split("\n").find((l) => l.startsWith("waiting "));
    expect(waiting, p.out()).toMatch(/^waiting SEC-2026-0104 .* -> BLOCK_IP needs approval \(1 approver\): (NATS_URL=\S+ DATA_DIR=\S+ npx secops approve APR-[0-9A-F]{16})$/);
    const approveCmd = /: (NATS_URL=.*)$/.exec(waiting!)![1]!;
    const r = sh(approveCmd, { USER: "pat" });
    expect(r.code, `${approveCmd}: ${r.err}`).toBe(0);
    // Behind the shared CLI user the typed name is recorded as such (one person: agents/src/trust).
    expect(JSON.parse(r.out)).toMatchObject({ status: "approved", approvers: ["pat (nats user cli)"] });
    await until(() => /^done +SEC-2026-0104 .* -> BLOCK_IP 80\.82\.77\.139 +\[approval;/m.test(p.out()), 60_000, "the approved block to run", () => p.out());
    p.child.kill("SIGINT");
    expect(await p.exit).toBe(0);
  }, 180_000);

  it("stops before starting anything when the chosen DASHBOARD_PORT is taken, saying how to choose another", async () => {
    const natsPort = await freePort();
    const held = (await takePort(await freePort()))!;
    const busy = (held.address() as { port: number }).port;
    try {
      const p = run({ NATS_URL: `nats://127.0.0.1:${natsPort}`, DASHBOARD_PORT: String(busy) }, ["--demo"]);
      expect(await p.exit).toBe(1);
      expect(p.out()).toBe("");
      const err = p.err().trim().split("\n");
      expect(err).toHaveLength(1);
      expect(err[0]).toMatch(new RegExp(`^dashboard: port ${busy} on 127\\.0\\.0\\.1 is in use \\(DASHBOARD_PORT=${busy}\\); choose another port, e\\.g\\. DASHBOARD_PORT=(\\d+) npm run demo$`));
      // Nothing was started: no nats-server holds the NATS port.
      const probe = await takePort(natsPort);
      expect(probe).not.toBeNull();
      probe!.close();
    } finally {
      held.close();
    }
  });

  it("stops everything, saying so, when the dashboard cannot run: never headless by accident", async () => {
    // The port is free when the launcher checks it and taken just before the dashboard binds it
    // (the dashboard starts right after the LLM line and needs a second to listen).
    const dashPort = await freePort();
    const p = run({ NATS_URL: `nats://127.0.0.1:${await freePort()}`, DASHBOARD_PORT: String(dashPort) }, ["--demo"]);
    await until(() => /^LLM /m.test(p.out()), 30_000, "the LLM line", () => p.out() + p.err());
    const held = await takePort(dashPort);
    try {
      expect(held, "the test could take the port before the dashboard did").not.toBeNull();
      expect(await p.exit).toBe(1);
      expect(p.out()).toContain(`[dashboard] dashboard: port ${dashPort} on 127.0.0.1 is in use; set DASHBOARD_PORT to a free port`);
      expect(p.out()).toMatch(/dashboard cannot run \(bad configuration\); stopping everything: the pipeline does not run without it/);
      expect(p.out()).not.toMatch(/^dashboard +http/m); // no banner line claims a dashboard
      expect(p.out()).not.toMatch(/keep running/);
      expect(p.out()).toMatch(/local nats-server stopped/);
    } finally {
      held?.close();
    }
  }, 90_000);

  it("says how to install nats-server when there is none and nothing answers", async () => {
    const p = run({ NATS_URL: `nats://127.0.0.1:${await freePort()}`, NATS_SERVER_BIN: "/nonexistent/nats-server" });
    expect(await p.exit).toBe(1);
    expect(p.err()).toMatch(/apt-get install -y nats-server/);
    expect(p.err()).toMatch(/brew install nats-server/);
    expect(p.err()).toMatch(/docker run/);
  });

  it("stops on a bad configuration value, naming the variable", async () => {
    const p = run({ LLM_TIMEOUT_SECONDS: "soon", DASHBOARD_PORT: "80808" });
    expect(await p.exit).toBe(2);
    expect(p.err()).toMatch(/LLM_TIMEOUT_SECONDS="soon"/);
    expect(p.err()).toMatch(/DASHBOARD_PORT="80808"/);
  });
});
