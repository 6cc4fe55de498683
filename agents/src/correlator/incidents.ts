// Incidents as values: what an alert contributes (its entities), and the pure operations the
// correlator and the dashboard share: open, add or update an alert, merge, split. Each returns
// a new incident with its derived fields (severity, entities, actions, times) recomputed and a
// timeline entry saying what happened, so the record explains itself.
import { sha256Hex } from "../shared/hash.js";
import {
  INCIDENT_MAX_ALERTS, INCIDENT_SCHEMA, SEVERITY_RANK,
  type DecidedMessage, type Incident, type IncidentAlert, type IncidentEntityType, type IncidentEvent, type Severity,
} from "@secops/contracts";
import { candidateEntities, type EntityRef } from "../state/incidents.js";
import type { IncidentRules } from "./rules.js";

export type { EntityRef };

const MAX_ENTITIES_PER_ALERT = 100;

export function entityKey(e: EntityRef): string {
  return `${e.type}:${e.value}`;
}

/** The entities an alert can share that the rules name, without the ignored values (state/incidents.ts extracts them). */
export function entitiesOf(msg: Pick<DecidedMessage, "alert">, rules: IncidentRules): EntityRef[] {
  const wanted = new Set(rules.rules.map((r) => r.entity));
  const ignore = {
    host: new Set(rules.ignore.hosts.map((h) => h.toLowerCase())),
    user: new Set(rules.ignore.users.map((u) => u.toLowerCase())),
    ip: new Set(rules.ignore.ips.map((i) => i.toLowerCase())),
    hash: new Set<string>(),
  };
  return candidateEntities(msg.alert).filter((e) => wanted.has(e.type) && !ignore[e.type].has(e.value)).slice(0, MAX_ENTITIES_PER_ALERT);
}

/** Whose severity counts: the analyst's once investigated, the vendor's before. */
export function incidentAlertOf(msg: DecidedMessage, entities: EntityRef[], rule: string): IncidentAlert {
  const inv = msg.investigation;
  return {
    alertId: msg.alertId,
    sourceId: msg.alert.sourceId,
    title: msg.alert.title.slice(0, 1024),
    severity: inv ? inv.severity : msg.alert.severity,
    severitySource: inv ? "analyst" : "vendor",
    action: msg.decision.action,
    status: msg.decision.status,
    at: msg.alert.time,
    rule,
    entities,
  };
}

export function incidentIdFor(seed: string): string {
  return `inc-${sha256Hex(seed).slice(0, 16)}`;
}

const rank = (s: Severity) => SEVERITY_RANK[s];

function event(at: string, kind: IncidentEvent["kind"], text: string, alertId: string | null = null, by: string | null = null): IncidentEvent {
  return { at, kind, text: text.slice(0, 2000), alertId, by };
}

/** Recomputes what follows from the alerts: severity, title, entities, actions, first and last seen. */
function derive(inc: Incident, now: string, by: string | null): Incident {
  const alerts = [...inc.alerts].sort((a, b) => a.at.localeCompare(b.at) || a.alertId.localeCompare(b.alertId));
  const top = alerts.reduce((best, a) => (rank(a.severity) > rank(best.severity) ? a : best), alerts[0]!);
  const entities = new Map<string, { type: IncidentEntityType; value: string; alerts: number }>();
  const actions = new Map<string, number>();
  for (const a of alerts) {
    for (const e of a.entities) {
      const k = entityKey(e);
      const cur = entities.get(k);
      if (cur) cur.alerts++;
      else entities.set(k, { ...e, alerts: 1 });
    }
    if (a.action) actions.set(a.action, (actions.get(a.action) ?? 0) + 1);
  }
  const timeline = [...inc.timeline];
  if (inc.alerts.length && rank(top.severity) > rank(inc.severity)) {
    timeline.push(event(now, "severity_raised", `severity raised from ${inc.severity} to ${top.severity} by ${top.alertId} (${top.severitySource}'s)`, top.alertId, by));
  }
  return {
    ...inc,
    alerts,
    // Never lowered by an update: the highest severity any alert had stays the incident's.
    severity: rank(top.severity) > rank(inc.severity) ? top.severity : inc.severity,
    title: top.title,
    firstSeen: alerts[0]!.at,
    lastSeen: alerts.at(-1)!.at,
    entities: [...entities.values()].sort((a, b) => b.alerts - a.alerts || a.type.localeCompare(b.type)).slice(0, 500),
    actions: [...actions].map(([action, n]) => ({ action: action as IncidentAlert["action"] & string, alerts: n })),
    timeline: timeline.slice(-2000),
    updatedAt: now,
    version: inc.version + 1,
  };
}

