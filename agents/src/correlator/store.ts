// Where incidents live: one KV bucket (the keys and schemas are in state/incidents.ts, shared
// with the investigator and the ticketing connectors that read it). Every value is validated on
// read through state/kv.ts: a record that does not match its schema is a StateError naming the
// bucket and key, never a value that breaks something later.
import type { KV } from "@nats-io/kv";
import { Incident } from "@secops/contracts";
import { isRevisionConflict } from "../state/kv.js";
import {
  EntityRecord, alertLinkKey, entityRecordKey, incidentKey, readAlertLink, readEntity, readIncident,
} from "../state/incidents.js";

export { EntityRecord };

export interface Versioned<T> {
  value: T;
  revision: number;
}

/** The correlator's state, behind an interface so the handler is tested without NATS. */
export interface IncidentStore {
  getIncident(id: string): Promise<Versioned<Incident> | null>;
  /** Compare-and-set: revision null creates. Returns false when someone else changed it first. */
  putIncident(inc: Incident, revision: number | null): Promise<boolean>;
  getEntity(type: string, value: string): Promise<EntityRecord | null>;
  putEntity(rec: EntityRecord): Promise<void>;
  incidentOfAlert(alertId: string): Promise<string | null>;
  linkAlert(alertId: string, incidentId: string): Promise<void>;
  /** Says the correlator has seen the alert, in no incident (yet); a link written before or after wins. */
  markSeen(alertId: string): Promise<void>;
  listIncidents(): Promise<Incident[]>;
}

export class KvIncidentStore implements IncidentStore {
  constructor(private readonly kv: KV) {}

  async getIncident(id: string): Promise<Versioned<Incident> | null> {
    return readIncident(this.kv, id);
  }

  async putIncident(inc: Incident, revision: number | null): Promise<boolean> {
    const data = JSON.stringify(Incident.parse(inc));
    try {
      if (revision === null) await this.kv.create(incidentKey(inc.incidentId), data);
      else await this.kv.update(incidentKey(inc.incidentId), data, revision);
      return true;
    } catch (e) {
      if (isRevisionConflict(e)) return false;
      throw e;
    }
  }

  async getEntity(type: string, value: string): Promise<EntityRecord | null> {
    return readEntity(this.kv, type, value);
  }

  async putEntity(rec: EntityRecord): Promise<void> {
    await this.kv.put(entityRecordKey(rec.type, rec.value), JSON.stringify(EntityRecord.parse(rec)));
  }

  async incidentOfAlert(alertId: string): Promise<string | null> {
    return (await readAlertLink(this.kv, alertId))?.incidentId ?? null;
  }

  async linkAlert(alertId: string, incidentId: string): Promise<void> {
    await this.kv.put(alertLinkKey(alertId), JSON.stringify({ incidentId }));
  }

  async markSeen(alertId: string): Promise<void> {
    try {
      await this.kv.create(alertLinkKey(alertId), JSON.stringify({ incidentId: null }));
    } catch (e) {
      if (!isRevisionConflict(e)) throw e;
    }
  }

  async listIncidents(): Promise<Incident[]> {
    const out: Incident[] = [];
    const keys = await this.kv.keys("inc.>");
    for await (const k of keys) {
      const v = await this.getIncident(k.slice(4));
      if (v) out.push(v.value);
    }
    return out;
  }
}

/** The same store in memory: for tests and offline commands. */
export class MemoryIncidentStore implements IncidentStore {
  private readonly incidents = new Map<string, Versioned<Incident>>();
  private readonly entities = new Map<string, EntityRecord>();
  private readonly links = new Map<string, string>();
  readonly seen = new Set<string>();

  async getIncident(id: string) {
    const v = this.incidents.get(id);
    return v ? { value: structuredClone(v.value), revision: v.revision } : null;
  }

  async putIncident(inc: Incident, revision: number | null) {
    const cur = this.incidents.get(inc.incidentId);
    if ((revision === null && cur) || (revision !== null && cur?.revision !== revision)) return false;
    this.incidents.set(inc.incidentId, { value: structuredClone(Incident.parse(inc)), revision: (cur?.revision ?? 0) + 1 });
    return true;
  }

  async getEntity(type: string, value: string) {
    const v = this.entities.get(`${type}:${value}`);
    return v ? structuredClone(v) : null;
  }

  async putEntity(rec: EntityRecord) {
    this.entities.set(`${rec.type}:${rec.value}`, structuredClone(rec));
  }

  async incidentOfAlert(alertId: string) {
    return this.links.get(alertId) ?? null;
  }

  async linkAlert(alertId: string, incidentId: string) {
    this.links.set(alertId, incidentId);
  }

  async markSeen(alertId: string) {
    this.seen.add(alertId);
  }

  async listIncidents() {
    return [...this.incidents.values()].map((v) => structuredClone(v.value));
  }
}
