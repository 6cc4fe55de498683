// Real nats-server processes on loopback for the chaos suite: one node, or a 3-node JetStream
// cluster, each with a fixed port and its own store so that a node can be killed (SIGTERM or
// SIGKILL) and started again on the same port with the same data, as an operator would.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, writeFileSync } from "node:fs";
import { createServer, connect as tcpConnect } from "node:net";
import { join } from "node:path";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = tcpConnect({ host: "127.0.0.1", port });
    sock.once("connect", () => { sock.destroy(); resolve(true); });
    sock.once("error", () => resolve(false));
  });
}

export class NatsNode {
  #child: ChildProcess | null = null;
  constructor(readonly name: string, readonly port: number, readonly configFile: string, readonly logFile: string, private readonly bin: string) {}

  get url(): string { return `nats://127.0.0.1:${this.port}`; }
  get running(): boolean { return this.#child !== null && this.#child.exitCode === null && this.#child.signalCode === null; }

  async start(): Promise<void> {
    if (this.running) return;
    const log = createWriteStream(this.logFile, { flags: "a" });
    const child = spawn(this.bin, ["-c", this.configFile], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.#child = child;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`nats-server ${this.name} exited with code ${child.exitCode}; see ${this.logFile}`);
      if (await accepts(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`nats-server ${this.name} did not listen on ${this.port} within 15 s; see ${this.logFile}`);
  }

  /** Sends the signal and waits for the process to exit. */
  async kill(signal: "SIGTERM" | "SIGKILL"): Promise<void> {
    const c = this.#child;
    if (!c || !this.running) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill(signal);
    const t = setTimeout(() => c.kill("SIGKILL"), 30_000);
    await exited;
    clearTimeout(t);
  }
}

export interface NatsTopologyUnderTest {
  nodes: NatsNode[];
  /** The URL list agents connect with. */
  url: string;
  replicas: 1 | 3;
  stopAll(): Promise<void>;
}

/** One JetStream node, as `npm start` runs it. */
export async function startSingle(dir: string, bin: string): Promise<NatsTopologyUnderTest> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const conf = join(dir, "n1.conf");
  writeFileSync(conf, `server_name: chaos-n1\nlisten: 127.0.0.1:${port}\njetstream { store_dir: "${join(dir, "store-n1")}" }\n`);
  const node = new NatsNode("n1", port, conf, join(dir, "n1.log"), bin);
  await node.start();
  return { nodes: [node], url: node.url, replicas: 1, stopAll: async () => { await node.kill("SIGTERM"); } };
}

/** Three JetStream nodes on loopback, routed to each other (as infra/nats/cluster/ describes). */
export async function startCluster(dir: string, bin: string): Promise<NatsTopologyUnderTest> {
  mkdirSync(dir, { recursive: true });
  const ports = await Promise.all([0, 1, 2].map(() => freePort()));
  const routes = await Promise.all([0, 1, 2].map(() => freePort()));
  const nodes = [0, 1, 2].map((i) => {
    const name = `n${i + 1}`;
    const conf = join(dir, `${name}.conf`);
    writeFileSync(conf, [
      `server_name: chaos-${name}`,
      `listen: 127.0.0.1:${ports[i]}`,
      `jetstream { store_dir: "${join(dir, `store-${name}`)}" }`,
      `cluster { name: chaos, listen: 127.0.0.1:${routes[i]}, routes: [${routes.map((p) => `nats-route://127.0.0.1:${p}`).join(", ")}] }`,
      "",
    ].join("\n"));
    return new NatsNode(name, ports[i]!, conf, join(dir, `${name}.log`), bin);
  });
  await Promise.all(nodes.map((n) => n.start()));
  return {
    nodes, url: nodes.map((n) => n.url).join(","), replicas: 3,
    stopAll: async () => { await Promise.all(nodes.map((n) => n.kill("SIGTERM"))); },
  };
}