export function openIncident(alerts: IncidentAlert[], now: string, by: string | null = null, id?: string): Incident {
  if (alerts.length === 0) throw new Error("an incident needs at least one alert");
  const sorted = [...alerts].sort((a, b) => a.at.localeCompare(b.at));
  const first = sorted[0]!;
  const base: Incident = {
    schema: INCIDENT_SCHEMA,
    incidentId: id ?? incidentIdFor(first.alertId),
    title: first.title,
    severity: "low",
    status: "open",
    mergedInto: null,
    createdAt: now,
    updatedAt: now,
    firstSeen: first.at,
    lastSeen: first.at,
    version: 0,
    alerts: sorted,
    entities: [],
    actions: [],
    timeline: [
      event(now, "opened", `opened with ${sorted.length} related alert${sorted.length === 1 ? "" : "s"}${sorted.length > 1 ? ` (${[...new Set(sorted.slice(1).map((a) => a.rule))].join(", ")})` : ""}`, first.alertId, by),
      ...sorted.slice(1).map((a) => event(now, "alert_added", `${a.alertId} ${a.severity} "${a.title.slice(0, 120)}" (${a.rule})`, a.alertId, by)),
    ],
  };
  // The opening severity is the lowest, so derive() records the real one without a "raised" line.
  const derived = derive({ ...base, severity: sorted.reduce((s, a) => (rank(a.severity) > rank(s) ? a.severity : s), "low" as Severity) }, now, by);
  return { ...derived, version: 1 };
}

/** Adds an alert, or updates it when it is already in (a later decision, an approval). */
export function addAlert(inc: Incident, alert: IncidentAlert, now: string): Incident {
  const i = inc.alerts.findIndex((a) => a.alertId === alert.alertId);
  if (i >= 0) {
    const old = inc.alerts[i]!;
    // A redelivery changes nothing: keep the version, publish nothing new.
    if (old.severity === alert.severity && old.action === alert.action && old.status === alert.status && old.severitySource === alert.severitySource) return inc;
    const alerts = [...inc.alerts];
    alerts[i] = { ...alert, rule: old.rule };
    const timeline = [...inc.timeline, event(now, "alert_updated", `${alert.alertId}: ${old.action ?? "-"} ${old.status ?? ""} → ${alert.action ?? "-"} ${alert.status ?? ""}`.trim(), alert.alertId)];
    return derive({ ...inc, alerts, timeline }, now, null);
  }
  if (inc.alerts.length >= INCIDENT_MAX_ALERTS) throw new Error(`incident ${inc.incidentId} holds ${INCIDENT_MAX_ALERTS} alerts, the most one can`);
  const timeline = [...inc.timeline, event(now, "alert_added", `${alert.alertId} ${alert.severity} "${alert.title.slice(0, 120)}" (${alert.rule})`, alert.alertId)];
  return derive({ ...inc, alerts: [...inc.alerts, alert], timeline }, now, null);
}

export class IncidentOpError extends Error {
  constructor(readonly code: "not_found" | "invalid" | "conflict", message: string) {
    super(message);
    this.name = "IncidentOpError";
  }
}

