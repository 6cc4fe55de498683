// Every id the pipeline makes up, in one place: the Nats-Msg-Id of each publish (JetStream
// drops a second publish with the same id inside its duplicate window) and approval ids.
import type { Stage } from "@secops/contracts";
import { sha256Hex } from "./hash.js";

/** The id of a stage message: one per alert and stage, so a redelivery does not publish twice. */
export function stageMessageId(alertId: string, stage: Exclude<Stage, "raw">): string {
  return `${alertId}:${stage}`;
}

/** The id of a raw alert publish: a hash of its bytes, so the same alert published twice is one message. */
export function rawMessageId(bytes: string | Uint8Array): string {
  return `raw-${sha256Hex(bytes).slice(0, 32)}`;
}

/** The id of a dead letter: one per stage and stream sequence of the original. */
export function deadLetterMessageId(stage: string, streamSequence: number): string {
  return `dlq:${stage}:${streamSequence}`;
}

/** The id of an approval outcome on the decided subject (approved, rejected or expired). */
export function approvalOutcomeMessageId(alertId: string, status: string, approvalId: string): string {
  return `${alertId}:decided:${status}:${approvalId}`;
}

/**
 * The approval id users see and type (dashboard, CLI): `APR-` and 16 upper-case hex digits,
 * derived from the alert and the digest of the exact action, so a redelivered decision asks
 * for the same approval.
 */
export function approvalIdFor(alertId: string, digest: string): string {
  return `APR-${sha256Hex(`${alertId}\n${digest}`).slice(0, 16).toUpperCase()}`;
}

/** Whether a typed id is an approval id (`APR-` and upper-case hex, as approvalIdFor makes them). */
export function isApprovalId(id: string): boolean {
  return /^APR-[0-9A-F]{8,32}$/.test(id);
}

/** The kinds of local record an action makes: a ticket, a false-positive closure, a review. */
export type RecordPrefix = "TKT" | "CLS" | "REV";

/**
 * The id of a local record an action made: its prefix and the first 10 hex digits of the action
 * id, so the record leads back to its action; a later validity window of the same effect
 * (`<action>.w<n>`, state/ledger.ts) gets its own, `-W<n>`.
 */
export function recordIdFor(prefix: RecordPrefix, actionId: string): string {
  const w = /\.w(\d+)$/.exec(actionId);
  return `${prefix}-${actionId.slice(0, 10).toUpperCase()}${w ? `-W${w[1]}` : ""}`;
}

/**
 * The review the responder opens when it cannot carry out a decision at all (no action ran, so
 * no action id): 12 hex digits of the alert and the reason, one review per alert and reason.
 */
export function unexecutedReviewIdFor(alertId: string, reason: string): string {
  return `REV-${sha256Hex(`${alertId}\n${reason}`).slice(0, 12).toUpperCase()}`;
}

/** What a typed record id says: the action id's first 10 hex digits and window, or a review of an action that never ran. */
export function parseRecordId(id: string): { prefix: RecordPrefix; actionPrefix: string; window: number } | { prefix: "REV"; unexecuted: true } | null {
  const m = /^(TKT|CLS|REV)-([0-9A-F]{10})(?:-W(\d+))?$/i.exec(id);
  if (m) return { prefix: m[1]!.toUpperCase() as RecordPrefix, actionPrefix: m[2]!.toLowerCase(), window: m[3] ? Number(m[3]) : 0 };
  return /^REV-[0-9A-F]{12}$/i.test(id) ? { prefix: "REV", unexecuted: true } : null;
}
