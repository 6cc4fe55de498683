// Suppressions: a false-positive closure keeps the same activity (same alert fingerprint)
// from being investigated again until the suppression expires or the closure is undone.
import type { KV } from "@nats-io/kv";
import { getJson } from "./store.js";

export interface SuppressionRecord {
  fingerprint: string;
  /** Who owns the suppression: the person or process that closed the alert. */
  by: string;
  reason: string;
  until: string | null;
  closureId: string;
  actionId: string;
  createdAt: string;
}

/** The suppression in force for this fingerprint at `now`, or null. */
export async function findSuppression(kv: KV, fingerprint: string, now: Date): Promise<{ by: string; reason: string; until: string | null } | null> {
  if (!/^[0-9a-f]{64}$/.test(fingerprint)) return null;
  const e = await getJson<SuppressionRecord>(kv, fingerprint);
  if (!e) return null;
  if (e.value.until !== null && Date.parse(e.value.until) <= now.getTime()) return null;
  return { by: e.value.by, reason: e.value.reason, until: e.value.until };
}
