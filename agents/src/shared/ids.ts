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
