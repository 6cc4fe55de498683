// The responder's public surface, for the agent wiring, the CLI and the dashboard.
export { createResponder, type Responder, type ResponderDeps, type ExecuteOutcome } from "./handler.js";
export { Approvals, ApprovalError, distinctApprovers, type ApprovalRecord, type ApprovalStatus } from "./approvals.js";
export { Ledger, actionIdFor, type LedgerEntry, type Compensation } from "./ledger.js";
export { UndoError, type UndoResult } from "./undo.js";
export { actionDigest, canonicalJson } from "./digest.js";
export { findSuppression, type SuppressionRecord } from "./suppressions.js";
export { activeBlocks, sweepExpiredBlocks, type BlockRecord } from "./actions/block-ip.js";
export type { TicketRecord } from "./actions/create-ticket.js";
export type { IsolationRecord } from "./actions/isolate-host.js";
export type { ClosureRecord } from "./actions/close-false-positive.js";
export type { ReviewRecord } from "./actions/manual-review.js";
export { openResponderBuckets, type ResponderBuckets } from "./buckets.js";
export { responderEnv } from "./settings.js";
export { CONNECTORS } from "./connectors/index.js";
export { listJson as listRecords, getJson as getRecord } from "./store.js";
