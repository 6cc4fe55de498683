// BLOCK_IP's local effect: an entry in the blocklist bucket with its expiry (state/blocklist.ts
// reads the blocks in force and sweeps the expired ones).
import { getJson, updateJson, createJson } from "../../state/kv.js";
import { BlockRecord } from "../../state/records.js";
import { validIp } from "../targets.js";
import type { ActionModule } from "./types.js";

/** KV keys cannot hold ':'; IPv6 colons become '_'. */
export function blockKey(ip: string): string {
  return validIp(ip).replace(/:/g, "_");
}

export const blockIp: ActionModule<"BLOCK_IP"> = {
  action: "BLOCK_IP",
  target: (p) => validIp(p.ip),
  describe: (p) => `block ${p.ip} for ${p.durationHours} h`,
  async apply(p, ctx) {
    const ip = validIp(p.ip);
    // The policy sets the duration (block.defaultDurationHours) and the contract requires it.
    const hours = p.durationHours;
    const expiresAt = new Date(ctx.now.getTime() + hours * 3600_000).toISOString();
    const record: BlockRecord = { ip, reason: p.reason, alertId: ctx.msg.alertId, actionId: ctx.actionId, createdAt: ctx.now.toISOString(), expiresAt };
    const key = blockKey(ip);
    // An IP already blocked by another action keeps the later expiry; the newest action owns it.
    for (let i = 0; i < 10; i++) {
      const cur = await getJson(ctx.buckets.blocklist, key, BlockRecord);
      if (!cur) {
        if ((await createJson(ctx.buckets.blocklist, key, record)) !== null) break;
        continue;
      }
      const live = Date.parse(cur.value.expiresAt) > ctx.now.getTime();
      const next = live && cur.value.expiresAt > expiresAt ? { ...record, expiresAt: cur.value.expiresAt } : record;
      if ((await updateJson(ctx.buckets.blocklist, key, next, cur.revision)) !== null) break;
    }
    return {
      connector: "kv:blocklist", localRef: ip,
      summary: `${ip} blocked until ${expiresAt}`,
      details: { ip, expiresAt, hours },
      compensation: { kind: "unblock", description: `remove ${ip} from the blocklist`, ref: { ip } },
    };
  },
  async compensate(c, ctx) {
    const ip = String(c.ref.ip);
    const key = blockKey(ip);
    const cur = await getJson(ctx.buckets.blocklist, key, BlockRecord);
    // A later action that re-blocked the IP owns the entry now; undoing this one must not lift it.
    if (cur && cur.value.actionId === ctx.actionId) await ctx.buckets.blocklist.delete(key, { previousSeq: cur.revision });
    return cur && cur.value.actionId === ctx.actionId ? `${ip} unblocked` : `${ip} was not blocked by this action any more`;
  },
};
