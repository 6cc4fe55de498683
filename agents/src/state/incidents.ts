// The incidents bucket's records (KV secops-incidents), with their schemas and keys, for every
// agent that reads it: the correlator writes it; the investigator reads which open incident a new
// alert is joining (incident batching); the TheHive and Jira connectors keep which case or issue
// an incident has. Keys hash entity and alert ids, because KV keys allow fewer characters than
// those ids use.
//   inc.<id>                 the Incident (contracts)
//   ent.<sha256>             an entity's last sighting: its incident, or the alerts seen before one opened
//   alert.<sha256>           which incident an alert is in (null: the correlator saw it, no incident)
//   case.<connector>.<id>    the case / issue an incident has at a ticketing connector
//   ticket.<connector>.<sha> the case / issue an alert's ticket opened there (before an incident existed)
import { sha256Hex } from "../shared/hash.js";
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { z } from "zod";
import { Incident, IncidentAlert, IncidentEntityType, IsoTime, type CanonicalAlert } from "@secops/contracts";
import { isNonPublic, normalizedIp, parseIp } from "../shared/network.js";
import { StateError, createJson, getJson, updateJson, type Versioned } from "./kv.js";

export const EntityRecord = z.object({
  type: IncidentEntityType,
  value: z.string(),
  lastSeen: z.string(),
  incidentId: z.string().nullable(),
  /** Alerts that named this entity before an incident opened (at most minAlerts - 1 kept). */
  pending: z.array(IncidentAlert).max(100),
});
export type EntityRecord = z.infer<typeof EntityRecord>;

const IncidentIdText = z.string().regex(/^inc-[0-9a-f]{16}$/, "expected an incident id such as inc-0123456789abcdef");

/** Which incident an alert is in; `incidentId: null` says the correlator has seen the alert and it is in none (yet). */
export const AlertLink = z.object({ incidentId: IncidentIdText.nullable() });
export type AlertLink = z.infer<typeof AlertLink>;

export const TicketingConnector = z.enum(["thehive", "jira"]);
export type TicketingConnector = z.infer<typeof TicketingConnector>;

/** The case (TheHive) or issue (Jira) that stands for an incident, or for one alert's ticket. */
export const IncidentCaseRecord = z.object({
  connector: TicketingConnector,
  /** TheHive: the case's _id (or, before a case exists, the first alert's _id); Jira: the issue key. */
  ref: z.string().min(1).max(200),
  kind: z.enum(["case", "alert", "issue"]),
  incidentId: IncidentIdText.nullable(),
  alertId: z.string(),
  actionId: z.string(),
  at: IsoTime,
});
export type IncidentCaseRecord = z.infer<typeof IncidentCaseRecord>;

const hash = (s: string) => sha256Hex(s).slice(0, 40);
export const incidentKey = (id: string) => `inc.${id}`;
export const entityRecordKey = (type: string, value: string) => `ent.${hash(`${type}:${value}`)}`;
export const alertLinkKey = (alertId: string) => `alert.${hash(alertId)}`;
export const incidentCaseKey = (connector: TicketingConnector, incidentId: string) => `case.${connector}.${incidentId}`;
export const alertTicketKey = (connector: TicketingConnector, alertId: string) => `ticket.${connector}.${hash(alertId)}`;

export interface EntityRef {
  type: IncidentEntityType;
  value: string;
}

const HASH_TYPES = new Set(["md5", "sha1", "sha256"]);

/**
 * Every entity an alert could share with another, normalized (lower-case, canonical IP text):
 * host, user, external IPs, file hashes. The correlator keeps those its rules name and does not
 * ignore; readers that only look entities up can use them all (an ignored one has no record).
 */
export function candidateEntities(a: Pick<CanonicalAlert, "host" | "user" | "iocs">): EntityRef[] {
  const out = new Map<string, EntityRef>();
  const add = (type: IncidentEntityType, raw: string | null | undefined) => {
    const value = raw?.trim().toLowerCase();
    if (!value || value.length > 512) return;
    out.set(`${type}:${value}`, { type, value });
  };
  add("host", a.host.name);
  add("user", a.user.name);
  for (const i of a.iocs) {
    if (i.type === "ip") {
      const ip = parseIp(i.value);
      if (ip && !i.internal && !isNonPublic(ip)) add("ip", normalizedIp(i.value));
    } else if (HASH_TYPES.has(i.type)) add("hash", i.value);
  }
  return [...out.values()];
}

export const readIncident = (kv: KV, id: string): Promise<Versioned<Incident> | null> => getJson(kv, incidentKey(id), Incident);
export const readEntity = async (kv: KV, type: string, value: string): Promise<EntityRecord | null> => (await getJson(kv, entityRecordKey(type, value), EntityRecord))?.value ?? null;

