/**
 * What the LLM must answer. Kept to strings, enums, numbers and nullable so grammar-constrained
 * servers can enforce it (no .optional(), no regex patterns); lengths and MITRE ids are tidied
 * when the answer is mapped into the Investigation contract instead of failing the whole answer.
 */
import { z } from "zod";
import { ActionType, Severity, Verdict, type Investigation } from "@secops/contracts";
import type { StructuredResult } from "../llm/client.js";
import { normalizeConfidence } from "../llm/confidence.js";

export const LlmInvestigationAnswer = z.object({
  severity: Severity,
  confidence: z.number().min(0).max(1).describe("0 to 1"),
  verdict: Verdict,
  summary: z.string().min(1),
  reasoning: z.string().min(1),
  mitre: z.array(z.string()),
  evidence: z.array(z.string()),
  recommendedAction: ActionType,
  recommendedTarget: z.string().nullable().describe("an IP or host copied from the alert, or null"),
});
export type LlmInvestigationAnswer = z.infer<typeof LlmInvestigationAnswer>;

/** Fixes the harmless slips once, before validation: case of enum words, confidence scale, "null" strings. */
export function normalizeAnswer(parsed: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...parsed };
  const lower = (k: string) => {
    if (typeof out[k] === "string") out[k] = (out[k] as string).trim().toLowerCase().replace(/[\s-]+/g, "_");
  };
  lower("severity");
  lower("verdict");
  if (typeof out.recommendedAction === "string") out.recommendedAction = out.recommendedAction.trim().toUpperCase().replace(/[\s-]+/g, "_");
  out.confidence = normalizeConfidence(out.confidence);
  if (typeof out.recommendedTarget === "string" && /^\s*(?:null|none|n\/a|)\s*$/i.test(out.recommendedTarget)) out.recommendedTarget = null;
  return out;
}

/** Maps a validated answer into the Investigation contract (lengths capped, invalid MITRE ids and empty evidence dropped): one mapping for a single alert (handler.ts) and for each alert of an incident batch. */
export function investigationFromAnswer(a: LlmInvestigationAnswer, result: Omit<StructuredResult<unknown>, "value">, injection: Investigation["injection"]): Investigation {
  return {
    analyst: "llm",
    severity: a.severity,
    confidence: a.confidence,
    verdict: a.verdict,
    summary: a.summary.slice(0, 2000),
    reasoning: a.reasoning.slice(0, 20000),
    thinking: result.thinking ? result.thinking.slice(0, 100000) : null,
    // Invalid ids are dropped rather than failing an otherwise good investigation.
    mitre: [...new Set(a.mitre.map((t) => t.trim().toUpperCase()).filter((t) => /^T\d{4}(\.\d{3})?$/.test(t)))].slice(0, 20),
    evidence: a.evidence.filter((e) => e.trim() !== "").map((e) => e.slice(0, 500)).slice(0, 20),
    recommendedAction: a.recommendedAction,
    recommendedTarget: a.recommendedTarget?.trim().slice(0, 512) || null,
    fallbackReason: null,
    injection,
    llm: {
      model: result.model,
      promptVersion: result.promptVersion,
      thinkingMode: result.thinkingMode,
      promptTokens: result.promptTokens,
      completionTokens: result.completionTokens,
      latencyMs: result.latencyMs,
      attempts: Math.max(1, result.attempts),
      repaired: result.repaired,
      ...(typeof result.answer === "string" ? { answer: result.answer.slice(0, 100000) } : {}),
    },
  };
}
