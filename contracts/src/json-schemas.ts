import { z } from "zod";
import { CanonicalAlert } from "./alert.js";
import { ActionParameters } from "./decision.js";
import { Incident } from "./incident.js";
import { DlqMessage, DecidedMessage, EnrichedMessage, ExecutedMessage, InvestigatedMessage, RawAlert } from "./messages.js";

/** JSON Schema (draft 2020-12) for every message, keyed by file name. */
export function jsonSchemas(): Record<string, unknown> {
  const entries: [string, z.ZodType, string][] = [
    ["alerts.raw", RawAlert, "alerts.raw: the alert as it came"],
    ["canonical-alert", CanonicalAlert, "the normalized alert every format is mapped to"],
    ["action-parameters", ActionParameters, "parameters of each response action"],
    ["alerts.enriched", EnrichedMessage, "alerts.enriched.<severity>: the normalized alert and its enrichment, on the subject of its severity (critical, high, medium, low)"],
    ["alerts.investigated", InvestigatedMessage, "alerts.investigated"],
    ["alerts.decided", DecidedMessage, "alerts.decided"],
    ["alerts.executed", ExecutedMessage, "alerts.executed"],
    ["alerts.incidents", Incident, "alerts.incidents: related alerts grouped into one incident, each version as it changes"],
    ["alerts.dlq", DlqMessage, "alerts.dlq: what could not be processed, with the reason and the original"],
  ];
  const result: Record<string, unknown> = {};
  for (const [name, schema, title] of entries) {
    result[name] = {
      $id: `https://secops-pipeline.dev/schemas/${name}.schema.json`,
      title,
      ...z.toJSONSchema(schema, { unrepresentable: "any", io: "output" }),
    };
  }
  return result;
}
