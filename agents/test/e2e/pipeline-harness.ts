// Runs the four agents in-process against a real nats-server, on an isolated topology.
import { jetstream, DeliverPolicy, type JetStreamClient } from "@nats-io/jetstream";
import { pino } from "pino";
import type { Topology } from "@secops/contracts";
import { startAgent, type RunningAgent } from "../../src/runtime/agent.js";
import { PIPELINE_STAGES } from "../../src/stages.js";
import type { NatsConnection } from "@nats-io/transport-node";

export async function startPipeline(url: string, topo: Topology, extraEnv: Record<string, string> = {}): Promise<{ agents: RunningAgent[]; stop(): Promise<void> }> {
  const env = { NATS_URL: url, SECOPS_NAMESPACE: topo.namespace, LOG_LEVEL: "silent", LLM_API_URL: "http://127.0.0.1:9/v1", LLM_TIMEOUT_SECONDS: "2", LLM_MAX_RETRIES: "0", ...extraEnv };
  const log = pino({ level: process.env.E2E_LOG ?? "silent" });
  const agents: RunningAgent[] = [];
  for (const stage of PIPELINE_STAGES) agents.push(await startAgent({ stage, env, log }));
  return { agents, async stop() { await Promise.all(agents.map((a) => a.stop())); } };
}

/** Collects every message on a subject (history and live) as parsed JSON, with headers. */
export class Collector {
  readonly items: { subject: string; data: Record<string, unknown>; headers: Record<string, string>; seq: number }[] = [];
  #stop: () => void = () => {};

  static async start(nc: NatsConnection, topo: Topology, subject = topo.all): Promise<Collector> {
    const c = new Collector();
    const js: JetStreamClient = jetstream(nc);
    const consumer = await js.consumers.get(topo.stream, { filter_subjects: subject, deliver_policy: DeliverPolicy.All });
    const msgs = await consumer.consume();
    c.#stop = () => msgs.stop();
    void (async () => {
      for await (const m of msgs) {
        const h: Record<string, string> = {};
        for (const [k, v] of m.headers ?? []) h[k] = v[0]!;
        let data: Record<string, unknown>;
        try { data = m.json(); } catch { data = { $text: m.string() }; }
        c.items.push({ subject: m.subject, data, headers: h, seq: m.seq });
      }
    })();
    return c;
  }

  on(subject: string) {
    return this.items.filter((i) => i.subject === subject);
  }

  async waitFor(pred: () => boolean, timeoutMs = 30_000, what = "condition"): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; have: ${JSON.stringify(this.items.map((i) => [i.subject, (i.data as { alertId?: string }).alertId]))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  stop() { this.#stop(); }
}
