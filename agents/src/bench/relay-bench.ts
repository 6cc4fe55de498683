// The floor the pipeline is measured against: a raw 5-hop JetStream relay on the same
// nats-server binary (its own instance, file storage, like the pipeline's), in one process with
// one connection per hop. Each hop consumes its subject, parses the JSON, adds a field, publishes
// the result to the next subject with a Nats-Msg-Id, waits for the stream's ack and then acks
// its input; up to `concurrency` messages are in flight per hop. Nothing else: no schema, no
// state, no logging. The relay's rate is what JetStream and JSON alone cost on this machine.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type JsMsg } from "@nats-io/jetstream";
import { INSTALL_HELP, natsServerBinary, portsFileUrl, stopServer } from "../start/local-nats.js";
import { summarize, type Summary } from "./stats.js";

export interface RelayOptions {
  messages: number;
  /** Bytes per message body (default 4096). */
  messageBytes?: number;
  hops?: number;
  /** Messages in flight per hop (default 64). */
  concurrency?: number;
  timeoutMs: number;
}

export interface RelayReport {
  hops: number;
  messages: number;
  messageBytes: number;
  completed: number;
  complete: boolean;
  durationMs: number;
  messagesPerSecond: number;
  /** First publish → arrival on the last subject, per message. */
  endToEndMs: Summary;
}

interface Server {
  url: string;
  stop(): Promise<void>;
}

async function startPlainNats(bin: string, dir: string): Promise<Server> {
  const runDir = join(dir, "run");
  mkdirSync(runDir, { recursive: true });
  const child = spawn(bin, ["-a", "127.0.0.1", "-p", "-1", "-js", "-sd", join(dir, "store"), "--ports_file_dir", runDir], { stdio: "ignore", detached: true });
  const killOnExit = () => { if (child.exitCode === null) child.kill("SIGKILL"); };
  process.once("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode} before it was ready`);
    const url = portsFileUrl(runDir);
    if (url) return { url, stop: () => stopServer(child) };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  throw new Error("nats-server did not become ready within 15 s");
}

/** A JSON body of about `bytes` bytes, shaped like an alert (nested object, strings, numbers). */
function body(k: number, bytes: number): string {
  const base = { id: `relay-${k}`, severity: "high", title: "Relay message", n: k, details: { note: "" } };
  const room = bytes - JSON.stringify(base).length;
  base.details.note = "x".repeat(Math.max(0, room));
  return JSON.stringify(base);
}

export async function benchRelay(o: RelayOptions): Promise<RelayReport> {
  const bin = natsServerBinary(process.env);
  if (!bin) throw new Error(INSTALL_HELP);
  const hops = o.hops ?? 5;
  const bytes = o.messageBytes ?? 4096;
  const concurrency = o.concurrency ?? 64;
  const dir = mkdtempSync(join(tmpdir(), "secops-bench-relay-"));
  let server: Server | null = null;
  const conns: NatsConnection[] = [];
  const stops: (() => void)[] = [];
  try {
    server = await startPlainNats(bin, dir);
    const open = async (name: string) => {
      const nc = await connect({ servers: server!.url, name, noAsyncTraces: true });
      conns.push(nc);
      return nc;
    };
    const admin = await open("relay-admin");
    const jsm = await jetstreamManager(admin);
    await jsm.streams.add({ name: "RELAY", subjects: ["relay.>"], retention: RetentionPolicy.Limits, storage: StorageType.File, duplicate_window: 120 * 1e9 });
    for (let h = 0; h < hops; h++) {
      await jsm.consumers.add("RELAY", { durable_name: `hop${h}`, filter_subject: `relay.h${h}`, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, max_ack_pending: 1_000, ack_wait: 30 * 1e9 });
    }
    const arrivals = new Map<number, number>();
    const sentAt = new Map<number, number>();
    let lastArrival = 0;
    const finalSub = admin.subscribe(`relay.h${hops}`, {
      callback: (_e, m) => {
        const n = (m.json<{ n: number }>()).n;
        if (!arrivals.has(n)) { arrivals.set(n, Date.now()); lastArrival = Date.now(); }
      },
    });
    stops.push(() => finalSub.unsubscribe());
    await admin.flush();
    for (let h = 0; h < hops; h++) {
      const nc = await open(`relay-hop${h}`);
      const js = jetstream(nc);
      const messages = await (await js.consumers.get("RELAY", `hop${h}`)).consume({ max_messages: concurrency });
      stops.push(() => messages.stop());
      let inflight = 0;
      const waiters: (() => void)[] = [];
      const relay = async (m: JsMsg) => {
        const doc = JSON.parse(new TextDecoder().decode(m.data)) as Record<string, unknown>;
        doc[`hop${h}`] = new Date().toISOString();
        await js.publish(`relay.h${h + 1}`, JSON.stringify(doc), { msgID: `${String(doc.id)}:h${h}` });
        m.ack();
      };
      void (async () => {
        for await (const m of messages) {
          if (inflight >= concurrency) await new Promise<void>((r) => waiters.push(r));
          inflight++;
          void relay(m).catch(() => m.nak()).finally(() => { inflight--; waiters.shift()?.(); });
        }
      })();
    }
    const js = jetstream(admin);
    const bodies = Array.from({ length: o.messages }, (_, k) => body(k, bytes));
    const started = Date.now();
    const deadline = started + o.timeoutMs;
    let next = 0;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (next < bodies.length && Date.now() < deadline) {
        const k = next++;
        sentAt.set(k, Date.now());
        await js.publish("relay.h0", bodies[k]!, { msgID: `relay-${k}` });
      }
    }));
    while (arrivals.size < o.messages && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const durationMs = (arrivals.size > 0 ? lastArrival : Date.now()) - started;
    return {
      hops, messages: o.messages, messageBytes: Buffer.byteLength(bodies[0] ?? ""), completed: arrivals.size,
      complete: arrivals.size === o.messages, durationMs,
      messagesPerSecond: durationMs > 0 ? arrivals.size / (durationMs / 1000) : Number.NaN,
      endToEndMs: summarize([...arrivals].map(([k, t]) => t - (sentAt.get(k) ?? t))),
    };
  } finally {
    for (const s of stops) { try { s(); } catch { /* already stopped */ } }
    for (const nc of conns) await nc.close().catch(() => {});
    await server?.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}