/**
 * The alert's link, or null when the correlator has not seen it. Links written before links were
 * JSON are the bare incident id; they are read as such, anything else is a StateError.
 */
export async function readAlertLink(kv: KV, alertId: string): Promise<AlertLink | null> {
  const key = alertLinkKey(alertId);
  try {
    return (await getJson(kv, key, AlertLink))?.value ?? null;
  } catch (e) {
    if (!(e instanceof StateError)) throw e;
    const entry = await kv.get(key);
    const legacy = entry ? IncidentIdText.safeParse(entry.string()) : null;
    if (legacy?.success) return { incidentId: legacy.data };
    throw e;
  }
}

/** Follows "merged into" links to the incident that is open now. */
export async function readOpenIncident(kv: KV, id: string): Promise<Versioned<Incident> | null> {
  let cur = await readIncident(kv, id);
  for (let hops = 0; cur && cur.value.status === "merged" && cur.value.mergedInto && hops < 16; hops++) cur = await readIncident(kv, cur.value.mergedInto);
  return cur && cur.value.status === "open" ? cur : null;
}

/**
 * The open incident an alert is joining, read before the correlator has seen it: one of its
 * entities was last seen in an open incident within `windowMs` of the alert's time.
 */
export async function openIncidentForEntities(kv: KV, entities: EntityRef[], alertTime: string, windowMs: number): Promise<Incident | null> {
  const t = Date.parse(alertTime);
  for (const e of entities) {
    const rec = await readEntity(kv, e.type, e.value);
    if (!rec?.incidentId || Math.abs(t - Date.parse(rec.lastSeen)) > windowMs) continue;
    const open = await readOpenIncident(kv, rec.incidentId);
    if (open) return open.value;
  }
  return null;
}

export const readIncidentCase = async (kv: KV, connector: TicketingConnector, incidentId: string) => (await getJson(kv, incidentCaseKey(connector, incidentId), IncidentCaseRecord))?.value ?? null;
export const readAlertTicket = async (kv: KV, connector: TicketingConnector, alertId: string) => (await getJson(kv, alertTicketKey(connector, alertId), IncidentCaseRecord))?.value ?? null;

/**
 * Records the incident's case unless another alert recorded one first, and returns the one that
 * stands. A record naming a bare alert (TheHive, before a case existed) gives way to a case.
 */
export async function claimIncidentCase(kv: KV, rec: IncidentCaseRecord & { incidentId: string }): Promise<IncidentCaseRecord> {
  const parsed = IncidentCaseRecord.parse(rec);
  const key = incidentCaseKey(rec.connector, rec.incidentId);
  for (let attempt = 0; attempt < 10; attempt++) {
    const cur = await getJson(kv, key, IncidentCaseRecord);
    if (!cur) {
      if ((await createJson(kv, key, parsed)) !== null) return parsed;
      continue;
    }
    if (!(cur.value.kind === "alert" && parsed.kind === "case")) return cur.value;
    if ((await updateJson(kv, key, parsed, cur.revision)) !== null) return parsed;
  }
  throw new Error(`${key} kept changing under concurrent writers; gave up after 10 attempts`);
}

export async function recordAlertTicket(kv: KV, rec: IncidentCaseRecord): Promise<void> {
  await kv.put(alertTicketKey(rec.connector, rec.alertId), JSON.stringify(IncidentCaseRecord.parse(rec)));
}

/**
 * Waits until the correlator has linked the alert (or said it is in no incident), at most
 * `maxWaitMs`: the responder and the correlator read the same decided message side by side.
 */
export async function awaitAlertLink(kv: KV, alertId: string, maxWaitMs: number, pollMs = 100): Promise<AlertLink | null> {
  const until = Date.now() + maxWaitMs;
  for (;;) {
    const link = await readAlertLink(kv, alertId);
    if (link || Date.now() >= until) return link;
    await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(1, until - Date.now()))));
  }
}

/**
 * The correlator's bucket for readers in other agents, opened on first use once the correlator has
 * created it. A failed open is remembered for `retryMs`, so a pipeline without a correlator costs
 * no round trip per alert; the error says what is missing.
 */
export function lazyIncidentsBucket(nc: NatsConnection, bucket: string, retryMs = 5000, now: () => number = Date.now): () => Promise<KV> {
  let kv: KV | null = null;
  let failed: { at: number; error: Error } | null = null;
  return async () => {
    if (kv) return kv;
    if (failed && now() - failed.at < retryMs) throw failed.error;
    try {
      const k = await new Kvm(nc).open(bucket);
      await k.status(); // fails while the correlator has not created its bucket
      kv = k;
      failed = null;
      return k;
    } catch (e) {
      failed = { at: now(), error: new Error(`the incidents bucket ${bucket} is not readable (is the correlator running?): ${(e as Error).message}`) };
      throw failed.error;
    }
  };
}
