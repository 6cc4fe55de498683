// A recorded history for replay and audit tests: n alerts made from the seed samples, each put
// through the real stages in process and published to the test stream the way the agents publish
// them (raw, enriched, investigated, decided), with the decider's policy version recorded.
import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { DecidedMessage, SchemaIds, enrichedSubject, type EnrichedMessage, type InvestigatedMessage, type Topology } from "@secops/contracts";
import { pino } from "pino";
import { alertVariant } from "../../src/bench/alert-variants.js";
import { loadSamples } from "../../src/bench/corpus.js";
import { alertIdFor, normalizeAlert } from "../../src/enricher/normalize/index.js";
import { enrichIndicators } from "../../src/enricher/enrich/index.js";
import { investigateAlert } from "../../src/investigator/handler.js";
import { decideResponse } from "../../src/decider/handler.js";
import { provisionBuckets, provisionStream } from "../../src/runtime/provision.js";
import { natsEnv, parseEnv } from "../../src/runtime/config.js";
import type { LoadedPolicy } from "../../src/state/policy-versions.js";
import { recordPolicyVersion } from "../../src/state/policy-versions.js";

export const silent = pino({ level: "silent" });
const producer = (agent: string) => ({ agent, version: "0.1.0", instance: "test" });

export async function provision(nc: NatsConnection, topo: Topology, url: string): Promise<void> {
  const cfg = parseEnv(natsEnv, { NATS_URL: url, SECOPS_NAMESPACE: topo.namespace });
  await provisionStream(await jetstream(nc).jetstreamManager(), topo, cfg);
  await provisionBuckets(nc, topo, cfg);
}

/** Publishes n alerts through the stages under `policy`; returns the decided messages. */
export async function recordHistory(nc: NatsConnection, topo: Topology, policy: LoadedPolicy, n: number, runId: string, from = 0): Promise<DecidedMessage[]> {
  const js: JetStreamClient = jetstream(nc);
  const jsm = await js.jetstreamManager();
  await recordPolicyVersion(nc, topo, policy, "test-decider");
  const samples = loadSamples();
  const out: DecidedMessage[] = [];
  for (let k = from; k < from + n; k++) {
    const v = alertVariant(samples, runId, k);
    const ack = await js.publish(topo.subjects.raw, v.body);
    const stored = await jsm.streams.getMessage(topo.stream, { seq: ack.seq });
    const receivedAt = new Date(Math.floor(stored!.time.getTime()));
    const norm = normalizeAlert(v.body, { receivedAt });
    if (!norm.ok) throw new Error(`sample ${v.sample} does not normalize: ${norm.error.reason}`);
    const alert = norm.alert;
    const alertId = alertIdFor(alert);
    const enriched: EnrichedMessage = {
      schema: SchemaIds.enriched, alertId, traceId: `${alertId.slice(3)}00000000`, producer: producer("enricher"),
      timestamps: { received: receivedAt.toISOString(), enriched: new Date().toISOString() }, alert,
      enrichment: await enrichIndicators(alert, { providers: [], assetRules: [] }),
    };
    await js.publish(enrichedSubject(topo, enriched.alert.severity), JSON.stringify(enriched));
    const investigation = await investigateAlert(enriched, { llm: null, log: silent });
    const investigated: InvestigatedMessage = { ...enriched, schema: SchemaIds.investigated, producer: producer("investigator"), investigation, timestamps: { ...enriched.timestamps, investigated: new Date().toISOString() } };
    await js.publish(topo.subjects.investigated, JSON.stringify(investigated));
    const decided = DecidedMessage.parse({ ...investigated, schema: SchemaIds.decided, producer: producer("decider"), decision: decideResponse(investigated, policy.policy), timestamps: { ...investigated.timestamps, decided: new Date().toISOString() } });
    await js.publish(topo.subjects.decided, JSON.stringify(decided));
    out.push(decided);
  }
  return out;
}
