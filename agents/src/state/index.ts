// The shared state's public surface (`@secops/agents/state`): what the dashboard and the CLI
// may read and write besides the stream. Every record has a schema and is validated on read.
export * from "./records.js";
export { StateError, assertKey, getJson as readRecord, listJson as listRecords, type Versioned } from "./kv.js";
export { openResponderBuckets as openStateBuckets, type ResponderBuckets as StateBuckets } from "./buckets.js";
export { Approvals, ApprovalError, approverKey, distinctApprovers, type ApprovalsDeps } from "./approvals.js";
export { activeBlocks } from "./blocklist.js";
export { findSuppression } from "./suppressions.js";
export { UndoError, UndoRequest, UndoResult, requestUndo } from "./undo-requests.js";
export * from "./incidents.js";
export * from "./investigation-reuse.js";
