// Where incidents live: one KV bucket with three kinds of keys, each value validated on read.
//   inc.<id>            the Incident
//   ent.<sha256>        an entity's last sighting: its incident, or the alerts seen before one opened
//   alert.<sha256>      which incident an alert is in
// Keys hash the entity and alert ids, because KV keys allow fewer characters than they use.
import { createHash } from "node:crypto";
import type { KV } from "@nats-io/kv";
import { z } from "zod";
import { Incident, IncidentAlert, IncidentEntityType } from "@secops/contracts";

export const EntityRecord = z.object({
  type: IncidentEntityType,
  value: z.string(),
  lastSeen: z.string(),
  incidentId: z.string().nullable(),
  /** Alerts that named this entity before an incident opened (at most minAlerts - 1 kept). */
  pending: z.array(IncidentAlert).max(100),
});
export type EntityRecord = z.infer<typeof EntityRecord>;

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
  listIncidents(): Promise<Incident[]>;
}

const hash = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 40);
const entKey = (type: string, value: string) => `ent.${hash(`${type}:${value}`)}`;
const alertKey = (id: string) => `alert.${hash(id)}`;

function isConflict(e: unknown): boolean {
  const m = (e as Error).message ?? "";
  return /wrong last sequence|key exists|10071/.test(m);
}

export class KvIncidentStore implements IncidentStore {
  constructor(private readonly kv: KV) {}

  async getIncident(id: string): Promise<Versioned<Incident> | null> {
    const e = await this.kv.get(`inc.${id}`);
    if (!e || e.operation !== "PUT" || e.length === 0) return null;
    return { value: Incident.parse(e.json()), revision: e.revision };
  }

  async putIncident(inc: Incident, revision: number | null): Promise<boolean> {
    const data = JSON.stringify(Incident.parse(inc));
    try {
      if (revision === null) await this.kv.create(`inc.${inc.incidentId}`, data);
      else await this.kv.update(`inc.${inc.incidentId}`, data, revision);
      return true;
    } catch (e) {
      if (isConflict(e)) return false;
      throw e;
    }
  }

  async getEntity(type: string, value: string): Promise<EntityRecord | null> {
    const e = await this.kv.get(entKey(type, value));
    if (!e || e.operation !== "PUT" || e.length === 0) return null;
    const r = EntityRecord.safeParse(e.json());
    return r.success ? r.data : null;
  }

  async putEntity(rec: EntityRecord): Promise<void> {
    await this.kv.put(entKey(rec.type, rec.value), JSON.stringify(rec));
  }

  async incidentOfAlert(alertId: string): Promise<string | null> {
    const e = await this.kv.get(alertKey(alertId));
    return e && e.operation === "PUT" && e.length > 0 ? e.string() : null;
  }

  async linkAlert(alertId: string, incidentId: string): Promise<void> {
    await this.kv.put(alertKey(alertId), incidentId);
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

  async listIncidents() {
    return [...this.incidents.values()].map((v) => structuredClone(v.value));
  }
}
