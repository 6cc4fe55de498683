// The action ledger: one KV key per effect and validity window. A replica claims the key
// (create-only) before it acts and records the outcome after, so a redelivered or replayed
// decision finds the key and does not act again. Time is part of the model: an effect that
// expired (a 24 h block) or was undone is no longer in force, and the same activity coming back
// opens the next window under the next key, so it is applied again instead of answering
// "duplicate" forever. A holder heartbeats its claim while it acts: a claim whose holder went
// quiet, or the same alert's own claim left behind by an earlier delivery, is taken over at
// once (the lease is only the ceiling), with a compare-and-set so only one of several racing
// replicas wins; a claim by a live holder is retried after a short backoff. Connectors receive
// the action id as their idempotency key, which makes the retried call harmless where the
// target API supports it.
import type { KV } from "@nats-io/kv";
import type { ActionType, Execution } from "@secops/contracts";
import { createJson, getJson, updateJson, type Versioned } from "./kv.js";
import { LedgerEntry, type Compensation } from "./records.js";
import { sha256Hex } from "../shared/hash.js";
import { backoffDelayMs } from "../shared/retry.js";
import { classifyError, errorMessage, TransientError } from "../runtime/errors.js";

/** The idempotency key of an effect: the same activity, action and target is one effect. */
export function actionIdFor(fingerprint: string, action: ActionType, target: string | null): string {
  return sha256Hex(JSON.stringify([fingerprint, action, target ?? ""]));
}

/** The ledger key of an effect's validity window: window 0 keeps the bare effect id. */
export function windowKey(effectId: string, window: number): string {
  return window === 0 ? effectId : `${effectId}.w${window}`;
}

/** Whether a finished entry's effect is still in force at `now`: done, not undone, not expired. */
export function inForce(e: LedgerEntry, now: Date): boolean {
  if (e.state !== "done" || e.undone) return false;
  return !e.validUntil || Date.parse(e.validUntil) > now.getTime();
}

export type ClaimResult =
  /** `resumed`: an earlier attempt held this key and its outcome is unknown; reconcile before acting. */
  | { kind: "claimed"; claim: Claim; resumed: boolean }
  | { kind: "duplicate"; entry: LedgerEntry }
  /** A live holder is acting; try again shortly (retryAfterMs is only a hint, capped by its lease). */
  | { kind: "busy"; entry: LedgerEntry; retryAfterMs: number };

export type FreshEntry = Pick<LedgerEntry, "actionId" | "alertId" | "fingerprint" | "action" | "target" | "mode">;

export interface LedgerOptions {
  instance: string;
  leaseMs: number;
  now: () => Date;
  /** How often a holder heartbeats its claim; default min(2 s, lease / 4). */
  heartbeatMs?: number;
  /** A claim without a heartbeat for this long is abandoned; default min(lease, 5 heartbeats). */
  staleMs?: number;
  /** How long recording an outcome keeps retrying before it gives up (the redelivery resumes). */
  recordForMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A claim this process holds: every write to it goes through here, one at a time, on its revision. */
export class Claim {
  #chain: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  /** Set once another replica took the key over: our outcome will not be recorded. */
  lost = false;

  constructor(private readonly ledger: Ledger, public entry: LedgerEntry, public revision: number) {}

  get key(): string {
    return this.entry.actionId;
  }

  /** Compare-and-set of our own entry, serialized with the heartbeat. False when the claim was lost. */
  update(change: (e: LedgerEntry) => LedgerEntry): Promise<boolean> {
    const next = this.#chain.then(() => this.ledger.writeOwn(this, change(this.entry)));
    this.#chain = next.catch(() => undefined);
    return next;
  }

  startHeartbeat(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      void this.update((e) => ({ ...e, heartbeatAt: this.ledger.now().toISOString() })).catch(() => undefined);
    }, this.ledger.heartbeatMs);
    this.#timer.unref();
  }

  stopHeartbeat(): void {
    // Stryker disable next-line ConditionalExpression: equivalent: clearInterval(null) does nothing
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}

export class Ledger {
  readonly heartbeatMs: number;
  readonly staleMs: number;
  /** Keys this process holds a live claim on (its own earlier claims are resumed, these are not). */
  readonly #active = new Set<string>();
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(
    readonly kv: KV,
    private readonly opts: LedgerOptions,
  ) {
    this.heartbeatMs = opts.heartbeatMs ?? Math.min(2_000, opts.leaseMs / 4);
    this.staleMs = opts.staleMs ?? Math.min(opts.leaseMs, this.heartbeatMs * 5);
    this.#sleep = opts.sleep ?? defaultSleep;
  }

