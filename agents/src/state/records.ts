// The shape of every record the pipeline keeps in KV, one zod schema each, so a record is
// validated when it is read (kv.ts) the same way a message is at a stage's boundary. Where a
// record carries a contract's block (an approval, an execution, a decision) it reuses the
// contract's schema instead of restating it.
import { z } from "zod";
import { ActionParameters, ActionType, Approval, DecidedMessage, Execution, Reputation } from "@secops/contracts";

const isoTime = z.string();

/** What reverses an effect: the kind names the compensating action, ref holds what it needs. */
export const Compensation = z.object({
  kind: z.enum(["unblock", "release", "close_ticket", "reopen", "dismiss_review"]),
  description: z.string(),
  ref: z.record(z.string(), z.unknown()),
});
export type Compensation = z.infer<typeof Compensation>;

/** One effect in the action ledger (bucket `ledger`), keyed by its action id. */
export const LedgerEntry = z.object({
  actionId: z.string(),
  alertId: z.string(),
  fingerprint: z.string(),
  action: z.union([ActionType, z.literal("UNDO")]),
  target: z.string().nullable(),
  mode: z.enum(["auto", "shadow", "approved", "undo"]),
  state: z.enum(["claimed", "done", "failed"]),
  claimedAt: isoTime,
  claimedBy: z.string(),
  attempts: z.number().int().min(1),
  finishedAt: isoTime.nullable(),
  execution: Execution.nullable(),
  compensation: Compensation.nullable(),
  /** Set on the original entry once its compensating action ran. */
  undone: z.object({ by: z.string(), at: isoTime, undoActionId: z.string() }).nullable(),
  /** A failed outcome that a later delivery may retry (a connector was unreachable). */
  retryable: z.boolean(),
  /** The validity window this entry is (0 first); the key of window n > 0 is `<effect>.w<n>`. */
  window: z.number().int().min(0).optional(),
  /** When the effect stops being in force by itself (a block's expiry); null: until undone. */
  validUntil: isoTime.nullable().optional(),
  /** The holder's last sign of life while it acts. */
  heartbeatAt: isoTime.optional(),
  /** Connector calls already done under this key, so a resumed claim does not repeat them. */
  steps: z.record(z.string(), z.object({ summary: z.string(), ref: z.record(z.string(), z.unknown()) })).optional(),
});
export type LedgerEntry = z.infer<typeof LedgerEntry>;

export const ApprovalStatus = z.enum(["pending", "approved", "rejected", "expired"]);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

/** A pending or decided approval (bucket `approvals`): the contract's Approval block plus its life cycle. */
export const ApprovalRecord = Approval.extend({
  alertId: z.string(),
  status: ApprovalStatus,
  action: ActionType,
  parameters: ActionParameters,
  reason: z.string(),
  createdAt: isoTime,
  decidedAt: isoTime.nullable(),
  /** False until the outcome is on the decided subject; the sweep republishes what a crash left behind. */
  published: z.boolean(),
  /** The decision as it came, to publish its outcome. */
  decided: DecidedMessage,
  /** The approver's signature of the outcome (agents/src/trust), kept so a republish stays signed. */
  signature: DecidedMessage.shape.signature,
});
export type ApprovalRecord = z.infer<typeof ApprovalRecord>;

/** A false-positive closure's suppression of the same activity (bucket `suppressions`), keyed by fingerprint. */
export const SuppressionRecord = z.object({
  fingerprint: z.string(),
  /** Who owns the suppression: the person or process that closed the alert. */
  by: z.string(),
  reason: z.string(),
  until: isoTime.nullable(),
  closureId: z.string(),
  actionId: z.string(),
  createdAt: isoTime,
});
export type SuppressionRecord = z.infer<typeof SuppressionRecord>;

/** A blocked IP (bucket `blocklist`); nats-server 2.9 has no per-key TTL, so it carries its expiry. */
export const BlockRecord = z.object({
  ip: z.string(),
  reason: z.string(),
  alertId: z.string(),
  actionId: z.string(),
  createdAt: isoTime,
  expiresAt: isoTime,
});
export type BlockRecord = z.infer<typeof BlockRecord>;

