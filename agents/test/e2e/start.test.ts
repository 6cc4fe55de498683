// `npm start` / `npm run demo` as a new user runs them: the launcher process, a local
// nats-server it starts itself, four agent processes and the dashboard, outcomes printed.
import { afterAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const START = fileURLToPath(new URL("../../dist/start/main.js", import.meta.url));
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

function run(env: Record<string, string>, args: string[] = []): { child: ChildProcess; out: () => string; err: () => string; exit: Promise<number | null> } {
  const dataDir = mkdtempSync(join(tmpdir(), "secops-start-"));
  dirs.push(dataDir);
  let out = "";
  let err = "";
  const child = spawn(process.execPath, [START, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, LLM_API_URL: "http://127.0.0.1:9/v1", LLM_TIMEOUT_SECONDS: "1", LLM_MAX_RETRIES: "0", NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, out: () => out, err: () => err, exit };
}

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
