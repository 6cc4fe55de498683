// The enricher's handler: raw alert bytes in, what the enricher adds out (the alert id, the
// normalized alert and its enrichment; the runtime wraps them in the alerts.enriched envelope).
// It detects the format, normalizes, extracts indicators (in the normalizer), consults the
// suppression list and enriches the indicators. It knows nothing about NATS.
import { AlertFormat, FORMAT_LIST, Headers, type CanonicalAlert, type Enrichment } from "@secops/contracts";
import { PermanentError } from "../runtime/errors.js";
import type { RawInput } from "../runtime/define-stage.js";
import { alertIdFor, normalizeAlert } from "./normalize/index.js";

export type { RawInput };

export interface EnricherDeps {
  internalRanges: string[];
  enrich: (alert: CanonicalAlert, suppression: Enrichment["suppressed"]) => Promise<Enrichment>;
  findSuppression?: (fingerprint: string) => Promise<Enrichment["suppressed"]>;
}

export interface EnricherOutput {
  alertId: string;
  alert: CanonicalAlert;
  enrichment: Enrichment;
}

export async function enrichRawAlert(input: Omit<RawInput, "traceId">, deps: EnricherDeps): Promise<EnricherOutput> {
  const forced = input.headers[Headers.alertFormat];
  let format: AlertFormat | undefined;
  if (forced) {
    const f = AlertFormat.safeParse(forced.trim().toLowerCase());
    if (!f.success) {
      throw new PermanentError(`Alert-Format header "${forced}" is not a known format (accepted: ${FORMAT_LIST.join(", ")})`);
    }
    format = f.data;
  }
  const result = normalizeAlert(input.data, { ...(format ? { format } : {}), internalRanges: deps.internalRanges, receivedAt: new Date(input.receivedAt) });
  if (!result.ok) {
    throw new PermanentError(result.error.reason, { errors: result.error.errors, tried: result.error.tried });
  }
  const alert = result.alert;
  const suppression = (await deps.findSuppression?.(alert.fingerprint)) ?? null;
  return { alertId: alertIdFor(alert), alert, enrichment: await deps.enrich(alert, suppression) };
}
