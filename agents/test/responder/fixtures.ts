import { createHash, randomBytes } from "node:crypto";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager, jetstream } from "@nats-io/jetstream";
import { pino } from "pino";
import { afterAll, beforeAll } from "vitest";
import { startNats, type TestNats } from "../harness/nats.js";
import { DecidedMessage, SchemaIds, actionDigest, type ActionParameters, type Decision, type Topology } from "@secops/contracts";
import { provisionStream } from "../../src/runtime/provision.js";
import { parseEnv, natsEnv } from "../../src/runtime/config.js";
import { createResponder, type Responder } from "../../src/responder/handler.js";

export const silentLog = pino({ level: "silent" });

export function fingerprintOf(seed: string): string {
  return createHash("sha256").update(seed).digest("hex");
}

/** A DecidedMessage validated by the contract, so fixtures cannot drift from the schema. */
export function decided(parameters: ActionParameters, over: Partial<Decision> = {}, o: { alertId?: string; fingerprint?: string } = {}): DecidedMessage {
  const alertId = o.alertId ?? `alert-${randomBytes(4).toString("hex")}`;
  return DecidedMessage.parse({
    schema: SchemaIds.decided,
    alertId,
    traceId: randomBytes(16).toString("hex"),
    producer: { agent: "decider", version: "0.1.0", instance: "test" },
    timestamps: { received: "2026-11-23T10:00:00.000Z", decided: "2026-11-23T10:00:05.000Z" },
    alert: {
      format: "seed", category: "malware", severity: "high", severityOriginal: "High",
      title: "Ransomware behaviour on WS-FIN-042", description: "encrypted files", time: "2026-11-23T09:59:00.000Z",
      source: { vendor: "Test", product: "EDR" }, host: { name: "ws-fin-042", ip: "10.0.0.42" }, user: { name: "jdoe" },
      assets: ["ws-fin-042"], iocs: [{ type: "ip", value: "203.0.113.7", role: "destination", internal: false, from: "field" }],
      mitre: ["T1486"], tactics: ["impact"], sourceId: "evt-1",
      fingerprint: o.fingerprint ?? fingerprintOf(alertId), context: {}, raw: { any: "thing" },
    },
    enrichment: {
      indicators: [], asset: { name: "ws-fin-042", criticality: "high", reason: "finance" },
      summary: { malicious: 0, suspicious: 0, clean: 0, unknown: 1, externalIps: 1, internalIps: 1 },
      providers: [], suppressed: null,
    },
    investigation: {
      analyst: "rules", severity: "high", confidence: 0.9, verdict: "true_positive", summary: "bad", reasoning: "because",
      thinking: null, mitre: ["T1486"], evidence: ["e1"], recommendedAction: parameters.action, recommendedTarget: null,
      fallbackReason: null, injection: { detected: false, findings: [] }, llm: null,
    },
    decision: {
      action: parameters.action, parameters, mode: "auto", status: "ready", proposedBy: "rules",
      proposed: { action: parameters.action, target: null }, confidence: 0.9, reason: "matrix row",
      policy: { version: "test", rules: [] }, tainted: false, approval: null,
      ...over,
    },
  });
}

/** A decision waiting for approval, as the decider would publish it. */
export function awaiting(parameters: ActionParameters, approval: { approversRequired?: number; expiresAt?: string; id?: string } = {}, o: { alertId?: string; fingerprint?: string } = {}): DecidedMessage {
  return decided(parameters, {
    mode: "approval", status: "awaiting_approval",
    approval: {
      id: approval.id ?? `APR-${randomBytes(6).toString("hex").toUpperCase()}`,
      digest: actionDigest(parameters), requiredRole: "responder", approversRequired: approval.approversRequired ?? 1,
      expiresAt: approval.expiresAt ?? new Date(Date.now() + 3600_000).toISOString(), approvers: [], rejectedBy: null,
    },
  }, o);
}

export const ticket = (title = "Investigate ransomware"): ActionParameters => ({ action: "CREATE_TICKET", title, priority: "high", description: "see alert", assets: ["ws-fin-042"] });
export const block = (ip = "203.0.113.7", durationHours = 24): ActionParameters => ({ action: "BLOCK_IP", ip, durationHours, reason: "C2 traffic" });
export const isolate = (host = "ws-fin-042"): ActionParameters => ({ action: "ISOLATE_HOST", host, ip: "10.0.0.42", reason: "ransomware" });
export const closeFp = (): ActionParameters => ({ action: "CLOSE_FALSE_POSITIVE", reason: "backup job", evidence: ["scheduled task"] });
export const review = (): ActionParameters => ({ action: "MANUAL_REVIEW", reason: "unclear", questions: ["is this the backup window?"] });

export interface Env {
  nc: NatsConnection;
  topo: Topology;
  make(env?: NodeJS.ProcessEnv, now?: () => Date): Promise<Responder>;
}

/** Connects to the test server and provisions the stream (approval outcomes are published on it). */
export async function natsEnvFor(url: string, topo: Topology): Promise<Env> {
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  await provisionStream(jsm, topo, parseEnv(natsEnv, {}));
  const js = jetstream(nc);
  return {
    nc, topo,
    make: (env = {}, now) => createResponder({ nc, js, topo, log: silentLog, env, ...(now ? { now } : {}) }),
  };
}

/**
 * One nats-server and a responder environment for a whole test file: registers the hooks that
 * start and stop them, and returns the environment (filled in before the first test runs).
 */
export function useResponderEnv(): Env {
  const env = {} as Env;
  let nats: TestNats | undefined;
  beforeAll(async () => {
    nats = await startNats();
    Object.assign(env, await natsEnvFor(nats.url, nats.topo));
  });
  afterAll(async () => {
    await env.nc?.close();
    await nats?.stop();
  });
  return env;
}
