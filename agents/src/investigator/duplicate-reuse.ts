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
import type { KV, KvEntry } from "@nats-io/kv";
import { SEVERITY_RANK, summarizeIssues, type Investigation, type Severity, type EnrichedMessage } from "@secops/contracts";
import { StoredReuse, type ReuseClaim, type ReuseRecord } from "../state/investigation-reuse.js";

export { ReuseClaim, ReuseRecord } from "../state/investigation-reuse.js";

export interface DuplicateReuse {
  /**
   * The investigation to reuse for this alert, or null when it must be investigated (then this
   * replica may hold the fingerprint's claim until `settle`). Waits while another alert with the
   * same fingerprint is being investigated, calling `onWait` now and then.
   */
  find(msg: EnrichedMessage, onWait?: () => void): Promise<Investigation | null>;
  /** Keeps an LLM investigation for the duplicates that follow; with anything else, gives the claim up so they investigate. */
  settle(msg: EnrichedMessage, investigation: Investigation | null): Promise<void>;
}

export interface DuplicateReuseOptions {
  now?: () => number;
  /** A claim older than this is abandoned (its holder crashed) and taken over; also the longest a duplicate waits. */
  claimTimeoutMs?: number;
  /** How often a waiting duplicate looks again. */
  pollMs?: number;
  /** Told of a record that does not match its schema (it is then investigated afresh and overwritten). */
  onInvalid?: (key: string, problem: string) => void;
}

const indicatorsOf = (msg: EnrichedMessage) => [...new Set(msg.alert.iocs.map((i) => `${i.type}:${i.value.toLowerCase()}`))].sort();

/** Whether `msg` adds nothing to what the first alert (its severity and indicators) had. */
function addsNothing(msg: EnrichedMessage, first: { severity: Severity; indicators: string[] }): boolean {
  if (SEVERITY_RANK[msg.alert.severity] > SEVERITY_RANK[first.severity]) return false;
  const known = new Set(first.indicators);
  return indicatorsOf(msg).every((i) => known.has(i));
}

export function duplicateReuse(kv: KV, windowMs: number, opts: DuplicateReuseOptions | (() => number) = {}): DuplicateReuse {
  const o = typeof opts === "function" ? { now: opts } : opts;
  const now = o.now ?? Date.now;
  const claimTimeoutMs = o.claimTimeoutMs ?? 180_000;
  const pollMs = o.pollMs ?? 100;
  /** Claims this replica holds: fingerprint → the revision it wrote. */
  const held = new Map<string, number>();

  const read = (e: KvEntry | null) => {
    if (!e || e.operation !== "PUT" || e.length === 0) return null;
    let parsed: ReturnType<typeof StoredReuse.safeParse>;
    try {
      parsed = StoredReuse.safeParse(e.json());
    } catch {
      o.onInvalid?.(e.key, "not JSON");
      return null;
    }
    if (parsed.success) return parsed.data;
    // An unreadable record is investigated afresh and overwritten, and said.
    o.onInvalid?.(e.key, summarizeIssues(parsed.error));
    return null;
  };
  const claimOf = (msg: EnrichedMessage): string => JSON.stringify({
    claim: true, alertId: msg.alertId, claimedAt: new Date(now()).toISOString(), severity: msg.alert.severity, indicators: indicatorsOf(msg),
  } satisfies ReuseClaim);

  /** Takes the fingerprint's claim: true when this replica now holds it. */
  async function claim(msg: EnrichedMessage, over: KvEntry | null): Promise<boolean> {
    const key = msg.alert.fingerprint;
    try {
      const rev = over ? await kv.update(key, claimOf(msg), over.revision) : await kv.create(key, claimOf(msg));
      held.set(key, rev);
      return true;
    } catch {
      return false; // another replica claimed or recorded it first: look again
    }
  }

  return {
    async find(msg, onWait) {
      const key = msg.alert.fingerprint;
      const waitUntil = now() + claimTimeoutMs;
      let lastSignal = now();
      for (;;) {
        const entry = await kv.get(key);
        const r = read(entry);
        if (r && !("claim" in r)) {
          // A finished LLM investigation of the fingerprint.
          const fresh = now() - Date.parse(r.investigatedAt) <= windowMs;
          if (fresh && r.alertId !== msg.alertId && addsNothing(msg, r)) {
            return { ...r.investigation, reusedFrom: { alertId: r.alertId, investigatedAt: r.investigatedAt } };
          }
          if (fresh && r.alertId !== msg.alertId) return null; // it adds something: investigated again, no claim needed
          if (await claim(msg, entry)) return null; // expired, or a redelivery of the first alert itself
          continue;
        }
        if (r && "claim" in r) {
          const stale = now() - Date.parse(r.claimedAt) > claimTimeoutMs;
          if (r.alertId === msg.alertId || stale) {
            if (await claim(msg, entry)) return null;
            continue;
          }
          if (!addsNothing(msg, r)) return null; // it will not reuse that answer anyway: no waiting
          if (now() >= waitUntil) return null;
          if (onWait && now() - lastSignal > 5_000) { onWait(); lastSignal = now(); }
          await new Promise((res) => setTimeout(res, pollMs));
          continue;
        }
        // Nothing there (create also takes a deleted key), or something unreadable (replaced by revision): this alert is the first.
        if (await claim(msg, entry && entry.operation === "PUT" ? entry : null)) return null;
      }
    },
    async settle(msg, investigation) {
      const key = msg.alert.fingerprint;
      const rev = held.get(key);
      held.delete(key);
      // Only an alert's own LLM answer: not a reused one, nor one the incident's work covered (incident-batch.ts keeps those).
      if (investigation && investigation.analyst === "llm" && !investigation.reusedFrom && !investigation.coveredBy) {
        const record: ReuseRecord = {
          alertId: msg.alertId, investigatedAt: new Date(now()).toISOString(), severity: msg.alert.severity,
          indicators: indicatorsOf(msg), investigation: { ...investigation, reusedFrom: null },
        };
        await kv.put(key, JSON.stringify(record));
        return;
      }
      // No LLM answer (rules fallback, error): give the claim up, so the duplicates waiting investigate themselves.
      if (rev !== undefined) await kv.delete(key, { previousSeq: rev }).catch(() => undefined);
    },
  };
}
