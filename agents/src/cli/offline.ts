// The pipeline's analysis of one alert in this process, without NATS: normalize, enrich,
// investigate and decide, each by its stage's own handler. `secops triage` prints it and
// `secops eval` scores it; nothing is executed. The stage messages are built as the runtime
// builds their envelopes, so the handlers see what they see in the pipeline.
import { SchemaIds, type CanonicalAlert, type Decision, type EnrichedMessage, type Enrichment, type Investigation, type InvestigatedMessage, type Producer } from "@secops/contracts";
import type { Logger } from "../runtime/logger.js";
import { PIPELINE_VERSION } from "../runtime/agent.js";
import { newTraceId } from "../runtime/trace.js";
import type { LlmClient } from "../llm/client.js";
import type { Policy } from "../shared/policy.js";
import { alertIdFor, normalizeAlert, type NormalizeFailure } from "../enricher/normalize/index.js";
import { enrichIndicators } from "../enricher/enrich/index.js";
import type { EnrichmentSetup } from "../enricher/enrich/setup.js";
import { investigateAlert } from "../investigator/handler.js";
import { geoPolicyOf } from "../investigator/rules-geo.js";
import { decideResponse } from "../decider/handler.js";

export interface OfflineDeps {
  llm: LlmClient | null;
  log: Logger;
  policy: Policy;
  enrichment: Pick<EnrichmentSetup, "providers" | "assetRules">;
  internalRanges: string[];
  /** The receive time given to alerts that carry none (default: now). */
  receivedAt?: Date;
}

export type OfflineResult =
  | { ok: false; error: NormalizeFailure }
  | { ok: true; alertId: string; alert: CanonicalAlert; enrichment: Enrichment; investigation: Investigation; decision: Decision };

/** The producer an offline command stamps on the messages it builds (`secops-triage`, `secops-eval`). */
export function offlineProducer(agent: string): Producer {
  return { agent, version: PIPELINE_VERSION, instance: "cli" };
}

/** What the pipeline would decide about one alert (one message's text), or why the enricher would reject it. */
export async function analyzeOffline(text: string, deps: OfflineDeps, producer: Producer): Promise<OfflineResult> {
  const normalized = normalizeAlert(text, { internalRanges: deps.internalRanges, ...(deps.receivedAt ? { receivedAt: deps.receivedAt } : {}) });
  if (!normalized.ok) return normalized;
  const alert = normalized.alert;
  const now = new Date().toISOString();
  const enriched: EnrichedMessage = {
    schema: SchemaIds.enriched, alertId: alertIdFor(alert), traceId: newTraceId(), producer,
    timestamps: { received: now, enriched: now }, alert,
    enrichment: await enrichIndicators(alert, deps.enrichment),
  };
  const investigation = await investigateAlert(enriched, { llm: deps.llm, log: deps.log, network: geoPolicyOf(deps.policy) });
  const investigated: InvestigatedMessage = { ...enriched, schema: SchemaIds.investigated, investigation, timestamps: { ...enriched.timestamps, investigated: new Date().toISOString() } };
  return { ok: true, alertId: enriched.alertId, alert, enrichment: enriched.enrichment, investigation, decision: decideResponse(investigated, deps.policy) };
}
