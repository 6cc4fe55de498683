import { z } from "zod";
import { ActionType, Confidence } from "./common.js";

const reason = z.string().min(1).max(2000);

export const ActionParameters = z.discriminatedUnion("action", [
  z.object({
    action: z.literal("CREATE_TICKET"),
    title: z.string().min(1).max(300),
    priority: z.enum(["low", "medium", "high", "critical"]),
    description: z.string().max(8000),
    assets: z.array(z.string().max(512)).max(50),
  }),
  z.object({
    action: z.literal("BLOCK_IP"),
    ip: z.string().min(2).max(64),
    durationHours: z.number().positive().max(24 * 365),
    reason,
  }),
  z.object({
    action: z.literal("ISOLATE_HOST"),
    host: z.string().min(1).max(512),
    ip: z.string().max(64).nullable(),
    reason,
  }),
  z.object({
    action: z.literal("CLOSE_FALSE_POSITIVE"),
    reason,
    evidence: z.array(z.string().max(500)).max(20),
  }),
  z.object({
    action: z.literal("MANUAL_REVIEW"),
    reason,
    questions: z.array(z.string().max(500)).max(20),
  }),
]);
export type ActionParameters = z.infer<typeof ActionParameters>;

export const PolicyRuleApplied = z.object({
  rule: z.string().describe("policy rule id, e.g. target.must_be_extracted"),
  effect: z.enum(["allow", "deny", "require_approval", "shadow", "downgrade", "info"]),
  reason: z.string(),
});
export type PolicyRuleApplied = z.infer<typeof PolicyRuleApplied>;

export const Approval = z.object({
  id: z.string(),
  digest: z.string().regex(/^[0-9a-f]{64}$/).describe("sha256 of the exact action: type, target, parameters"),
  requiredRole: z.string(),
  approversRequired: z.number().int().min(1).max(5),
  expiresAt: z.string(),
  approvers: z.array(z.object({ by: z.string(), at: z.string(), comment: z.string().max(2000).nullable() })),
  rejectedBy: z.object({ by: z.string(), at: z.string(), comment: z.string().max(2000).nullable() }).nullable(),
});
export type Approval = z.infer<typeof Approval>;

export const Decision = z.object({
  action: ActionType,
  parameters: ActionParameters,
  mode: z.enum(["auto", "approval", "shadow"]),
  status: z.enum(["ready", "awaiting_approval", "approved", "rejected", "expired"]),
  proposedBy: z.enum(["llm", "rules", "policy"]),
  proposed: z.object({ action: ActionType.nullable(), target: z.string().nullable() })
    .describe("what the analyst proposed before the policy acted"),
  confidence: Confidence,
  reason: z.string().max(4000),
  policy: z.object({
    version: z.string(),
    rules: z.array(PolicyRuleApplied),
  }),
  tainted: z.boolean().describe("the alert carried a prompt-injection attempt; the decision cannot close it or run automatically"),
  approval: Approval.nullable(),
});
export type Decision = z.infer<typeof Decision>;
