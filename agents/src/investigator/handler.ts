/**
 * The investigator stage: alerts.enriched → alerts.investigated. Injection attempts are looked for
 * first and always reported; the LLM investigates when there is one and its breaker is closed; its
 * answer is validated and mapped into the contract; any LLM failure hands the alert to the rules
 * analyst with the reason, so an alert is never held up by the model.
 *
 * The response is proposed in the same call as the investigation, not a second one: a second call
 * would double the latency and tokens on a local 8B model for no new evidence, and the seed's two
 * calls disagreed with each other (seed-origin.md §8.5). The proposal is only a proposal: the
 * decider checks its target against the alert's own IoCs and applies the policy.
 */
import { Investigation, SEVERITY_RANK, type EnrichedMessage } from "@secops/contracts";
import type { Logger } from "../runtime/logger.js";
import type { LlmClient, StructuredResult } from "../llm/client.js";
import { LlmError } from "../llm/errors.js";
import { investigationFromAnswer, LlmInvestigationAnswer, normalizeAnswer } from "./answer.js";
import type { DuplicateReuse } from "./duplicate-reuse.js";
import type { IncidentCoverage } from "./incident-batch.js";
import { detectInjection } from "./injection.js";
import { buildInvestigationPrompt, PROMPT_VERSION } from "./prompt.js";
import { analyzeWithRules } from "./rules-analyst.js";
import type { GeoPolicy } from "./rules-geo.js";

export { analyzeWithRules } from "./rules-analyst.js";

export interface InvestigatorDeps {
  llm: LlmClient | null;
  log: Logger;
  onProgress?: () => void;
  /** Reuses the first LLM investigation of a fingerprint for its duplicates (duplicate-reuse.ts). */
  reuse?: DuplicateReuse;
  /** Covers alerts joining an open incident with the incident's LLM work (incident-batch.ts). */
  incidents?: IncidentCoverage;
  /** LLM_MAX_WAIT_SECONDS in ms: a low or medium alert that would wait longer for the LLM goes to the rules analyst. */
  maxWaitMs?: number;
  /** The policy's allowlisted ASes and high-risk countries, which the rules analyst weighs with GeoIP/ASN. */
  network?: GeoPolicy;
  /**
   * Set for the LLM's later look at an alert the rules analyst decided because of the backlog
   * (LLM_BACKLOG_REVIEW): no backpressure, and the lowest place in the queue for an LLM slot.
   */
  review?: boolean;
}

/** Whether the rules analyst answered because of the LLM backlog (so a later LLM look may be queued). */
export function decidedForBacklog(investigation: Investigation): boolean {
  return investigation.analyst === "rules" && (investigation.fallbackReason ?? "").startsWith(`${BACKLOG_LABEL}:`);
}

/** The label of a decision the rules analyst made because the LLM's queue was too long for the alert's severity. */
export const BACKLOG_LABEL = "rules (LLM backlog)";

export async function investigateAlert(msg: EnrichedMessage, deps: InvestigatorDeps): Promise<Investigation> {
  const { alert, enrichment } = msg;
  const findings = detectInjection(alert);
  const injection = { detected: findings.length > 0, findings: findings.slice(0, 50) };
  if (injection.detected) {
    deps.log.warn({ findings: findings.map((f) => ({ path: f.path, kind: f.kind })) }, "prompt-injection attempt in alert content; the alert is tainted");
  }

  const fallback = (reason: string): Investigation => ({ ...analyzeWithRules(alert, enrichment, reason, { tainted: injection.detected, ...(deps.network ? { network: deps.network } : {}) }), injection });
  // Activity a person closed as a false positive is not sent to the model again while its
  // suppression lasts; the rules analyst cites the suppression and the policy still decides
  // whether closing needs approval. A tainted alert is never waved through this way.
  if (enrichment.suppressed && !injection.detected) {
    return fallback(`suppressed by ${enrichment.suppressed.by}${enrichment.suppressed.until ? ` until ${enrichment.suppressed.until}` : ""}: ${enrichment.suppressed.reason}`);
  }
  if (!deps.llm) return fallback("no LLM is configured");
  // A tainted alert is always looked at itself; anything else may be a duplicate already investigated.
  // A duplicate arriving while its first alert is with the LLM waits for that answer (a burst
  // makes one call, not one per copy).
  const reuse = deps.reuse && !injection.detected ? deps.reuse : undefined;
  const reused = reuse ? await reuse.find(msg, deps.onProgress).catch((e: unknown) => {
    deps.log.warn({ error: (e as Error).message }, "cannot read the investigation-reuse bucket; investigating afresh");
    return null;
  }) : null;
  if (reused) {
    deps.log.info({ reusedFrom: reused.reusedFrom?.alertId }, "duplicate of an alert investigated by the LLM; reusing its investigation, no LLM call");
    return Investigation.parse({ ...reused, injection });
  }
  let outcome: Investigation | null = null;
  try {
    outcome = await investigateFresh(msg, deps.llm, deps, injection, fallback);
    return outcome;
  } finally {
    // An LLM answer is kept for the duplicates; anything else frees them to investigate themselves.
    if (reuse) {
      await reuse.settle(msg, outcome).catch((e: unknown) => {
        deps.log.warn({ error: (e as Error).message }, "cannot record the investigation for reuse; its duplicates will be investigated again");
      });
    }
  }
}

