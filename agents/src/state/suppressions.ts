// Suppressions: a false-positive closure keeps the same activity (same alert fingerprint)
// from being investigated again until the suppression expires or the closure is undone.
import type { KV } from "@nats-io/kv";
import { getJson } from "./kv.js";
import { SuppressionRecord } from "./records.js";

/** The suppression in force for this fingerprint at `now`, or null. */
export async function findSuppression(kv: KV, fingerprint: string, now: Date): Promise<{ by: string; reason: string; until: string | null } | null> {
  if (!/^[0-9a-f]{64}$/.test(fingerprint)) return null;
  const e = await getJson(kv, fingerprint, SuppressionRecord);
  if (!e) return null;
  if (e.value.until !== null && Date.parse(e.value.until) <= now.getTime()) return null;
  return { by: e.value.by, reason: e.value.reason, until: e.value.until };
}
