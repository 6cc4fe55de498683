// JSON records in JetStream KV with compare-and-set. Every record the pipeline keeps (ledger
// entries, approvals, tickets, suppressions...) goes through here: writes carry the revision
// they were based on, so concurrent replicas never overwrite each other, and every read is
// checked against the record's schema (records.ts), so a record another version wrote wrongly
// is an error that names the bucket and key, not a value that breaks something later.
import { JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { summarizeIssues } from "@secops/contracts";
import type { z } from "zod";

/** A KV record that does not match its schema. */
export class StateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StateError";
  }
}

export interface Versioned<T> {
  value: T;
  revision: number;
}

/** True when a create/update lost a race: the key exists, or changed since it was read. */
export function isRevisionConflict(e: unknown): boolean {
  if (e instanceof JetStreamApiError) return e.code === 10071 || e.code === 10164;
  return e instanceof Error && /wrong last sequence/i.test(e.message);
}

/**
 * Reads and validates one record. The value returned is the stored JSON itself once it
 * passed the schema, so fields a newer version added survive a read-modify-write.
 */
export async function getJson<T>(kv: KV, key: string, schema: z.ZodType<T>): Promise<Versioned<T> | null> {
  const e = await kv.get(key);
  if (!e || e.operation !== "PUT" || e.length === 0) return null;
  let value: unknown;
  try {
    value = e.json<unknown>();
  } catch (err) {
    throw new StateError(`KV record ${bucketOf(kv)}/${key} is not JSON: ${(err as Error).message}`);
  }
  const r = schema.safeParse(value);
  if (!r.success) throw new StateError(`KV record ${bucketOf(kv)}/${key} does not match its schema: ${summarizeIssues(r.error)}`);
  return { value: value as T, revision: e.revision };
}

function bucketOf(kv: KV): string {
  return (kv as { bucket?: string }).bucket ?? "(bucket)";
}

/** Creates the key only if absent (or deleted). Returns the revision, or null when it exists. */
export async function createJson<T>(kv: KV, key: string, value: T): Promise<number | null> {
  try {
    return await kv.create(key, JSON.stringify(value));
  } catch (e) {
    if (isRevisionConflict(e)) return null;
    throw e;
  }
}

/** Writes the key only if it is still at `revision`. Returns the new revision, or null on a lost race. */
export async function updateJson<T>(kv: KV, key: string, value: T, revision: number): Promise<number | null> {
  try {
    return await kv.update(key, JSON.stringify(value), revision);
  } catch (e) {
    if (isRevisionConflict(e)) return null;
    throw e;
  }
}

/**
 * Read-modify-write with retries on lost races. `change` returns the new value, or
 * undefined to leave the record as it is.
 */
export async function mutateJson<T>(
  kv: KV,
  key: string,
  schema: z.ZodType<T>,
  change: (current: T) => T | undefined,
  attempts = 20,
): Promise<Versioned<T> | null> {
  for (let i = 0; i < attempts; i++) {
    const cur = await getJson(kv, key, schema);
    if (!cur) return null;
    const next = change(cur.value);
    if (next === undefined) return cur;
    const rev = await updateJson(kv, key, next, cur.revision);
    if (rev !== null) return { value: next, revision: rev };
  }
  throw new Error(`KV key ${key} kept changing under concurrent writers; gave up after ${attempts} attempts`);
}

export async function listJson<T>(kv: KV, schema: z.ZodType<T>, filter?: string): Promise<{ key: string; value: T }[]> {
  const out: { key: string; value: T }[] = [];
  const keys: string[] = [];
  for await (const k of await kv.keys(filter)) keys.push(k);
  for (const key of keys.sort()) {
    const e = await getJson(kv, key, schema);
    if (e) out.push({ key, value: e.value });
  }
  return out;
}

/** KV keys accept letters, digits and - / _ = . ; anything else is refused before it reaches the server. */
export function assertKey(key: string, what: string): string {
  if (!/^[-/_=.a-zA-Z0-9]+$/.test(key) || key.startsWith(".") || key.endsWith(".") || key.length > 256) {
    throw new Error(`${what} "${key.slice(0, 80)}" is not a valid id: expected letters, digits, '-', '_', '=', '/' or '.'`);
  }
  return key;
}
