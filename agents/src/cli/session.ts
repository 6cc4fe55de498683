// A short-lived responder for the CLI: connect, do one thing, close. Logs go to stderr so
// that stdout carries only the command's JSON result.
import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Topology } from "@secops/contracts";
import { pino } from "pino";
import type { Logger } from "../runtime/logger.js";
import { natsEnv, parseEnv, topologyOf } from "../runtime/config.js";
import { connectNats } from "../runtime/nats.js";
import { createResponder, type Responder } from "../responder/handler.js";
import { Approvals } from "../state/approvals.js";
import { openResponderBuckets } from "../state/buckets.js";
import { PIPELINE_VERSION } from "../runtime/agent.js";
import { loadSigner } from "../trust/signing.js";

export type CliSession = { nc: NatsConnection; js: JetStreamClient; topo: Topology; log: Logger };

/** Connects as the CLI (no reconnects, logs on stderr), runs fn, and closes. */
export async function withNats<T>(env: NodeJS.ProcessEnv, fn: (s: CliSession) => Promise<T>, name = "secops-cli"): Promise<T> {
  const cfg = parseEnv(natsEnv, env);
  const log = pino({ name: "secops-cli", level: env.LOG_LEVEL ?? "warn" }, pino.destination(2));
  const nc = await connectNats(cfg, name, log, { maxReconnectAttempts: 0 });
  try {
    return await fn({ nc, js: jetstream(nc), topo: topologyOf(cfg), log });
  } finally {
    await nc.close();
  }
}

export async function withResponder<T>(env: NodeJS.ProcessEnv, fn: (r: Responder, s: { nc: NatsConnection; js: JetStreamClient; topo: Topology }) => Promise<T>): Promise<T> {
  return withNats(env, async (s) => fn(await createResponder({ nc: s.nc, js: s.js, topo: s.topo, log: s.log, env, signAs: "cli" }), s));
}

/** Approvals for the CLI, from the shared state: deciding one needs no connector (nor its credentials). */
export async function withApprovals<T>(env: NodeJS.ProcessEnv, fn: (a: Approvals, s: { nc: NatsConnection; js: JetStreamClient; topo: Topology }) => Promise<T>): Promise<T> {
  return withNats(env, async (s) => {
    const { approvals } = await openResponderBuckets(s.nc, s.topo);
    const producer = { agent: "cli", version: PIPELINE_VERSION, instance: "secops-cli" };
    return fn(new Approvals(approvals, { js: s.js, topo: s.topo, log: s.log, now: () => new Date(), producer, sign: loadSigner("cli", env).sign }), s);
  });
}
