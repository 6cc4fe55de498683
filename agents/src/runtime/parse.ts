import type { JsMsg } from "@nats-io/jetstream";
import { describeIssues, summarizeIssues } from "@secops/contracts";
import type { z } from "zod";
import { PermanentError } from "./errors.js";

/**
 * Reads a stage message and validates it against its contract. Anything else can never
 * succeed, so it is a PermanentError (the runtime dead-letters it with the issues).
 */
export function parseStageMessage<S extends z.ZodType>(schema: S, expectedSchemaId: string, m: Pick<JsMsg, "data" | "subject">): z.infer<S> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(m.data));
  } catch (e) {
    throw new PermanentError(`message on ${m.subject} is not JSON (${(e as Error).message}); expected a ${expectedSchemaId} document`);
  }
  const ids = value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  const alertId = typeof ids.alertId === "string" ? ids.alertId : null;
  const traceId = typeof ids.traceId === "string" ? ids.traceId : null;
  if (ids.schema !== expectedSchemaId) {
    throw new PermanentError(
      `message on ${m.subject} has schema ${JSON.stringify(ids.schema ?? null)}; this agent reads ${expectedSchemaId}`,
      { alertId, traceId },
    );
  }
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new PermanentError(`message on ${m.subject} does not match ${expectedSchemaId}: ${summarizeIssues(r.error)}`, {
      errors: describeIssues(r.error), alertId, traceId,
    });
  }
  return r.data;
}
