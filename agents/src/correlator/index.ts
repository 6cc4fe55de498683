// The correlator's public surface for the dashboard and the CLI: the incident operations and
// the KV store, without the process entry point.
export { correlateAlert, mergeStored, splitStored } from "./handler.js";
export { IncidentOpError, addAlert, entitiesOf, incidentAlertOf, mergeIncidents, openIncident, splitIncident } from "./incidents.js";
export { KvIncidentStore, MemoryIncidentStore, type IncidentStore } from "./store.js";
export { DEFAULT_INCIDENT_RULES, loadIncidentRules, parseIncidentRules, type IncidentRules } from "./rules.js";
export { openIncidentStore, publishIncident, startCorrelator } from "./main.js";
