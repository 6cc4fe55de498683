// The public surface of @secops/contracts. Anything not exported here is internal.
export * from "./subjects.js";
export * from "./common.js";
export * from "./alert.js";
export * from "./enrichment.js";
export * from "./investigation.js";
export * from "./decision.js";
export * from "./action-digest.js";
export * from "./execution.js";
export * from "./incident.js";
export * from "./messages.js";
export * from "./issues.js";
export { jsonSchemas } from "./json-schemas.js";
