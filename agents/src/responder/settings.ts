import { z } from "zod";
import { parseEnv } from "../runtime/config.js";

const posNumber = (what: string) => z.coerce.number({ error: `expected ${what}` }).positive(`expected ${what} greater than 0`);

// The block duration and the approval expiry come from the policy only (block.defaultDurationHours,
// approval.expiresAfterMinutes): the decider writes them into the decision, the responder obeys it.
export const responderEnv = {
  CONNECTOR_TIMEOUT_SECONDS: posNumber("a number of seconds").max(300, "expected at most 300 seconds").default(10),
  RESPONDER_LEASE_SECONDS: posNumber("a number of seconds").optional()
    .describe("how long a claim in the action ledger stays with a replica before another may take it over; default 8x the connector timeout"),
  SUPPRESSION_DAYS: z.coerce.number({ error: "expected a number of days (0: no expiry)" }).min(0).max(3650).default(30),
  INSTANCE_ID: z.string().optional(),
};

export interface ResponderSettings {
  connectorTimeoutMs: number;
  leaseMs: number;
  suppressionDays: number;
  instance: string;
}

export function responderSettings(env: NodeJS.ProcessEnv): ResponderSettings {
  const c = parseEnv(responderEnv, env);
  const timeoutMs = c.CONNECTOR_TIMEOUT_SECONDS * 1000;
  return {
    connectorTimeoutMs: timeoutMs,
    // An action may make several calls (token, lookup, act) per connector: the lease must outlast them.
    leaseMs: c.RESPONDER_LEASE_SECONDS ? c.RESPONDER_LEASE_SECONDS * 1000 : timeoutMs * 8,
    suppressionDays: c.SUPPRESSION_DAYS,
    instance: c.INSTANCE_ID ?? `responder-${process.pid}`,
  };
}
