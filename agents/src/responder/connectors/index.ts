// The connector registry: one line per connector. A connector is on when its `enabledBy`
// variable is set; its other variables are then validated and a bad one stops the start.
import type { ActionType } from "@secops/contracts";
import { parseEnv } from "../../runtime/config.js";
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

export type { Connector, ConnectorRequest, ConnectorResult } from "./types.js";
