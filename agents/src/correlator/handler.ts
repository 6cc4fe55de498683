// The correlator's handler: one decided alert in, the incidents it changed out. Two alerts
// belong together when they share an entity a rule names (host, user, external IP, hash) and
// are within the rule's window of each other. The store is passed in, so the handler runs
// against memory in tests and KV in the process.
import type { DecidedMessage, Incident, IncidentAlert } from "@secops/contracts";
import {
  IncidentOpError, addAlert, entitiesOf, incidentAlertOf, mergeIncidents, openIncident, splitIncident, withinWindow, type EntityRef,
} from "./incidents.js";
import type { IncidentRules } from "./rules.js";
import type { EntityRecord, IncidentStore, Versioned } from "./store.js";

const CAS_ATTEMPTS = 8;
const PENDING_KEPT = 20;

/** Follows "merged into" links to the incident that is open now. */
async function resolveOpen(store: IncidentStore, id: string): Promise<Versioned<Incident> | null> {
  let cur = await store.getIncident(id);
  for (let hops = 0; cur && cur.value.status === "merged" && cur.value.mergedInto && hops < 16; hops++) cur = await store.getIncident(cur.value.mergedInto);
  return cur && cur.value.status === "open" ? cur : null;
}

async function retrying<T>(what: string, fn: () => Promise<T | "conflict">): Promise<T> {
  for (let i = 0; i < CAS_ATTEMPTS; i++) {
    const r = await fn();
    if (r !== "conflict") return r;
  }
  throw new IncidentOpError("conflict", `${what}: the incident kept changing under us (${CAS_ATTEMPTS} attempts); try again`);
}

const laterOf = (a: string, b: string) => (a > b ? a : b);

/** Points every entity and alert of `alerts` at the incident. */
async function linkAll(store: IncidentStore, incidentId: string, alerts: IncidentAlert[]): Promise<void> {
  const lastSeen = new Map<string, { e: EntityRef; at: string }>();
  for (const a of alerts) {
    await store.linkAlert(a.alertId, incidentId);
    for (const e of a.entities) {
      const k = `${e.type}:${e.value}`;
      const cur = lastSeen.get(k);
      lastSeen.set(k, { e, at: cur ? laterOf(cur.at, a.at) : a.at });
    }
  }
  for (const { e, at } of lastSeen.values()) {
    const prev = await store.getEntity(e.type, e.value);
    await store.putEntity({ type: e.type, value: e.value, lastSeen: prev ? laterOf(prev.lastSeen, at) : at, incidentId, pending: [] });
  }
}

export async function correlateAlert(msg: DecidedMessage, store: IncidentStore, rules: IncidentRules, now: Date = new Date()): Promise<Incident[]> {
  if (!rules.enabled) return [];
  const at = now.toISOString();
  const entities = entitiesOf(msg, rules);

  // Already in an incident (a later decision, an approval, a redelivery): update it there.
  const linked = await store.incidentOfAlert(msg.alertId);
  if (linked) {
    return retrying(`updating ${linked}`, async () => {
      const cur = await resolveOpen(store, linked);
      if (!cur) return [];
      const prev = cur.value.alerts.find((a) => a.alertId === msg.alertId);
      const next = addAlert(cur.value, incidentAlertOf(msg, entities, prev?.rule ?? "manual"), at);
      if (next === cur.value) return [];
      return (await store.putIncident(next, cur.revision)) ? [next] : "conflict";
    });
  }
  if (entities.length === 0) return [];

  const when = msg.alert.time;
  const candidates = new Map<string, string>();
  const pending = new Map<string, { alert: IncidentAlert; rule: string }>();
  const records = new Map<string, EntityRecord | null>();
  let firstRule: string | null = null;
  for (const rule of rules.rules) {
    const window = rule.windowMinutes ?? rules.windowMinutes;
    for (const e of entities.filter((x) => x.type === rule.entity)) {
      const k = `${e.type}:${e.value}`;
      if (!records.has(k)) records.set(k, await store.getEntity(e.type, e.value));
      const rec = records.get(k);
      if (!rec || !withinWindow(rec.lastSeen, when, window)) continue;
      if (rec.incidentId) {
        const open = await resolveOpen(store, rec.incidentId);
        if (open && open.value.alerts.length < rules.maxAlerts && !candidates.has(open.value.incidentId)) candidates.set(open.value.incidentId, rule.id);
      }
      for (const p of rec.pending) {
        if (p.alertId !== msg.alertId && withinWindow(p.at, when, window) && !pending.has(p.alertId)) pending.set(p.alertId, { alert: p, rule: rule.id });
      }
      firstRule ??= rule.id;
    }
  }

  if (candidates.size > 0) {
    // Several open incidents share an entity with it: it joins the oldest; people can merge the rest.
    const loaded = (await Promise.all([...candidates.keys()].map((id) => store.getIncident(id)))).filter((v) => v !== null);
    loaded.sort((a, b) => a.value.createdAt.localeCompare(b.value.createdAt));
    const targetId = loaded[0]!.value.incidentId;
    const rule = candidates.get(targetId)!;
    const joining = [...[...pending.values()].map((p) => ({ ...p.alert, rule: p.rule })), incidentAlertOf(msg, entities, rule)];
    const next = await retrying(`adding ${msg.alertId} to ${targetId}`, async () => {
      const cur = await resolveOpen(store, targetId);
      if (!cur) return "conflict";
      let inc = cur.value;
      for (const a of joining) inc = addAlert(inc, a, at);
      return (await store.putIncident(inc, cur.revision)) ? inc : "conflict";
    });
    await linkAll(store, next.incidentId, joining);
    return [next];
  }

  const ia = incidentAlertOf(msg, entities, firstRule ?? "first");
  if (pending.size + 1 >= rules.minAlerts) {
    const members = [...[...pending.values()].map((p) => ({ ...p.alert, rule: p.rule })), ia];
    const earliest = [...members].sort((a, b) => a.at.localeCompare(b.at))[0]!;
    earliest.rule = "first";
    const opened = openIncident(members, at);
    const stored = await retrying(`opening ${opened.incidentId}`, async () => {
      if (await store.putIncident(opened, null)) return opened;
      // The same alerts opened it before (a redelivery): add to what is there.
      const cur = await store.getIncident(opened.incidentId);
      if (!cur) return "conflict";
      let inc = cur.value;
      for (const a of members) inc = addAlert(inc, a, at);
      if (inc === cur.value) return inc;
      return (await store.putIncident(inc, cur.revision)) ? inc : "conflict";
    });
    await linkAll(store, stored.incidentId, members);
    return [stored];
  }

  // Not enough related alerts yet: remember this one on each of its entities.
  for (const e of entities) {
    const rec = records.get(`${e.type}:${e.value}`) ?? (await store.getEntity(e.type, e.value));
    const keep = (rec?.pending ?? []).filter((p) => p.alertId !== ia.alertId && withinWindow(p.at, when, rules.windowMinutes * 4));
    await store.putEntity({ type: e.type, value: e.value, lastSeen: rec ? laterOf(rec.lastSeen, when) : when, incidentId: null, pending: [...keep, ia].slice(-PENDING_KEPT) });
  }
  return [];
}

