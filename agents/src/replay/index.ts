// The evidence surface (`@secops/agents/replay`): what the dashboard's export route needs to
// build the same bundle `secops audit --export` writes.
export { IdError, alertIdsFor, type IdContext } from "../cli/ids.js";
export { evidenceFiles } from "./evidence.js";
export { manifestOf, type BundleFile } from "./bundle.js";
