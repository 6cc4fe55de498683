/**
 * Replay namespaces. A replay runs the pipeline's stages in a namespace of its own whose name
 * starts with "replay" (topology `replay…`: stream ALERTS_replay…, buckets secops-*-replay…).
 * The responder checks the namespace it was built for: in a replay namespace it runs every
 * decision in shadow mode, whatever the decision says, and creates no approvals. The check is
 * the responder's own, so no caller can turn a replayed decision into a real effect by sending
 * it with mode "auto" or status "approved".
 */
import { randomBytes } from "node:crypto";
import type { DecidedMessage } from "@secops/contracts";

export const REPLAY_PREFIX = "replay";

export function isReplayNamespace(namespace: string): boolean {
  return namespace.toLowerCase().startsWith(REPLAY_PREFIX);
}

export function newReplayNamespace(): string {
  return `${REPLAY_PREFIX}${randomBytes(5).toString("hex")}`;
}

/** The decision as a replay responder runs it: shadow, ready, without an approval. */
export function forcedShadow(msg: DecidedMessage): DecidedMessage {
  return { ...msg, decision: { ...msg.decision, mode: "shadow", status: "ready", approval: null } };
}
