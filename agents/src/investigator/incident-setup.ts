// Builds the investigator's incident coverage (incident-batch.ts) from LLM_INCIDENT_* and the two
// buckets it reads: the correlator's incidents (opened when the correlator has made it) and the
// investigation-reuse bucket, where the incident's last investigation is kept.
import type { NatsConnection } from "@nats-io/transport-node";
import type { Topology } from "@secops/contracts";
import { parseEnv } from "../runtime/config.js";
import type { Logger } from "../runtime/logger.js";
import { openBucket } from "../runtime/provision.js";
import { lazyIncidentsBucket } from "../state/incidents.js";
import { incidentBatchEnv, incidentCoverage, type IncidentCoverage } from "./incident-batch.js";

export async function incidentCoverageFor(rt: { nc: NatsConnection; topo: Topology; env: NodeJS.ProcessEnv; log: Logger }): Promise<IncidentCoverage | undefined> {
  const cfg = parseEnv(incidentBatchEnv, rt.env);
  if (cfg.LLM_INCIDENT_BATCH_MS === 0) return undefined;
  const reuse = await openBucket(rt.nc, rt.topo.buckets.investigationReuse, { ttl: 24 * 3600 * 1000 });
  const incidents = lazyIncidentsBucket(rt.nc, rt.topo.correlator.bucket);
  rt.log.info({ batchMs: cfg.LLM_INCIDENT_BATCH_MS, batchMax: cfg.LLM_INCIDENT_BATCH_MAX, windowSeconds: cfg.LLM_INCIDENT_WINDOW_SECONDS }, "incident batching: alerts joining an open incident share one LLM call");
  return incidentCoverage({ incidents, reuse, cfg, log: rt.log });
}