/** Merge by hand: every alert of `sourceIds` moves into `targetId`. Returns what changed. */
export async function mergeStored(store: IncidentStore, targetId: string, sourceIds: string[], by: string, now: Date = new Date()): Promise<Incident[]> {
  if (sourceIds.length === 0) throw new IncidentOpError("invalid", "name at least one incident to merge in");
  const result = await retrying(`merging into ${targetId}`, async () => {
    const target = await store.getIncident(targetId);
    if (!target) throw new IncidentOpError("not_found", `no incident ${targetId}`);
    const sources: Versioned<Incident>[] = [];
    for (const id of [...new Set(sourceIds)]) {
      const s = await store.getIncident(id);
      if (!s) throw new IncidentOpError("not_found", `no incident ${id}`);
      sources.push(s);
    }
    const r = mergeIncidents(target.value, sources.map((s) => s.value), by, now.toISOString());
    if (!(await store.putIncident(r.target, target.revision))) return "conflict";
    for (const [n, s] of r.sources.entries()) await store.putIncident(s, sources[n]!.revision);
    return r;
  });
  await linkAll(store, result.target.incidentId, result.target.alerts);
  return [result.target, ...result.sources];
}

/** Split by hand: `alertIds` leave `incidentId` for a new incident. Returns [rest, new]. */
export async function splitStored(store: IncidentStore, incidentId: string, alertIds: string[], by: string, now: Date = new Date()): Promise<Incident[]> {
  const r = await retrying(`splitting ${incidentId}`, async () => {
    const cur = await store.getIncident(incidentId);
    if (!cur) throw new IncidentOpError("not_found", `no incident ${incidentId}`);
    const out = splitIncident(cur.value, alertIds, by, now.toISOString());
    if (!(await store.putIncident(out.rest, cur.revision))) return "conflict";
    if (!(await store.putIncident(out.split, null))) throw new IncidentOpError("conflict", `${out.split.incidentId} exists already; reload and try again`);
    return out;
  });
  // The split alerts, and entities only they name, now point at the new incident.
  for (const a of r.split.alerts) await store.linkAlert(a.alertId, r.split.incidentId);
  const stay = new Set(r.rest.entities.map((e) => `${e.type}:${e.value}`));
  for (const e of r.split.entities) {
    if (stay.has(`${e.type}:${e.value}`)) continue;
    const prev = await store.getEntity(e.type, e.value);
    await store.putEntity({ type: e.type, value: e.value, lastSeen: prev?.lastSeen ?? r.split.lastSeen, incidentId: r.split.incidentId, pending: [] });
  }
  return [r.rest, r.split];
}
