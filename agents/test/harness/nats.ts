// Test harness: a real nats-server for every test file that asks for one.
// Order (tech.md §D): NATS_URL from the environment; else the local nats-server binary on a
// random port with a temporary store; else testcontainers when a Docker engine exists;
// else a loud failure, never a silent skip.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { topology, type Topology } from "@secops/contracts";

export interface TestNats {
  url: string;
  /** An isolated topology: its own stream, subjects and buckets, so tests never collide. */
  topo: Topology;
  user?: string;
  pass?: string;
  /** Only set when the harness started a local server: lets tests kill and restart it. */
  child?: ChildProcess;
  storeDir?: string;
  stop(): Promise<void>;
}

export function uniqueNamespace(prefix = "t"): string {
  return `${prefix}${randomBytes(4).toString("hex")}`;
}

async function waitForPortsFile(dir: string, child: ChildProcess): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode} before it was ready`);
    const f = readdirSync(dir).find((n) => n.endsWith(".ports"));
    if (f) {
      try {
        const ports = JSON.parse(readFileSync(join(dir, f), "utf8")) as { nats: string[] };
        if (ports.nats[0]) return ports.nats[0];
      } catch { /* written partially; retry */ }
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("nats-server did not write its ports file within 10 s");
}

/** Starts a nats-server with JetStream on a random port, its store in a temp dir. */
export async function startLocalNatsServer(storeDir?: string, port = -1): Promise<{ url: string; child: ChildProcess; storeDir: string; stop(): Promise<void> }> {
  const bin = process.env.NATS_SERVER_BIN ?? "nats-server";
  const dir = storeDir ?? mkdtempSync(join(tmpdir(), "nats-test-"));
  const portsDir = mkdtempSync(join(tmpdir(), "nats-ports-"));
  const child = spawn(bin, ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir, "--ports_file_dir", portsDir], { stdio: "ignore" });
  const url = await waitForPortsFile(portsDir, child);
  return {
    url, child, storeDir: dir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(portsDir, { recursive: true, force: true });
    },
  };
}

export async function startNats(): Promise<TestNats> {
  const topo = topology(uniqueNamespace());
  if (process.env.NATS_URL) {
    return { url: process.env.NATS_URL, topo, stop: async () => {} };
  }
  const bin = process.env.NATS_SERVER_BIN ?? "nats-server";
  if (spawnSync(bin, ["--version"]).status === 0) {
    const s = await startLocalNatsServer();
    return {
      url: s.url, topo, child: s.child, storeDir: s.storeDir,
      async stop() { await s.stop(); rmSync(s.storeDir, { recursive: true, force: true }); },
    };
  }
  if (process.env.DOCKER_HOST || existsSync("/var/run/docker.sock")) {
    const mod = "@testcontainers/nats";
    const { NatsContainer } = (await import(mod)) as { NatsContainer: new (image: string) => { withJetStream(): { start(): Promise<{ getConnectionOptions(): { servers: string; user: string; pass: string }; stop(): Promise<unknown> }> } } };
    const c = await new NatsContainer("nats:2.10").withJetStream().start();
    const o = c.getConnectionOptions();
    return { url: o.servers, user: o.user, pass: o.pass, topo, stop: async () => { await c.stop(); } };
  }
  throw new Error(
    "no NATS server for the tests: set NATS_URL, or install nats-server (apt-get install -y nats-server, brew install nats-server), or run a Docker engine",
  );
}
