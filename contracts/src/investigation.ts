import { z } from "zod";
import { ActionType, Confidence, IsoTime, Severity } from "./common.js";

export const Verdict = z.enum(["true_positive", "false_positive", "benign", "undetermined"]);
export type Verdict = z.infer<typeof Verdict>;

export const InjectionFinding = z.object({
  path: z.string().describe("the alert field the attempt was found in"),
  kind: z.enum(["instruction", "role_marker", "override", "delimiter_escape", "action_request"]),
  excerpt: z.string().max(200),
});
export type InjectionFinding = z.infer<typeof InjectionFinding>;

export const Investigation = z.object({
  analyst: z.enum(["llm", "rules"]).describe("who produced this: the LLM, or the deterministic rules analyst"),
  severity: Severity,
  confidence: Confidence,
  verdict: Verdict,
  summary: z.string().max(2000),
  reasoning: z.string().max(20000).describe("the analyst's argument, for people"),
  thinking: z.string().max(100000).nullable().describe("the model's raw reasoning trace (<think>, reasoning_content), kept for transparency and never parsed"),
  mitre: z.array(z.string().regex(/^T\d{4}(\.\d{3})?$/)).max(20),
  evidence: z.array(z.string().max(500)).max(20),
  recommendedAction: ActionType.nullable(),
  recommendedTarget: z.string().max(512).nullable().describe("the target the analyst proposes; the policy checks it against the alert's IoCs"),
  fallbackReason: z.string().nullable().describe("why the rules analyst answered instead of the LLM"),
  injection: z.object({
    detected: z.boolean(),
    findings: z.array(InjectionFinding).max(50),
  }),
  llm: z.object({
    model: z.string(),
    promptVersion: z.string(),
    thinkingMode: z.enum(["on", "off"]),
    promptTokens: z.number().int().nonnegative().nullable(),
    completionTokens: z.number().int().nonnegative().nullable(),
    latencyMs: z.number().nonnegative(),
    attempts: z.number().int().positive(),
    repaired: z.boolean(),
    answer: z.string().max(100000).optional().describe("the model's final answer as it came, before extraction and validation (audits; absent on older records)"),
  }).nullable(),
  reusedFrom: z.object({
    alertId: z.string().describe("the alert whose LLM investigation this one reuses"),
    investigatedAt: IsoTime,
  }).nullable().optional().describe("set when this alert is a duplicate (same fingerprint, within the reuse window) and no LLM call was made for it"),
  coveredBy: z.object({
    incidentId: z.string().describe("the open incident the alert was joining"),
    kind: z.enum(["batch", "reuse"]).describe("batch: investigated in one LLM call with the incident's other new alerts, with its own answer; reuse: the incident's investigation applies (no new entity, no higher severity), no LLM call"),
    alertIds: z.array(z.string()).max(50).describe("batch: the alerts of the same call; reuse: the alert whose investigation it is"),
    investigatedAt: IsoTime,
  }).nullable().optional().describe("set when the incident's investigation covered this alert (LLM_INCIDENT_BATCH_MS)"),
  review: z.object({
    of: z.string().describe("the label of the investigation this one looks at again: rules (LLM backlog)"),
    decidedAt: IsoTime.describe("when the rules analyst decided the alert"),
  }).nullable().optional().describe("set on the LLM's later look at an alert the rules analyst decided because of the LLM backlog (LLM_BACKLOG_REVIEW); published on alerts.investigated.review, not decided again"),
});
export type Investigation = z.infer<typeof Investigation>;
