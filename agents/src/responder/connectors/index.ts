// The connector registry: one line per connector. A connector is on when its `enabledBy`
// variable is set; its other variables are then validated and a bad one stops the start.
import type { ActionType } from "@secops/contracts";
import { ConfigError, parseEnv } from "../../runtime/config.js";
import type { Connector, ConnectorDeps, ConnectorFactory } from "./types.js";
import { ticketWebhook } from "./ticket-webhook.js";
import { thehive } from "./thehive.js";
import { jira } from "./jira.js";
import { isolationWebhook } from "./isolation-webhook.js";
import { crowdstrike } from "./crowdstrike.js";
import { defender } from "./defender.js";
import { slack } from "./slack.js";
import { teams } from "./teams.js";
import { blockCommand } from "./block-command.js";

export const CONNECTORS: readonly ConnectorFactory[] = [
  ticketWebhook,
  thehive,
  jira,
  isolationWebhook,
  crowdstrike,
  defender,
  slack,
  teams,
  blockCommand,
];

export type ConnectorSet = Map<ActionType, Connector[]>;

export function buildConnectors(env: NodeJS.ProcessEnv, deps: ConnectorDeps): ConnectorSet {
  const out: ConnectorSet = new Map();
  for (const f of CONNECTORS) {
    if (!env[f.enabledBy]) continue;
    const connector = f.create(parseEnv(f.env, env), deps);
    for (const a of connector.actions) out.set(a, [...(out.get(a) ?? []), connector]);
  }
  return out;
}

export interface ConnectorState {
  connector: string;
  /** ok: verified against the target; failed: the target refused or is unreachable; misconfigured: a variable is wrong; unchecked: nothing can be verified without acting. */
  state: "ok" | "failed" | "misconfigured" | "unchecked";
  detail: string;
}

/**
 * The start-up check behind `secops connectors check`: for each configured connector, validate
 * its variables and run its `check` (reach, authenticate, resolve names), creating nothing.
 */
export async function checkConnectors(env: NodeJS.ProcessEnv, deps: ConnectorDeps): Promise<ConnectorState[]> {
  const out: ConnectorState[] = [];
  for (const f of CONNECTORS) {
    if (!env[f.enabledBy]) continue;
    let connector: Connector;
    try {
      connector = f.create(parseEnv(f.env, env), deps);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      // Names and reasons only: a rejected value may be a secret.
      out.push({ connector: f.name, state: "misconfigured", detail: e.problems.map((p) => `${p.variable}: ${p.message}`).join("; ") });
      continue;
    }
    if (!connector.check) {
      out.push({ connector: f.name, state: "unchecked", detail: "configured; it has no call that verifies it without acting" });
      continue;
    }
    try {
      out.push({ connector: f.name, state: "ok", detail: await connector.check() });
    } catch (e) {
      out.push({ connector: f.name, state: "failed", detail: (e as Error).message });
    }
  }
  return out;
}

export type { Connector, ConnectorRequest, ConnectorResult } from "./types.js";
