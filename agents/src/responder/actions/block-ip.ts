// The blocklist. nats-server 2.9 has no per-key TTL, so each entry carries its expiry;
// readers ignore expired entries and `sweepExpiredBlocks` deletes them (the bucket keeps
// history, so the audit trail survives the delete).
import type { KV } from "@nats-io/kv";
import { getJson, listJson, updateJson, createJson } from "../store.js";
import { validIp } from "../targets.js";
import type { ActionModule } from "./types.js";

export interface BlockRecord {
  ip: string;
  reason: string;
  alertId: string;
  actionId: string;
  createdAt: string;
  expiresAt: string;
}

/** KV keys cannot hold ':'; IPv6 colons become '_'. */
export function blockKey(ip: string): string {
  return validIp(ip).replace(/:/g, "_");
}

export const blockIp: ActionModule<"BLOCK_IP"> = {
  action: "BLOCK_IP",
  target: (p) => validIp(p.ip),
  describe: (p, ctx) => `block ${p.ip} for ${p.durationHours || ctx.settings.blockDefaultHours} h`,
  lifetimeMs: (p, settings) => (p.durationHours > 0 ? p.durationHours : settings.blockDefaultHours) * 3600_000,
  async apply(p, ctx) {
    const ip = validIp(p.ip);
    const hours = p.durationHours > 0 ? p.durationHours : ctx.settings.blockDefaultHours;
    let expiresAt = new Date(ctx.now.getTime() + hours * 3600_000).toISOString();
    const record: BlockRecord = { ip, reason: p.reason, alertId: ctx.msg.alertId, actionId: ctx.actionId, createdAt: ctx.now.toISOString(), expiresAt };
    const key = blockKey(ip);
    // An IP already blocked by another action keeps the later expiry; the newest action owns it.
    for (let i = 0; i < 10; i++) {
      const cur = await getJson<BlockRecord>(ctx.buckets.blocklist, key);
      if (!cur) {
        if ((await createJson(ctx.buckets.blocklist, key, record)) !== null) break;
        continue;
      }
      // This action's own block is already there (a retry or a resumed claim): nothing to write.
      if (cur.value.actionId === ctx.actionId) { expiresAt = cur.value.expiresAt; break; }
      const live = Date.parse(cur.value.expiresAt) > ctx.now.getTime();
      const next = live && cur.value.expiresAt > expiresAt ? { ...record, expiresAt: cur.value.expiresAt } : record;
      if ((await updateJson(ctx.buckets.blocklist, key, next, cur.revision)) !== null) break;
    }
    return {
      connector: "kv:blocklist", localRef: ip,
      summary: `${ip} blocked until ${expiresAt}`,
      details: { ip, expiresAt, hours },
      compensation: { kind: "unblock", description: `remove ${ip} from the blocklist`, ref: { ip } },
      validUntil: expiresAt,
    };
  },
  async compensate(c, ctx) {
    const ip = String(c.ref.ip);
    const key = blockKey(ip);
    const cur = await getJson<BlockRecord>(ctx.buckets.blocklist, key);
    // A later action that re-blocked the IP owns the entry now; undoing this one must not lift it.
    if (cur && cur.value.actionId === ctx.actionId) await ctx.buckets.blocklist.delete(key, { previousSeq: cur.revision });
    return cur && cur.value.actionId === ctx.actionId ? `${ip} unblocked` : `${ip} was not blocked by this action any more`;
  },
};

/** Blocks in force at `now`. */
export async function activeBlocks(kv: KV, now: Date): Promise<BlockRecord[]> {
  return (await listJson<BlockRecord>(kv)).map((e) => e.value).filter((b) => Date.parse(b.expiresAt) > now.getTime());
}

/** Deletes expired blocks; returns the IPs removed. */
export async function sweepExpiredBlocks(kv: KV, now: Date): Promise<string[]> {
  const removed: string[] = [];
  const keys: string[] = [];
  for await (const key of await kv.keys()) keys.push(key);
  for (const key of keys) {
    const cur = await getJson<BlockRecord>(kv, key);
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