  now(): Date {
    return this.opts.now();
  }

  async get(actionId: string): Promise<Versioned<LedgerEntry> | null> {
    return getJson(this.kv, actionId, LedgerEntry);
  }

  /**
   * Claims an effect. Walks the effect's validity windows: the same alert's entry in any window
   * is its own (a redelivery: its stored outcome, or its claim resumed); an entry still in force
   * makes another alert's request a duplicate; an effect no longer in force opens the next window.
   */
  async claim(fresh: FreshEntry): Promise<ClaimResult> {
    const effectId = fresh.actionId;
    // Stryker disable next-line EqualityOperator: equivalent: a cap of 10000 or 10001 windows, never reached
    for (let window = 0; window < 10_000; window++) {
      const key = windowKey(effectId, window);
      const r = await this.#claimKey({ ...fresh, actionId: key }, window);
      if (r !== "next") return r;
    }
    // Stryker disable next-line StringLiteral: reached only after 10000 windows of one effect; the text is a message
    throw new Error(`effect ${effectId} has more than 10000 validity windows`);
  }

  async #claimKey(fresh: FreshEntry, window: number): Promise<ClaimResult | "next"> {
    for (let i = 0; i < 5; i++) {
      const now = this.opts.now();
      const entry: LedgerEntry = {
        ...fresh, state: "claimed", claimedAt: now.toISOString(), claimedBy: this.opts.instance, attempts: 1,
        finishedAt: null, execution: null, compensation: null, undone: null, retryable: false,
        window, validUntil: null, heartbeatAt: now.toISOString(), steps: {},
      };
      let rev: number | null;
      try {
        rev = await createJson(this.kv, fresh.actionId, entry);
      } catch (e) {
        // The create may have been stored although its answer was lost: the read below tells.
        if (classifyError(e) === "permanent") throw e;
        rev = null;
      }
      // Stryker disable next-line ConditionalExpression: equivalent: without it the read below recognises our own create (held.claimedAt === entry.claimedAt)
      if (rev !== null) return this.#won(entry, rev, false);
      const cur = await this.get(fresh.actionId);
      if (!cur) continue; // deleted between our create and get, or the create failed: create again
      const held = cur.value;
      if (held.claimedBy === this.opts.instance && held.claimedAt === entry.claimedAt && held.state === "claimed" && !this.#active.has(fresh.actionId)) {
        return this.#won(held, cur.revision, false); // our own create, whose answer was lost
      }
      const ownAlert = held.alertId === fresh.alertId;
      if (held.state === "claimed") {
        const beat = Date.parse(held.heartbeatAt ?? held.claimedAt);
        const leaseOver = now.getTime() - Date.parse(held.claimedAt) >= this.opts.leaseMs;
        const quiet = now.getTime() - beat >= this.staleMs;
        // Our own claim that nobody in this process works on: an earlier delivery failed to record.
        const abandonedByUs = ownAlert && held.claimedBy === this.opts.instance && !this.#active.has(fresh.actionId);
        if (!leaseOver && !quiet && !abandonedByUs) {
          const untilLease = Date.parse(held.claimedAt) + this.opts.leaseMs - now.getTime();
          return { kind: "busy", entry: held, retryAfterMs: Math.max(50, Math.min(untilLease, this.heartbeatMs)) };
        }
        const taken = await this.#takeOver(cur);
        if (taken) return taken;
        continue;
      }
      // Stryker disable next-line ConditionalExpression: equivalent for the state test: only failed outcomes are ever stored retryable (finish)
      if (held.state === "failed" && held.retryable) {
        const taken = await this.#takeOver(cur);
        if (taken) return taken;
        continue;
      }
      // Finished. The same alert's own entry is its answer; an effect in force is a duplicate.
      if (ownAlert || inForce(held, now)) return { kind: "duplicate", entry: held };
      return "next";
    }
    const cur = await this.get(fresh.actionId);
    if (cur) return { kind: "busy", entry: cur.value, retryAfterMs: this.heartbeatMs };
    throw new TransientError(`ledger key ${fresh.actionId} could not be claimed`, this.heartbeatMs);
  }

  #won(entry: LedgerEntry, revision: number, resumed: boolean): ClaimResult {
    this.#active.add(entry.actionId);
    return { kind: "claimed", claim: new Claim(this, entry, revision), resumed };
  }

  /** Compare-and-set on the revision we read: of several replicas taking over, one wins. */
  async #takeOver(cur: Versioned<LedgerEntry>): Promise<ClaimResult | null> {
    const now = this.opts.now().toISOString();
    const next: LedgerEntry = { ...cur.value, state: "claimed", claimedAt: now, heartbeatAt: now, claimedBy: this.opts.instance, attempts: cur.value.attempts + 1, retryable: false };
    const rev = await updateJson(this.kv, cur.value.actionId, next, cur.revision);
    return rev === null ? null : this.#won(next, rev, true);
  }

  /**
   * Writes our claim's entry. A write whose answer was lost may have been stored: a conflict is
   * then checked against what is there, and a claim another replica took over is reported lost.
   */
  async writeOwn(claim: Claim, next: LedgerEntry): Promise<boolean> {
    // Stryker disable next-line ConditionalExpression: equivalent: a lost claim's CAS below fails and the read-back is not ours, with the same answer
    if (claim.lost) return false;
    const rev = await updateJson(this.kv, claim.key, next, claim.revision);
    // Stryker disable next-line ConditionalExpression,BlockStatement: equivalent: without it the read-back finds our write and records the same entry and revision
    if (rev !== null) {
      claim.entry = next;
      claim.revision = rev;
      return true;
    }
    const cur = await this.get(claim.key);
    // Stryker disable next-line ConditionalExpression,BlockStatement: equivalent: the branch below then writes the same entry again on top, with the same answer
    if (cur && JSON.stringify(cur.value) === JSON.stringify(next)) {
      claim.entry = next;
      claim.revision = cur.revision;
      return true;
    }
    if (cur && cur.value.claimedBy === this.opts.instance && cur.value.claimedAt === claim.entry.claimedAt) {
      // Still ours: an earlier write of ours landed without its answer. Write again on top of it.
      claim.revision = cur.revision;
      claim.entry = cur.value;
      const rev2 = await updateJson(this.kv, claim.key, next, cur.revision);
      if (rev2 !== null) {
        claim.entry = next;
        claim.revision = rev2;
        return true;
      }
    }
    claim.lost = true;
    return false;
  }

  /** Records a connector step done under the claim, so a resumed claim does not repeat it. */
  async recordStep(claim: Claim, connector: string, result: { summary: string; ref: Record<string, unknown> }): Promise<void> {
    await this.#persist(claim, (e) => ({ ...e, steps: { ...e.steps, [connector]: result } }), `the ${connector} step of ${claim.key}`);
  }

  /**
   * Records the outcome on our claim, retrying transient failures (NATS away, timeouts) until it
   * sticks or `recordForMs` ran out; then throws a TransientError, and the redelivery resumes the
   * claim. Returns false when the claim was taken over meanwhile: the other replica's outcome stands.
   */
  async finish(claim: Claim, outcome: { execution: Execution; compensation: Compensation | null; failed?: boolean; retryable?: boolean; validUntil?: string | null }): Promise<boolean> {
    claim.stopHeartbeat();
    try {
      return await this.#persist(claim, (e) => ({
        ...e,
        state: outcome.failed ? "failed" : "done",
        finishedAt: this.opts.now().toISOString(),
        execution: outcome.execution,
        compensation: outcome.compensation,
        retryable: Boolean(outcome.failed && outcome.retryable),
        validUntil: outcome.validUntil ?? null,
      }), `the outcome of ${claim.key}`);
    } finally {
      this.#active.delete(claim.key);
    }
  }

  /** Lets go of a claim without an outcome (the process is stopping): a redelivery resumes it. */
  release(claim: Claim): void {
    claim.stopHeartbeat();
    this.#active.delete(claim.key);
  }

  async #persist(claim: Claim, change: (e: LedgerEntry) => LedgerEntry, what: string): Promise<boolean> {
    const end = Date.now() + (this.opts.recordForMs ?? 30_000);
    for (let attempt = 1; ; attempt++) {
      try {
        return await claim.update(change);
      } catch (e) {
        if (classifyError(e) === "permanent" || Date.now() >= end) {
          throw new TransientError(`could not record ${what} after ${attempt} attempts: ${errorMessage(e)}`, 2_000, { cause: e });
        }
        await this.#sleep(backoffDelayMs(attempt - 1, { baseMs: 100, capMs: 2_000 }));
      }
    }
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
