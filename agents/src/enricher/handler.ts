// The enricher's handler: raw alert bytes in, an alerts.enriched message out. It detects the
// format, normalizes, extracts indicators (in the normalizer), consults the suppression list
// and enriches the indicators. It knows nothing about NATS.
import { AlertFormat, EnrichedMessage, FORMAT_LIST, SchemaIds, type Enrichment, type Producer } from "@secops/contracts";
import { PermanentError } from "../runtime/errors.js";
import { newTraceId, traceIdFrom } from "../runtime/trace.js";
import { alertIdFor, normalizeAlert } from "./normalize/index.js";
import type { CanonicalAlert } from "@secops/contracts";

export interface RawInput {
  data: Uint8Array;
  headers: Record<string, string>;
  /** When the raw alert reached the stream. */
  receivedAt: string;
}

export interface EnricherDeps {
  producer: Producer;
  internalRanges: string[];
  enrich: (alert: CanonicalAlert, suppression: Enrichment["suppressed"]) => Promise<Enrichment>;
  findSuppression?: (fingerprint: string) => Promise<Enrichment["suppressed"]>;
  now?: () => Date;
}

export async function enrichRawAlert(input: RawInput, deps: EnricherDeps): Promise<EnrichedMessage> {
  const traceId = traceIdFrom(input.headers.traceparent) ?? newTraceId();
  const forced = input.headers["Alert-Format"];
  let format: AlertFormat | undefined;
  if (forced) {
    const f = AlertFormat.safeParse(forced.trim().toLowerCase());
    if (!f.success) {
      throw new PermanentError(`Alert-Format header "${forced}" is not a known format (accepted: ${FORMAT_LIST.join(", ")})`, { traceId });
    }
    format = f.data;
  }
  const result = normalizeAlert(input.data, { ...(format ? { format } : {}), internalRanges: deps.internalRanges, receivedAt: new Date(input.receivedAt) });
  if (!result.ok) {
    throw new PermanentError(result.error.reason, { errors: result.error.errors, tried: result.error.tried, traceId });
  }
  const alert = result.alert;
  const alertId = alertIdFor(alert);
  const suppression = (await deps.findSuppression?.(alert.fingerprint)) ?? null;
  const enrichment = await deps.enrich(alert, suppression);
  const message: EnrichedMessage = {
    schema: SchemaIds.enriched,
    alertId,
    traceId,
    producer: deps.producer,
    timestamps: { received: input.receivedAt, enriched: (deps.now?.() ?? new Date()).toISOString() },
    alert,
    enrichment,
  };
  const checked = EnrichedMessage.safeParse(message);
  if (!checked.success) {
    // The normalizer validated the alert, so this is our bug; keep the original for a replay.
    throw new PermanentError(`enricher produced an invalid message: ${checked.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`, { alertId, traceId });
  }
  return checked.data;
}