export const TicketRecord = z.object({
  id: z.string(),
  status: z.enum(["open", "closed"]),
  title: z.string(),
  priority: z.enum(["low", "medium", "high", "critical"]),
  description: z.string(),
  assets: z.array(z.string()),
  alertId: z.string(),
  actionId: z.string(),
  created: isoTime,
  closedAt: isoTime.nullable(),
  closedBy: z.string().nullable(),
});
export type TicketRecord = z.infer<typeof TicketRecord>;

export const IsolationRecord = z.object({
  host: z.string(),
  ip: z.string().nullable(),
  reason: z.string(),
  alertId: z.string(),
  actionId: z.string(),
  status: z.enum(["isolated", "released"]),
  isolatedAt: isoTime,
  releasedAt: isoTime.nullable(),
  releasedBy: z.string().nullable(),
});
export type IsolationRecord = z.infer<typeof IsolationRecord>;

export const ClosureRecord = z.object({
  id: z.string(),
  alertId: z.string(),
  fingerprint: z.string(),
  title: z.string(),
  reason: z.string(),
  evidence: z.array(z.string()),
  by: z.string(),
  status: z.enum(["closed", "reopened"]),
  closedAt: isoTime,
  reopenedAt: isoTime.nullable(),
  reopenedBy: z.string().nullable(),
  suppressedUntil: isoTime.nullable(),
});
export type ClosureRecord = z.infer<typeof ClosureRecord>;

export const ReviewRecord = z.object({
  id: z.string(),
  alertId: z.string(),
  title: z.string(),
  severity: z.string(),
  reason: z.string(),
  questions: z.array(z.string()),
  status: z.enum(["open", "dismissed"]),
  createdAt: isoTime,
  dismissedAt: isoTime.nullable(),
  dismissedBy: z.string().nullable(),
});
export type ReviewRecord = z.infer<typeof ReviewRecord>;

/** One online provider's cached answer about one indicator (bucket `enrichment-cache`); null: it knew nothing. */
export const EnrichmentCacheEntry = z.object({
  verdict: Reputation,
  detail: z.string().optional(),
  tags: z.array(z.string()).optional(),
  geo: z.object({ country: z.string().nullable(), countryCode: z.string().nullable().optional(), asn: z.number().int().nullable(), org: z.string().nullable() }).optional(),
  evidence: z.record(z.string(), z.unknown()).optional(),
  confidence: z.number().min(0).max(100).optional(),
  cached: z.boolean().optional(),
}).nullable();
export type EnrichmentCacheEntry = z.infer<typeof EnrichmentCacheEntry>;


/** One policy version's full text as a decider loaded it (bucket `policies`, keyed by policyKey(version)). */
export const PolicyVersionRecord = z.object({
  version: z.string().min(1),
  /** The file it was read from, as the decider was configured. */
  file: z.string(),
  /** The file's text, byte for byte as it was read. */
  text: z.string(),
  recordedAt: isoTime,
  recordedBy: z.string(),
});
export type PolicyVersionRecord = z.infer<typeof PolicyVersionRecord>;

// The trust bucket (trust/state.ts): the kill switch, the containment limits' windows and last
// hit, and the security events the dashboard shows.
export const PauseState = z.object({
  paused: z.boolean(),
  by: z.string(),
  at: z.string(),
  reason: z.string().nullable(),
});
export type PauseState = z.infer<typeof PauseState>;

export const SecurityEvent = z.object({
  id: z.string(),
  at: z.string(),
  kind: z.enum(["signature", "execution"]),
  alertId: z.string().nullable(),
  reason: z.string(),
  reviewId: z.string().nullable(),
});
export type SecurityEvent = z.infer<typeof SecurityEvent>;

export const LimitHit = z.object({
  action: ActionType,
  at: z.string(),
  max: z.number(),
  perSeconds: z.number(),
  alertId: z.string(),
});
export type LimitHit = z.infer<typeof LimitHit>;

/** The sliding window of one action's automatic decisions: epoch milliseconds. */
export const LimitWindow = z.object({ at: z.array(z.number()) });
export type LimitWindow = z.infer<typeof LimitWindow>;
