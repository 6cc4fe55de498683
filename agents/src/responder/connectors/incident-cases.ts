// Which case (TheHive) or issue (Jira) an incident already has, so that a new alert of the
// incident is attached to it instead of opening another. The records live in the correlator's
// incidents bucket next to the incidents (state/incidents.ts: schemas, keys, validated on read):
//   case.<connector>.<incident id>   the incident's case / issue (the first alert to record one wins)
//   ticket.<connector>.<alert hash>  what one alert's ticket opened, for when its incident forms later
// The responder and the correlator read the same decided message side by side, so the lookup
// waits up to INCIDENT_CASE_WAIT_MS for the correlator to say which incident the alert is in; the
// correlator marks every alert it has seen, so the wait normally ends within milliseconds.
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { z } from "zod";
import type { Incident, Topology } from "@secops/contracts";
import { parseEnv } from "../../runtime/config.js";
import {
  awaitAlertLink, claimIncidentCase, lazyIncidentsBucket, readAlertTicket, readIncidentCase, readOpenIncident, recordAlertTicket,
  type IncidentCaseRecord, type TicketingConnector,
} from "../../state/incidents.js";

export const incidentCaseEnv = {
  INCIDENT_CASES: z.enum(["attach", "off"], { error: "expected attach (a new alert of an incident joins its existing TheHive case / Jira issue) or off (one per alert)" }).default("attach"),
  INCIDENT_CASE_WAIT_MS: z.coerce.number({ error: "expected a number of milliseconds" }).int("expected whole milliseconds").min(0, "expected 0 or more milliseconds").max(30_000, "expected at most 30000 ms").default(2000)
    .describe("how long a ticket waits for the correlator to say which incident its alert is in"),
};

/** How many of an incident's earlier alerts are looked up for a ticket opened before the incident formed. */
const EARLIER_ALERTS_LOOKED_UP = 20;

export interface IncidentCases {
  /** The open incident the alert is in, or null (none, or the correlator did not say within the wait). */
  incidentOf(alertId: string): Promise<Incident | null>;
  /** The case / issue that stands for the incident: recorded for it, or opened by one of its earlier alerts. */
  caseOf(connector: TicketingConnector, incident: Incident, alertId: string): Promise<IncidentCaseRecord | null>;
  /** Records the incident's case unless one was recorded first; returns the one that stands. */
  claim(rec: IncidentCaseRecord & { incidentId: string }): Promise<IncidentCaseRecord>;
  /** Records what this alert's own ticket opened. */
  recordTicket(rec: IncidentCaseRecord): Promise<void>;
}

export function incidentCases(o: { kv: KV | (() => Promise<KV>); waitMs: number }): IncidentCases {
  const kv = typeof o.kv === "function" ? o.kv : () => Promise.resolve(o.kv as KV);
  return {
    async incidentOf(alertId) {
      const k = await kv();
      const link = await awaitAlertLink(k, alertId, o.waitMs);
      if (!link?.incidentId) return null;
      return (await readOpenIncident(k, link.incidentId))?.value ?? null;
    },
    async caseOf(connector, incident, alertId) {
      const k = await kv();
      const recorded = await readIncidentCase(k, connector, incident.incidentId);
      if (recorded) return recorded;
      // The incident formed after an earlier alert's ticket was opened: that ticket becomes the incident's.
      for (const a of incident.alerts.filter((x) => x.alertId !== alertId).slice(0, EARLIER_ALERTS_LOOKED_UP)) {
        const t = await readAlertTicket(k, connector, a.alertId);
        if (t) return claimIncidentCase(k, { ...t, incidentId: incident.incidentId });
      }
      return null;
    },
    async claim(rec) {
      return claimIncidentCase(await kv(), rec);
    },
    async recordTicket(rec) {
      await recordAlertTicket(await kv(), rec);
    },
  };
}

/** The responder's: undefined when INCIDENT_CASES=off. The bucket is the correlator's, opened once it exists. */
export function incidentCasesFor(nc: NatsConnection, topo: Topology, env: NodeJS.ProcessEnv): IncidentCases | undefined {
  const cfg = parseEnv(incidentCaseEnv, env);
  if (cfg.INCIDENT_CASES === "off") return undefined;
  return incidentCases({ waitMs: cfg.INCIDENT_CASE_WAIT_MS, kv: lazyIncidentsBucket(nc, topo.correlator.bucket) });
}
