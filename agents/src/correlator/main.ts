// Process entry point of the incident correlator: alerts.decided → alerts.incidents (+ KV).
//
// It runs its own small consume loop rather than the shared stage runtime, because it is not a
// stage: it publishes no alerts.* stage message and dead-letters nothing (the responder reads the
// same decided messages and dead-letters what is invalid). Its durable has max_ack_pending 1, so
// replicas take turns and an incident is never updated by two alerts at once; the store's
// compare-and-set covers merges and splits made by hand on the dashboard meanwhile.
import { fileURLToPath } from "node:url";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JetStreamClient, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { nanos } from "@nats-io/transport-node";
import { DecidedMessage, Incident, type Topology } from "@secops/contracts";
import { agentEnv, connectNats, createLogger, exitOnConfigError, parseEnv, topologyOf, type Logger } from "../runtime/index.js";
import { openBucket } from "../runtime/provision.js";
import { publishDurably } from "../runtime/publish.js";
import { correlateAlert } from "./handler.js";
import { loadIncidentRules, type IncidentRules } from "./rules.js";
import { KvIncidentStore, type IncidentStore } from "./store.js";

/** Incidents, entity sightings and alert links expire with the stream's default 30-day max age. */
export const INCIDENT_TTL_MS = 30 * 24 * 3600 * 1000;

export async function openIncidentStore(nc: NatsConnection, topo: Topology): Promise<IncidentStore> {
  return new KvIncidentStore(await openBucket(nc, topo.correlator.bucket, { history: 5, ttl: INCIDENT_TTL_MS }));
}

/** Publishes one incident version: its id + version is the dedup id, so a retry sends it once. */
export async function publishIncident(js: JetStreamClient, topo: Topology, inc: Incident): Promise<void> {
  await publishDurably(js, { subject: topo.subjects.incidents, data: Incident.parse(inc), msgId: `${inc.incidentId}:v${inc.version}`, headers: { "Incident-Id": inc.incidentId } });
}

export interface Correlator {
  stop(): Promise<void>;
}

export async function startCorrelator(o: { nc: NatsConnection; topo: Topology; log: Logger; rules: IncidentRules }): Promise<Correlator> {
  const { nc, topo, log, rules } = o;
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const store = await openIncidentStore(nc, topo);
  await jsm.consumers.add(topo.stream, {
    durable_name: topo.correlator.durable,
    description: `correlator: ${topo.subjects.decided} → ${topo.subjects.incidents}`,
    filter_subject: topo.subjects.decided,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(30_000),
    max_deliver: 10,
    max_ack_pending: 1,
  });
  const consumer = await js.consumers.get(topo.stream, topo.correlator.durable);
  const messages = await consumer.consume({ max_messages: 1 });
  const handle = async (m: JsMsg) => {
    let msg: DecidedMessage;
    try {
      msg = DecidedMessage.parse(m.json());
    } catch (e) {
      log.warn({ seq: m.seq, err: (e as Error).message.slice(0, 300) }, "correlator: skipped a decided message that is not a valid contract (the responder dead-letters it)");
      m.term();
      return;
    }
    try {
      const changed = await correlateAlert(msg, store, rules);
      // Readers waiting on this alert (the ticketing connectors) learn it is in no incident without waiting out their limit.
      if (!changed.length) await store.markSeen(msg.alertId);
      for (const inc of changed) await publishIncident(js, topo, inc);
      if (changed.length) log.info({ alertId: msg.alertId, incidents: changed.map((i) => `${i.incidentId} (${i.alerts.length} alerts, ${i.severity})`) }, "incident updated");
      m.ack();
    } catch (e) {
      log.warn({ alertId: msg.alertId, err: (e as Error).message, delivery: m.info.deliveryCount }, "correlator: will retry");
      m.nak(Math.min(30_000, 1000 * 2 ** m.info.deliveryCount));
    }
  };
  const loop = (async () => {
    for await (const m of messages) await handle(m);
  })();
  return {
    async stop() {
      await messages.close().catch(() => undefined);
      await loop.catch(() => undefined);
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const cfg = exitOnConfigError(() => parseEnv(agentEnv, process.env));
  const log = createLogger("correlator", cfg.LOG_LEVEL);
  let rules: IncidentRules;
  try {
    rules = loadIncidentRules(process.env.POLICY_FILE || undefined);
  } catch (e) {
    process.stderr.write(`correlator: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const nc = await connectNats(cfg, "correlator", log);
  const topo = topologyOf(cfg);
  const c = await startCorrelator({ nc, topo, log, rules });
  log.info({ rules: rules.rules.map((r) => r.id), windowMinutes: rules.windowMinutes, enabled: rules.enabled }, "correlator running");
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    process.once(sig, () => {
      setTimeout(() => process.exit(1), 10_000).unref();
      void c.stop().then(() => nc.drain()).finally(() => process.exit(0));
    });
  }
}
