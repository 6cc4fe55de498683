import { z } from "zod";
import { CanonicalAlert } from "./alert.js";
import { Enrichment } from "./enrichment.js";
import { Investigation } from "./investigation.js";
import { Decision } from "./decision.js";
import { Execution } from "./execution.js";

/**
 * Incompatible changes bump this number and the `schema` ids below. Consumers check
 * `schema` before anything else and send what they do not understand to the DLQ.
 */
export const SCHEMA_VERSION = 1 as const;

export const SchemaIds = {
  enriched: `secops.enriched.v${SCHEMA_VERSION}`,
  investigated: `secops.investigated.v${SCHEMA_VERSION}`,
  decided: `secops.decided.v${SCHEMA_VERSION}`,
  executed: `secops.executed.v${SCHEMA_VERSION}`,
  dlq: `secops.dlq.v${SCHEMA_VERSION}`,
} as const;

/**
 * `alerts.raw` carries the alert as it came from the source: a JSON document (object or
 * array of alerts is NOT accepted here: one message, one alert), or a text line (CEF).
 * Optional headers: `Alert-Format` forces a format, `Nats-Msg-Id` de-duplicates,
 * `traceparent` (W3C) joins an existing trace.
 */
export const RAW_ALERT_MAX_BYTES = 1024 * 1024;
export const RawAlert = z.union([
  z.record(z.string(), z.unknown()),
  z.string().min(1).max(RAW_ALERT_MAX_BYTES),
]).describe("the alert as it came: a JSON object, or a text line such as CEF");

export const Producer = z.object({
  agent: z.string(),
  version: z.string(),
  instance: z.string(),
});
export type Producer = z.infer<typeof Producer>;

export const Timestamps = z.object({
  received: z.string(),
  enriched: z.string().optional(),
  investigated: z.string().optional(),
  decided: z.string().optional(),
  executed: z.string().optional(),
});
export type Timestamps = z.infer<typeof Timestamps>;

const envelope = {
  alertId: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/).describe("stable for the same source alert"),
  traceId: z.string().regex(/^[0-9a-f]{32}$/).describe("W3C trace id"),
  producer: Producer,
  timestamps: Timestamps,
};

export const EnrichedMessage = z.object({
  schema: z.literal(SchemaIds.enriched),
  ...envelope,
  alert: CanonicalAlert,
  enrichment: Enrichment,
});
export type EnrichedMessage = z.infer<typeof EnrichedMessage>;

export const InvestigatedMessage = z.object({
  ...EnrichedMessage.shape,
  schema: z.literal(SchemaIds.investigated),
  investigation: Investigation,
});
export type InvestigatedMessage = z.infer<typeof InvestigatedMessage>;

/** Ed25519 signature over the decision (agents/src/trust/signing.ts); the responder executes only what verifies. */
export const DecisionSignature = z.object({
  alg: z.literal("ed25519"),
  signer: z.enum(["decider", "dashboard", "cli", "responder"]),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  value: z.string().max(200),
});
export type DecisionSignature = z.infer<typeof DecisionSignature>;

export const DecidedMessage = z.object({
  ...InvestigatedMessage.shape,
  schema: z.literal(SchemaIds.decided),
  decision: Decision,
  signature: DecisionSignature.optional(),
});
export type DecidedMessage = z.infer<typeof DecidedMessage>;

export const ExecutedMessage = z.object({
  ...DecidedMessage.shape,
  schema: z.literal(SchemaIds.executed),
  execution: Execution,
});
export type ExecutedMessage = z.infer<typeof ExecutedMessage>;

export const DlqMessage = z.object({
  schema: z.literal(SchemaIds.dlq),
  alertId: z.string().nullable(),
  traceId: z.string().nullable(),
  producer: Producer,
  at: z.string(),
  stage: z.string().describe("the agent that gave up on the message"),
  subject: z.string().describe("where the message was read from"),
  reason: z.string().describe("what was wrong, for a person"),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).describe("details, e.g. validation issues"),
  tried: z.array(z.string()).describe("formats or steps tried before giving up"),
  original: z.object({
    encoding: z.enum(["utf8", "base64"]),
    data: z.string(),
    headers: z.record(z.string(), z.string()),
    streamSequence: z.number().int().nullable(),
    deliveryCount: z.number().int().nullable(),
    truncatedFrom: z.number().int().positive().optional()
      .describe("set when data holds only the start of the original, which was this many bytes: the whole would not fit in one NATS message"),
  }),
});
export type DlqMessage = z.infer<typeof DlqMessage>;

export type AnyStageMessage = EnrichedMessage | InvestigatedMessage | DecidedMessage | ExecutedMessage;