/** Moves every alert of `sources` into `target`; the sources stay as records that point at it. */
export function mergeIncidents(target: Incident, sources: Incident[], by: string, now: string): { target: Incident; sources: Incident[] } {
  if (target.status !== "open") throw new IncidentOpError("invalid", `${target.incidentId} was merged into ${target.mergedInto}; merge into that one`);
  for (const s of sources) {
    if (s.incidentId === target.incidentId) throw new IncidentOpError("invalid", `cannot merge ${s.incidentId} into itself`);
    if (s.status !== "open") throw new IncidentOpError("invalid", `${s.incidentId} was already merged into ${s.mergedInto}`);
  }
  const have = new Set(target.alerts.map((a) => a.alertId));
  const moved = sources.flatMap((s) => s.alerts.filter((a) => !have.has(a.alertId)).map((a) => ({ ...a, rule: "manual" })));
  if (target.alerts.length + moved.length > INCIDENT_MAX_ALERTS) throw new IncidentOpError("invalid", `the merge would hold ${target.alerts.length + moved.length} alerts; an incident holds at most ${INCIDENT_MAX_ALERTS}`);
  const timeline = [...target.timeline, event(now, "merged", `merged ${sources.map((s) => s.incidentId).join(", ")} (${moved.length} alerts) by hand`, null, by)];
  const merged = derive({ ...target, alerts: [...target.alerts, ...moved], timeline }, now, by);
  return {
    target: merged,
    sources: sources.map((s) => ({
      ...s,
      status: "merged" as const,
      mergedInto: target.incidentId,
      updatedAt: now,
      version: s.version + 1,
      timeline: [...s.timeline, event(now, "merged_into", `merged into ${target.incidentId} by hand`, null, by)].slice(-2000),
    })),
  };
}

/** Takes `alertIds` out of `inc` into a new incident; at least one alert must stay behind. */
export function splitIncident(inc: Incident, alertIds: string[], by: string, now: string): { rest: Incident; split: Incident } {
  if (inc.status !== "open") throw new IncidentOpError("invalid", `${inc.incidentId} was merged into ${inc.mergedInto}; split that one`);
  const ids = new Set(alertIds);
  const unknown = alertIds.filter((id) => !inc.alerts.some((a) => a.alertId === id));
  if (unknown.length) throw new IncidentOpError("invalid", `not in ${inc.incidentId}: ${unknown.slice(0, 5).join(", ")}`);
  const out = inc.alerts.filter((a) => ids.has(a.alertId));
  const stay = inc.alerts.filter((a) => !ids.has(a.alertId));
  if (out.length === 0) throw new IncidentOpError("invalid", "name at least one alert to split off");
  if (stay.length === 0) throw new IncidentOpError("invalid", "a split must leave at least one alert behind; to take them all, there is nothing to split");
  const newId = incidentIdFor(`${inc.incidentId}:split:${inc.version}:${[...ids].sort().join(",")}`);
  const split = openIncident(out.map((a) => ({ ...a, rule: "manual" })), now, by, newId);
  split.timeline.push(event(now, "split_from", `split from ${inc.incidentId} by hand`, null, by));
  // The remaining alerts decide the severity again: a split is the one time it may go down.
  const restBase: Incident = { ...inc, alerts: stay, severity: "low", timeline: [...inc.timeline, event(now, "split", `${out.length} alert(s) split off into ${newId} by hand`, null, by)] };
  const rest = derive(restBase, now, by);
  rest.timeline = rest.timeline.filter((e) => !(e.kind === "severity_raised" && e.at === now && e.by === by && e.text.startsWith("severity raised from low")));
  return { rest, split };
}

/** Whether two alert times are within `minutes` of each other. */
export function withinWindow(a: string, b: string, minutes: number): boolean {
  return Math.abs(Date.parse(a) - Date.parse(b)) <= minutes * 60_000;
}
