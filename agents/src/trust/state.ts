// The pipeline's trust state in one KV bucket (topology bucket `trust`), shared by every replica
// and kept across restarts: the kill switch, the sliding windows of the containment limits, and
// the security events (forged or badly signed decisions) the dashboard shows.
// Every record has a zod schema and every read is validated (state/kv.ts), like the other buckets.
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { ActionType, Topology } from "@secops/contracts";
import { randomBytes } from "node:crypto";
import { getJson } from "../state/kv.js";
import { LimitHit, LimitWindow, PauseState, SecurityEvent } from "../state/records.js";

// The records' schemas live with every other KV record's, in state/records.ts.
export { LimitHit, LimitWindow, PauseState, SecurityEvent } from "../state/records.js";

const PAUSE_KEY = "pause";
const limitKey = (a: ActionType) => `limit.${a}`;
const LAST_HIT_KEY = "limit-hit";

export async function openTrustBucket(nc: NatsConnection, topo: Topology): Promise<KV> {
  return new Kvm(nc).create(topo.buckets.trust, { history: 10 });
}

export class TrustState {
  constructor(readonly kv: KV) {}

  static async open(nc: NatsConnection, topo: Topology): Promise<TrustState> {
    return new TrustState(await openTrustBucket(nc, topo));
  }

  async pause(): Promise<PauseState> {
    return (await getJson(this.kv, PAUSE_KEY, PauseState))?.value ?? { paused: false, by: "", at: "", reason: null };
  }

  async setPaused(paused: boolean, by: string, reason: string | null = null): Promise<PauseState> {
    const who = by.trim();
    if (!who || who.length > 200 || [...who].some((c) => c.charCodeAt(0) < 0x20)) throw new Error("who pauses or resumes must be named in 1-200 printable characters");
    const state: PauseState = { paused, by: who, at: new Date().toISOString(), reason: reason?.slice(0, 500) ?? null };
    await this.kv.put(PAUSE_KEY, JSON.stringify(state));
    return state;
  }

  /**
   * Counts one effect of `action` in the sliding window when it fits under `max`; returns false,
   * counting nothing, when the window is full. Compare-and-set, so replicas never overshoot.
   */
  async takeSlot(action: ActionType, max: number, perMs: number, now = Date.now()): Promise<{ ok: boolean; inWindow: number }> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const cur = await getJson(this.kv, limitKey(action), LimitWindow);
      const live = (cur?.value.at ?? []).filter((t) => t > now - perMs);
      if (live.length >= max) return { ok: false, inWindow: live.length };
      const next = JSON.stringify({ at: [...live, now] });
      try {
        if (cur) await this.kv.update(limitKey(action), next, cur.revision);
        else await this.kv.create(limitKey(action), next);
        return { ok: true, inWindow: live.length + 1 };
      } catch {
        // another replica counted first: read again
      }
    }
    throw new Error(`containment window of ${action} kept changing; try again`);
  }

  async windowOf(action: ActionType, perMs: number, now = Date.now()): Promise<number> {
    const cur = await getJson(this.kv, limitKey(action), LimitWindow);
    return (cur?.value.at ?? []).filter((t) => t > now - perMs).length;
  }

  async recordLimitHit(hit: LimitHit): Promise<void> {
    await this.kv.put(LAST_HIT_KEY, JSON.stringify(hit));
  }

  async lastLimitHit(): Promise<LimitHit | null> {
    return (await getJson(this.kv, LAST_HIT_KEY, LimitHit))?.value ?? null;
  }

  async recordEvent(e: Omit<SecurityEvent, "id" | "at">): Promise<SecurityEvent> {
    const event: SecurityEvent = { id: `${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`, at: new Date().toISOString(), ...e, reason: e.reason.slice(0, 2000) };
    await this.kv.put(`event.${event.id}`, JSON.stringify(event));
    return event;
  }

  async events(limit = 50): Promise<SecurityEvent[]> {
    const out: SecurityEvent[] = [];
    for await (const k of await this.kv.keys("event.>")) {
      const v = await getJson(this.kv, k, SecurityEvent);
      if (v) out.push(v.value);
    }
    return out.sort((a, b) => b.at.localeCompare(a.at)).slice(0, limit);
  }
}
