import { z } from "zod";
import { ActionType, IsoTime, Severity } from "./common.js";

/** What two alerts can share to be grouped into one incident. */
export const IncidentEntityType = z.enum(["host", "user", "ip", "hash"]);
export type IncidentEntityType = z.infer<typeof IncidentEntityType>;

export const IncidentEntity = z.object({
  type: IncidentEntityType,
  value: z.string().min(1).max(512),
  /** How many of the incident's alerts name it. */
  alerts: z.number().int().min(1),
});
export type IncidentEntity = z.infer<typeof IncidentEntity>;

/** Whose severity a number is: the analyst's assessment (LLM or rules), or the vendor's own. */
export const SeveritySource = z.enum(["analyst", "vendor"]);
export type SeveritySource = z.infer<typeof SeveritySource>;

export const IncidentAlert = z.object({
  alertId: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/),
  sourceId: z.string().max(512).nullable(),
  title: z.string().max(1024),
  severity: Severity,
  severitySource: SeveritySource,
  action: ActionType.nullable(),
  /** decision.status: awaiting_approval, approved, ... */
  status: z.string().max(64).nullable(),
  /** The alert's own time (alert.time): what the correlation window measures. */
  at: IsoTime,
  /** The rule that brought it in, or "manual" for a merge, or "first" for the alert that opened it. */
  rule: z.string().max(128),
  /** The alert's own entities, so a split can tell which stay and which go. */
  entities: z.array(z.object({ type: IncidentEntityType, value: z.string().min(1).max(512) })).max(100),
});
export type IncidentAlert = z.infer<typeof IncidentAlert>;

export const IncidentEvent = z.object({
  at: IsoTime,
  kind: z.enum(["opened", "alert_added", "alert_updated", "severity_raised", "merged", "merged_into", "split", "split_from"]),
  text: z.string().max(2000),
  alertId: z.string().nullable(),
  by: z.string().max(200).nullable().describe("the person, for a merge or split by hand; null for the correlator"),
});
export type IncidentEvent = z.infer<typeof IncidentEvent>;

export const INCIDENT_SCHEMA = "secops.incident.v1" as const;
export const INCIDENT_MAX_ALERTS = 1000;

/**
 * Related alerts grouped by shared entities (host, user, external IP, hash) within a window, by
 * the rules in the policy file's `incidents:` section. Stored in KV (one key per incident) and
 * published on `alerts.incidents` each time it changes, so any consumer can follow it.
 */
export const Incident = z.object({
  schema: z.literal(INCIDENT_SCHEMA),
  incidentId: z.string().regex(/^inc-[0-9a-f]{16,32}$/),
  title: z.string().max(1024),
  /** The highest severity of its alerts: a later critical is never hidden under an earlier low. */
  severity: Severity,
  status: z.enum(["open", "merged"]),
  mergedInto: z.string().nullable(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
  firstSeen: IsoTime,
  lastSeen: IsoTime,
  /** Bumped on every change: a consumer keeps the highest it has seen. */
  version: z.number().int().min(1),
  alerts: z.array(IncidentAlert).max(INCIDENT_MAX_ALERTS),
  entities: z.array(IncidentEntity).max(500),
  actions: z.array(z.object({ action: ActionType, alerts: z.number().int().min(1) })),
  timeline: z.array(IncidentEvent).max(2000),
});
export type Incident = z.infer<typeof Incident>;
