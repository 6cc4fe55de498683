// A short-lived responder for the CLI: connect, do one thing, close. Logs go to stderr so
// that stdout carries only the command's JSON result.
import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Topology } from "@secops/contracts";
import { pino } from "pino";
import { natsEnv, parseEnv, topologyOf } from "../runtime/config.js";
import { connectNats } from "../runtime/nats.js";
import { createResponder, type Responder } from "./handler.js";
import { Approvals } from "../state/approvals.js";
import { openResponderBuckets } from "../state/buckets.js";
import { PIPELINE_VERSION } from "../runtime/agent.js";
import { loadSigner } from "../trust/signing.js";

export async function withResponder<T>(env: NodeJS.ProcessEnv, fn: (r: Responder, s: { nc: NatsConnection; js: JetStreamClient; topo: Topology }) => Promise<T>): Promise<T> {
  const cfg = parseEnv(natsEnv, env);
  const log = pino({ name: "secops-cli", level: env.LOG_LEVEL ?? "warn" }, pino.destination(2));
  const nc = await connectNats(cfg, "secops-cli", log, { maxReconnectAttempts: 0 });
  try {
    const js = jetstream(nc);
    const topo = topologyOf(cfg);
    const responder = await createResponder({ nc, js, topo, log, env, signAs: "cli" });
    return await fn(responder, { nc, js, topo });
  } finally {
    await nc.close();
  }
}

/** Approvals for the CLI, from the shared state: deciding one needs no connector (nor its credentials). */
export async function withApprovals<T>(env: NodeJS.ProcessEnv, fn: (a: Approvals, s: { nc: NatsConnection; js: JetStreamClient; topo: Topology }) => Promise<T>): Promise<T> {
  const cfg = parseEnv(natsEnv, env);
  const log = pino({ name: "secops-cli", level: env.LOG_LEVEL ?? "warn" }, pino.destination(2));
  const nc = await connectNats(cfg, "secops-cli", log, { maxReconnectAttempts: 0 });
  try {
    const js = jetstream(nc);
    const topo = topologyOf(cfg);
    const { approvals } = await openResponderBuckets(nc, topo);
    return await fn(new Approvals(approvals, { js, topo, log, now: () => new Date(), producer: { agent: "cli", version: PIPELINE_VERSION, instance: "secops-cli" }, sign: loadSigner("cli", env).sign }), { nc, js, topo });
  } finally {
    await nc.close();
  }
}
