import { z } from "zod";
import { parseEnv } from "../runtime/config.js";

const posNumber = (what: string) => z.coerce.number({ error: `expected ${what}` }).positive(`expected ${what} greater than 0`);

export const responderEnv = {
  CONNECTOR_TIMEOUT_SECONDS: posNumber("a number of seconds").max(300, "expected at most 300 seconds").default(10),
  RESPONDER_LEASE_SECONDS: posNumber("a number of seconds").optional()
    .describe("how long a claim in the action ledger stays with a replica before another may take it over; default 8x the connector timeout"),
  BLOCK_DEFAULT_HOURS: posNumber("a number of hours").max(24 * 365, "expected at most a year").default(24),
  SUPPRESSION_DAYS: z.coerce.number({ error: "expected a number of days (0: no expiry)" }).min(0).max(3650).default(30),
  APPROVAL_TTL_MINUTES: posNumber("a number of minutes").default(60),
  INSTANCE_ID: z.string().optional(),
};

export interface ResponderSettings {
  connectorTimeoutMs: number;
  leaseMs: number;
  blockDefaultHours: number;
  suppressionDays: number;
  approvalTtlMs: number;
  instance: string;
}

export function responderSettings(env: NodeJS.ProcessEnv): ResponderSettings {
  const c = parseEnv(responderEnv, env);
  const timeoutMs = c.CONNECTOR_TIMEOUT_SECONDS * 1000;
  return {
    connectorTimeoutMs: timeoutMs,
    // An action may make several calls (token, lookup, act) per connector: the lease must outlast them.
    leaseMs: c.RESPONDER_LEASE_SECONDS ? c.RESPONDER_LEASE_SECONDS * 1000 : timeoutMs * 8,
    blockDefaultHours: c.BLOCK_DEFAULT_HOURS,
    suppressionDays: c.SUPPRESSION_DAYS,
    approvalTtlMs: c.APPROVAL_TTL_MINUTES * 60_000,
    instance: c.INSTANCE_ID ?? `responder-${process.pid}`,
  };
}
