// Investigation-reuse records (bucket investigationReuse, keyed by alert fingerprint): the first
// LLM investigation of a fingerprint, kept for the duplicates inside the reuse window, or a claim
// on it while it is under way. Read by the investigator (investigator/duplicate-reuse.ts).
import { z } from "zod";
import { Investigation, IsoTime, Severity } from "@secops/contracts";

export const ReuseRecord = z.object({
  alertId: z.string(),
  investigatedAt: IsoTime,
  severity: Severity,
  indicators: z.array(z.string()),
  investigation: Investigation,
});
export type ReuseRecord = z.infer<typeof ReuseRecord>;

/**
 * An LLM investigation under way for a fingerprint: duplicates that arrive meanwhile (a burst)
 * wait for it instead of asking the LLM too. Written with a KV create, so exactly one replica
 * holds it; a claim older than the claim timeout (its holder died) is taken over.
 */
export const ReuseClaim = z.object({
  claim: z.literal(true),
  alertId: z.string(),
  claimedAt: IsoTime,
  severity: Severity,
  indicators: z.array(z.string()),
});
export type ReuseClaim = z.infer<typeof ReuseClaim>;

/** What the bucket holds under a fingerprint: a claim or a finished record. */
export const StoredReuse = z.union([ReuseClaim, ReuseRecord]);

