// The blocklist. nats-server 2.9 has no per-key TTL, so each entry carries its expiry;
// readers ignore expired entries and `sweepExpiredBlocks` deletes them (the bucket keeps
// history, so the audit trail survives the delete).
import type { KV } from "@nats-io/kv";
import { getJson, listJson } from "./kv.js";
import { BlockRecord } from "./records.js";

/** Blocks in force at `now`. */
export async function activeBlocks(kv: KV, now: Date): Promise<BlockRecord[]> {
  return (await listJson(kv, BlockRecord)).map((e) => e.value).filter((b) => Date.parse(b.expiresAt) > now.getTime());
}

/** Deletes expired blocks; returns the IPs removed. */
export async function sweepExpiredBlocks(kv: KV, now: Date): Promise<string[]> {
  const removed: string[] = [];
  const keys: string[] = [];
  for await (const key of await kv.keys()) keys.push(key);
  for (const key of keys) {
    const cur = await getJson(kv, key, BlockRecord);
    if (!cur || Date.parse(cur.value.expiresAt) > now.getTime()) continue;
    try {
      await kv.delete(key, { previousSeq: cur.revision });
      removed.push(cur.value.ip);
    } catch {
      // Re-blocked between our read and the delete: the new entry stands.
    }
  }
  return removed;
}
