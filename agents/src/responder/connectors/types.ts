import type { z } from "zod";
import type { ActionParameters, ActionType, CanonicalAlert } from "@secops/contracts";
import type { Logger } from "../../runtime/logger.js";
import type { IncidentCases } from "./incident-cases.js";

/**
 * What a connector is given. Only values the normalizer extracted and parameters the policy
 * checked: never raw alert text.
 */
export interface ConnectorRequest {
  actionId: string;
  alertId: string;
  parameters: ActionParameters;
  alert: Pick<CanonicalAlert, "title" | "severity" | "category" | "fingerprint" | "format" | "time" | "mitre"> & { host: string | null };
  /** The id the local default gave the effect (ticket id, isolation key...). */
  localRef: string;
}

export interface ConnectorResult {
  /** What the undo needs to reverse the effect at the target (external ids). */
  ref: Record<string, unknown>;
  summary: string;
}

export interface Connector {
  name: string;
  actions: readonly ActionType[];
  perform(req: ConnectorRequest): Promise<ConnectorResult>;
  /**
   * Check-before-act for targets without an idempotency key: looks for this action's effect at
   * the target and returns it when it is already in place. Called before `perform` when an
   * earlier attempt's outcome is unknown (it died or lost NATS mid-call).
   */
  find?(req: ConnectorRequest): Promise<ConnectorResult | null>;
  /** Reverses `perform`; absent when the target has nothing to reverse (a notification). */
  undo?(ref: Record<string, unknown>, ctx: { actionId: string; by: string }): Promise<void>;
  /**
   * Checks the configuration against the target without changing anything there: reach the
   * endpoint, authenticate, resolve what the configuration names (project, issue type...).
   * Resolves with what was verified; throws a ConnectorError saying what is wrong.
   */
  check?(): Promise<string>;
}

export interface ConnectorDeps {
  log: Logger;
  timeoutMs: number;
  /** Incident -> case / issue records, for the ticketing connectors to attach an incident's new alerts (absent: INCIDENT_CASES=off). */
  cases?: IncidentCases;
}

/**
 * One connector type. `enabledBy` is the variable whose presence turns it on; the others in
 * `env` are then validated, and a bad value stops the responder with the variable's name.
 */
export interface ConnectorFactory<S extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  enabledBy: string;
  env: S;
  create(cfg: z.infer<z.ZodObject<S>>, deps: ConnectorDeps): Connector;
}

export function defineConnector<S extends z.ZodRawShape>(f: ConnectorFactory<S>): ConnectorFactory {
  return f as unknown as ConnectorFactory;
}