async function investigateFresh(
  msg: EnrichedMessage, llm: LlmClient, deps: InvestigatorDeps, injection: Investigation["injection"], fallback: (reason: string) => Investigation,
): Promise<Investigation> {
  const { alert, enrichment } = msg;
  if (llm.breakerState() === "open") return fallback("the LLM is not answering (its circuit breaker is open)");

  // Backpressure: in a storm, low and medium alerts do not wait behind the queue; critical and high do.
  if (deps.maxWaitMs !== undefined && !deps.review && (alert.severity === "low" || alert.severity === "medium")) {
    const waitMs = llm.concurrency().expectedWaitMs;
    if (waitMs > deps.maxWaitMs) {
      return fallback(`${BACKLOG_LABEL}: a ${alert.severity} alert would wait about ${Math.ceil(waitMs / 1000)} s for the LLM, more than LLM_MAX_WAIT_SECONDS (${Math.round(deps.maxWaitMs / 1000)} s)`);
    }
  }

  // An untainted alert joining an open incident may share the incident's call, or reuse its investigation.
  const covered = deps.incidents && !injection.detected ? await deps.incidents.cover(msg, { llm, ...(deps.onProgress ? { onProgress: deps.onProgress } : {}) }) : null;
  if (covered) return Investigation.parse({ ...covered, injection });

  const prompt = buildInvestigationPrompt(alert, enrichment);
  let result: StructuredResult<LlmInvestigationAnswer>;
  try {
    result = await llm.completeStructured({
      system: prompt.system,
      user: prompt.user,
      schema: LlmInvestigationAnswer,
      schemaName: "investigation",
      normalize: normalizeAnswer,
      promptVersion: PROMPT_VERSION,
      // Critical first in the replica's queue for an LLM slot too, not only on the stream.
      priority: deps.review ? 0 : SEVERITY_RANK[alert.severity],
      ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
    });
  } catch (e) {
    if (!(e instanceof LlmError)) throw e;
    deps.log.warn({ kind: e.kind, error: e.message }, "LLM investigation failed; the rules analyst answers");
    return fallback(fallbackReasonFor(e));
  }

  const investigation = investigationFromAnswer(result.value, result, injection);
  // The mapping above is ours; a failure here is a programming error, not the model's.
  const valid = Investigation.parse(investigation);
  if (deps.incidents && !injection.detected) await deps.incidents.remember(msg, valid);
  return valid;
}

function fallbackReasonFor(e: LlmError): string {
  switch (e.kind) {
    case "timeout": return "the LLM timed out";
    case "unreachable": return `the LLM is unreachable (${e.message.replace(/^the LLM server is unreachable:\s*/, "")})`;
    case "rate_limited": return "the LLM kept rate limiting (429) after every retry";
    case "server_error": return `the LLM server kept failing (${e.details.status ?? "5xx"}) after every retry`;
    case "rejected": return `the LLM server rejected the request (${e.details.status ?? "4xx"})`;
    case "invalid_output": return `the LLM answer was invalid after one repair attempt: ${(e.details.validationErrors ?? []).slice(0, 3).join("; ")}`;
    case "truncated": return "the LLM answer was cut off at the token limit, even after a repair attempt";
    case "circuit_open": return "the LLM is not answering (its circuit breaker is open)";
  }
}
