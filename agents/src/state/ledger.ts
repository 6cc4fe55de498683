// The action ledger: one KV key per effect. A replica claims the key (create-only) before it
// acts and records the outcome after, so a redelivered or replayed decision finds the key and
// does not act again. A claim without an outcome means a replica died mid-action; once the
// claim's lease has run out another replica may take it over with a compare-and-set, so only
// one of several racing replicas wins. Connectors receive the action id as their idempotency
// key, which makes the retried call harmless where the target API supports it.
import type { KV } from "@nats-io/kv";
import type { ActionType, Execution } from "@secops/contracts";
import { createJson, getJson, updateJson, type Versioned } from "./kv.js";
import { LedgerEntry, type Compensation } from "./records.js";
import { sha256Hex } from "../shared/hash.js";

/** The idempotency key of an effect: the same activity, action and target is one effect. */
export function actionIdFor(fingerprint: string, action: ActionType, target: string | null): string {
  return sha256Hex(JSON.stringify([fingerprint, action, target ?? ""]));
}

export type ClaimResult =
  | { kind: "claimed"; entry: LedgerEntry; revision: number }
  | { kind: "duplicate"; entry: LedgerEntry }
  /** Someone else holds a live claim; try again after the lease runs out. */
  | { kind: "busy"; entry: LedgerEntry; retryAfterMs: number };

export class Ledger {
  constructor(
    readonly kv: KV,
    private readonly opts: { instance: string; leaseMs: number; now: () => Date },
  ) {}

  async get(actionId: string): Promise<Versioned<LedgerEntry> | null> {
    return getJson(this.kv, actionId, LedgerEntry);
  }

  async claim(fresh: Omit<LedgerEntry, "state" | "claimedAt" | "claimedBy" | "attempts" | "finishedAt" | "execution" | "compensation" | "undone" | "retryable">): Promise<ClaimResult> {
    const now = this.opts.now();
    const entry: LedgerEntry = {
      ...fresh, state: "claimed", claimedAt: now.toISOString(), claimedBy: this.opts.instance, attempts: 1,
      finishedAt: null, execution: null, compensation: null, undone: null, retryable: false,
    };
    for (let i = 0; i < 5; i++) {
      const rev = await createJson(this.kv, fresh.actionId, entry);
      if (rev !== null) return { kind: "claimed", entry, revision: rev };
      const cur = await this.get(fresh.actionId);
      if (!cur) continue; // deleted between our create and get: create again
      const held = cur.value;
      const takeOver = held.state === "failed" && held.retryable
        ? true
        : held.state === "claimed" && now.getTime() - Date.parse(held.claimedAt) >= this.opts.leaseMs;
      if (held.state !== "claimed" && !takeOver) return { kind: "duplicate", entry: held };
      if (!takeOver) {
        return { kind: "busy", entry: held, retryAfterMs: Math.max(100, Date.parse(held.claimedAt) + this.opts.leaseMs - now.getTime()) };
      }
      // Compare-and-set on the revision we read: of several replicas taking over, one wins.
      const next: LedgerEntry = { ...held, state: "claimed", claimedAt: now.toISOString(), claimedBy: this.opts.instance, attempts: held.attempts + 1, retryable: false };
      const rev2 = await updateJson(this.kv, fresh.actionId, next, cur.revision);
      if (rev2 !== null) return { kind: "claimed", entry: next, revision: rev2 };
    }
    const cur = await this.get(fresh.actionId);
    if (cur) return { kind: "busy", entry: cur.value, retryAfterMs: this.opts.leaseMs };
    throw new Error(`ledger key ${fresh.actionId} could not be claimed`);
  }

  /**
   * Records the outcome on the revision of our claim. Returns false when the claim was taken
   * over meanwhile (our lease ran out): the other replica's outcome stands.
   */
  async finish(claim: { entry: LedgerEntry; revision: number }, outcome: { execution: Execution; compensation: Compensation | null; failed?: boolean; retryable?: boolean }): Promise<boolean> {
    const done: LedgerEntry = {
      ...claim.entry,
      state: outcome.failed ? "failed" : "done",
      finishedAt: this.opts.now().toISOString(),
      execution: outcome.execution,
      compensation: outcome.compensation,
      retryable: Boolean(outcome.failed && outcome.retryable),
    };
    return (await updateJson(this.kv, claim.entry.actionId, done, claim.revision)) !== null;
  }

  /** Marks an executed entry as reversed; false if it was already undone or is not done. */
  async markUndone(actionId: string, undone: NonNullable<LedgerEntry["undone"]>): Promise<boolean> {
    for (let i = 0; i < 10; i++) {
      const cur = await this.get(actionId);
      if (!cur || cur.value.state !== "done" || cur.value.undone) return false;
      if ((await updateJson(this.kv, actionId, { ...cur.value, undone }, cur.revision)) !== null) return true;
    }
    return false;
  }
}
