// Starts a local nats-server with JetStream when nothing answers at NATS_URL.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createServer } from "node:net";
import { ensureLocalCredentials, recordLocalUrl, writeLocalNatsConfig } from "../trust/local-credentials.js";

export const INSTALL_HELP = `nats-server is not installed, and no NATS server answers at NATS_URL.
Install one of:
  Debian/Ubuntu:  sudo apt-get install -y nats-server
  macOS:          brew install nats-server
  Docker:         docker run -d --name nats -p 4222:4222 nats:2.10 -js   (then: NATS_URL=nats://127.0.0.1:4222 npm start)
  Any OS:         https://github.com/nats-io/nats-server/releases (put nats-server on PATH, or set NATS_SERVER_BIN)`;

export function natsServerBinary(env: NodeJS.ProcessEnv): string | null {
  const bin = env.NATS_SERVER_BIN || "nats-server";
  return spawnSync(bin, ["--version"]).status === 0 ? bin : null;
}

async function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

export interface LocalNats {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts nats-server with its store under dataDir; a preferredPort of 0 or less (or a busy one)
 * means a random free port. It runs with authentication: one generated user per agent, the
 * dashboard and the CLI (agents/src/trust/nats-users.ts), recorded in DATA_DIR/credentials.
 */
export async function startLocalNats(bin: string, dataDir: string, preferredPort: number): Promise<LocalNats> {
  const storeDir = join(dataDir, "nats");
  const runDir = join(dataDir, "run");
  const logDir = join(dataDir, "logs");
  for (const d of [storeDir, runDir, logDir]) mkdirSync(d, { recursive: true });
  for (const f of readdirSync(runDir)) if (f.endsWith(".ports")) rmSync(join(runDir, f));
  // nats-server reads -p 0 as its default 4222; -1 is what asks it for a random port.
  const port = preferredPort > 0 && (await portFree(preferredPort, "127.0.0.1")) ? preferredPort : -1;
  const log = createWriteStream(join(logDir, "nats-server.log"), { flags: "a" });
  const conf = writeLocalNatsConfig(dataDir, storeDir, ensureLocalCredentials(dataDir));
  // Its own process group: a Ctrl-C in the terminal reaches the agents (which drain) but not the
  // server they drain to; the launcher stops the server last.
  const child = spawn(bin, ["-c", conf, "-n", "secops-local", "-a", "127.0.0.1", "-p", String(port), "-js", "--ports_file_dir", runDir], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  const killOnExit = () => { if (child.exitCode === null) child.kill("SIGKILL"); };
  process.once("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const deadline = Date.now() + 15_000;
  let url: string | null = null;
  while (!url && Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode}; see ${join(logDir, "nats-server.log")}`);
    url = portsFileUrl(runDir);
    if (!url) await new Promise((r) => setTimeout(r, 50));
  }
  if (!url) {
    child.kill("SIGKILL");
    throw new Error("nats-server did not become ready within 15 s");
  }
  recordLocalUrl(dataDir, url);
  return {
    url,
    child,
    stop: () => stopServer(child),
  };
}

/** The url a nats-server started with `--ports_file_dir runDir` listens on, once its ports file is written. */
export function portsFileUrl(runDir: string): string | null {
  const f = readdirSync(runDir).find((n) => n.endsWith(".ports"));
  if (!f) return null;
  try {
    return (JSON.parse(readFileSync(join(runDir, f), "utf8")) as { nats: string[] }).nats[0] ?? null;
  } catch {
    return null; // partially written
  }
}

/** SIGTERM (nats-server then flushes its store), SIGKILL after 5 s. */
export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  if (child.exitCode === null) child.kill("SIGKILL");
}
