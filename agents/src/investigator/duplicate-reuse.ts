/**
 * One LLM call per unique alert, none per duplicate. The first LLM investigation of a fingerprint
 * (same kind of alert about the same subject and structured indicators, see
 * enricher/normalize/fingerprint.ts) is kept in a KV bucket every investigator replica shares;
 * an alert with the same fingerprint inside the window reuses it, recorded as such (`reusedFrom`
 * names the alert whose investigation it is) without a call. Investigated again instead:
 * a duplicate of higher severity than the one investigated, one with an indicator the first did
 * not have (indicators found in free text are not in the fingerprint), and any alert with a
 * prompt-injection finding (its own text must be looked at). Only LLM answers are kept: the rules
 * analyst costs nothing to run again.
 */
import type { KV } from "@nats-io/kv";
import { z } from "zod";
import { Investigation, IsoTime, SEVERITY_RANK, Severity, type EnrichedMessage } from "@secops/contracts";

export const ReuseRecord = z.object({
  alertId: z.string(),
  investigatedAt: IsoTime,
  severity: Severity,
  indicators: z.array(z.string()),
  investigation: Investigation,
});
export type ReuseRecord = z.infer<typeof ReuseRecord>;

export interface DuplicateReuse {
  /** The investigation to reuse for this alert, or null when it must be investigated. */
  find(msg: EnrichedMessage): Promise<Investigation | null>;
  /** Keeps an LLM investigation for the duplicates that follow. */
  remember(msg: EnrichedMessage, investigation: Investigation): Promise<void>;
}

const indicatorsOf = (msg: EnrichedMessage) => [...new Set(msg.alert.iocs.map((i) => `${i.type}:${i.value.toLowerCase()}`))].sort();

export function duplicateReuse(kv: KV, windowMs: number, now: () => number = Date.now): DuplicateReuse {
  return {
    async find(msg) {
      const entry = await kv.get(msg.alert.fingerprint);
      if (!entry || entry.operation !== "PUT" || entry.length === 0) return null;
      const parsed = ReuseRecord.safeParse(entry.json());
      if (!parsed.success) return null; // an unreadable record is investigated afresh, and overwritten
      const r = parsed.data;
      if (r.alertId === msg.alertId) return null; // a redelivery of the first alert itself
      if (now() - Date.parse(r.investigatedAt) > windowMs) return null;
      if (SEVERITY_RANK[msg.alert.severity] > SEVERITY_RANK[r.severity]) return null;
      const known = new Set(r.indicators);
      if (indicatorsOf(msg).some((i) => !known.has(i))) return null;
      return { ...r.investigation, reusedFrom: { alertId: r.alertId, investigatedAt: r.investigatedAt } };
    },
    async remember(msg, investigation) {
      if (investigation.analyst !== "llm" || investigation.reusedFrom) return;
      const record: ReuseRecord = {
        alertId: msg.alertId, investigatedAt: new Date(now()).toISOString(), severity: msg.alert.severity,
        indicators: indicatorsOf(msg), investigation: { ...investigation, reusedFrom: null },
      };
      await kv.put(msg.alert.fingerprint, JSON.stringify(record));
    },
  };
}
