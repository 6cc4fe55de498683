// The ledger on its own, on a real nats-server KV bucket, with a clock the test moves: claim,
// busy, take-over, validity windows, recording outcomes through failures, undo. The responder
// tests (agents/test/responder/ledger*.test.ts) cover the same rules through whole decisions;
// these are the fast ones `npm run mutation` uses on agents/src/state/ledger.ts.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Kvm, type KV } from "@nats-io/kv";
import type { Execution } from "@secops/contracts";
import { startNats, type TestNats } from "../harness/nats.js";
import { openBucket } from "../../src/runtime/provision.js";
import { PermanentError, TransientError } from "../../src/runtime/errors.js";
import { Ledger, actionIdFor, inForce, windowKey, type Claim, type ClaimResult, type FreshEntry, type LedgerOptions } from "../../src/state/ledger.js";
import type { LedgerEntry } from "../../src/state/records.js";

let nats: TestNats;
let nc: NatsConnection;
beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

const T0 = Date.parse("2026-11-23T10:00:00.000Z");

/** A clock the test sets by hand. */
function clock(start = T0) {
  let t = start;
  return { now: () => new Date(t), set: (ms: number) => (t = ms), advance: (ms: number) => (t += ms) };
}

async function bucket(): Promise<KV> {
  return openBucket(nc, `ledger${randomBytes(4).toString("hex")}`, { history: 5 });
}

function fresh(over: Partial<FreshEntry> = {}): FreshEntry {
  return { actionId: randomBytes(8).toString("hex"), alertId: "alert-1", fingerprint: "f".repeat(64), action: "BLOCK_IP", target: "203.0.113.7", mode: "auto", ...over };
}

const execution = (actionId: string, status: Execution["status"] = "success"): Execution => ({
  actionId, action: "BLOCK_IP", status, target: "203.0.113.7", connector: "local", summary: "blocked", details: {}, undo: null, error: null,
});

function claimed(r: ClaimResult): Claim {
  if (r.kind !== "claimed") throw new Error(`expected a claim, got ${r.kind}`);
  return r.claim;
}

function ledgerOn(kv: KV, c: ReturnType<typeof clock>, over: Partial<LedgerOptions> = {}): Ledger {
  return new Ledger(kv, { instance: "a", leaseMs: 20_000, now: c.now, sleep: async () => {}, ...over });
}

/**
 * Another handle on the same bucket whose next `n` calls of `method` are applied (or not) and
 * then answer with `error`, as a NATS timeout after the write landed does.
 */
async function lossyKv(kv: KV, method: "create" | "update", n: number, error: () => Error, applied = true): Promise<KV> {
  const handle = await new Kvm(nc).open((kv as unknown as { bucket: string }).bucket);
  const real = handle[method].bind(handle) as (...a: unknown[]) => Promise<number>;
  let left = n;
  (handle as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
    if (left <= 0) return real(...args);
    left--;
    if (applied) await real(...args);
    throw error();
  };
  return handle;
}

const timeout = () => new TransientError("TIMEOUT", 100);

describe("ledger keys and validity", () => {
  it("the effect id is the hash of fingerprint, action and target; a missing target is the empty one", () => {
    const id = actionIdFor("f".repeat(64), "BLOCK_IP", "203.0.113.7");
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(actionIdFor("f".repeat(64), "CREATE_TICKET", null)).toBe(actionIdFor("f".repeat(64), "CREATE_TICKET", ""));
    expect(actionIdFor("f".repeat(64), "CREATE_TICKET", null)).not.toBe(actionIdFor("f".repeat(64), "BLOCK_IP", null));
  });

  it("window 0 keeps the bare effect id, later windows get .w<n>", () => {
    expect(windowKey("abc", 0)).toBe("abc");
    expect(windowKey("abc", 1)).toBe("abc.w1");
    expect(windowKey("abc", 12)).toBe("abc.w12");
  });

  it("an entry is in force when done, not undone, and not past validUntil", () => {
    const base = { state: "done", undone: null, validUntil: null } as unknown as LedgerEntry;
    const now = new Date(T0);
    expect(inForce(base, now)).toBe(true);
    expect(inForce({ ...base, state: "claimed" }, now)).toBe(false);
    expect(inForce({ ...base, state: "failed" }, now)).toBe(false);
    expect(inForce({ ...base, undone: { by: "x", at: now.toISOString(), undoActionId: "u" } }, now)).toBe(false);
    expect(inForce({ ...base, validUntil: new Date(T0 + 1).toISOString() }, now)).toBe(true);
    expect(inForce({ ...base, validUntil: new Date(T0).toISOString() }, now)).toBe(false);
    expect(inForce({ ...base, validUntil: new Date(T0 - 1).toISOString() }, now)).toBe(false);
  });

  it("heartbeat and staleness default from the lease, and options override them", () => {
    const kv = {} as KV;
    const c = clock();
    expect(ledgerOn(kv, c, { leaseMs: 4_000 })).toMatchObject({ heartbeatMs: 1_000, staleMs: 4_000 });
    expect(ledgerOn(kv, c, { leaseMs: 20_000 })).toMatchObject({ heartbeatMs: 2_000, staleMs: 10_000 });
    expect(ledgerOn(kv, c, { leaseMs: 20_000, heartbeatMs: 500, staleMs: 700 })).toMatchObject({ heartbeatMs: 500, staleMs: 700 });
    expect(ledgerOn(kv, c).now().getTime()).toBe(T0);
  });
});

describe("claiming an effect", () => {
  it("a fresh effect is claimed and stored as claimed by this instance", async () => {
    const kv = await bucket();
    const c = clock();
    const f = fresh();
    const r = await ledgerOn(kv, c).claim(f);
    expect(r).toMatchObject({ kind: "claimed", resumed: false });
    const claim = claimed(r);
    expect(claim.key).toBe(f.actionId);
    const stored = await ledgerOn(kv, c).get(f.actionId);
    expect(stored?.revision).toBe(claim.revision);
    expect(stored?.value).toEqual({
      ...f, state: "claimed", claimedAt: new Date(T0).toISOString(), claimedBy: "a", attempts: 1, finishedAt: null, execution: null,
      compensation: null, undone: null, retryable: false, window: 0, validUntil: null, heartbeatAt: new Date(T0).toISOString(), steps: {},
    });
  });

  it("another alert while a live holder acts is busy, with a retry hint capped by heartbeat and lease", async () => {
    const kv = await bucket();
    const c = clock();
    const f = fresh();
    claimed(await ledgerOn(kv, c, { instance: "a" }).claim(f));
    const other = ledgerOn(kv, c, { instance: "b" });
    c.advance(1_000);
    expect(await other.claim({ ...f, alertId: "alert-2" })).toMatchObject({ kind: "busy", retryAfterMs: 2_000, entry: { claimedBy: "a" } });
    // 19.99 s into a 20 s lease, with a heartbeat just now (staleMs high): the hint is what is left of the lease, at least 50 ms.
    const hb = ledgerOn(kv, c, { instance: "b", staleMs: 60_000 });
    c.set(T0 + 19_000);
    expect(await hb.claim({ ...f, alertId: "alert-2" })).toMatchObject({ kind: "busy", retryAfterMs: 1_000 });
    c.set(T0 + 19_990);
    expect(await hb.claim({ ...f, alertId: "alert-2" })).toMatchObject({ kind: "busy", retryAfterMs: 50 });
  });

  it("a holder gone quiet for staleMs is taken over (not a ms sooner); the new claim counts the attempt and is resumed", async () => {
    const kv = await bucket();
    const c = clock();
    const f = fresh();
    claimed(await ledgerOn(kv, c, { instance: "a" }).claim(f));
    const b = ledgerOn(kv, c, { instance: "b" }); // staleMs 10 s
    c.set(T0 + 9_999);
    expect((await b.claim({ ...f, alertId: "alert-2" })).kind).toBe("busy");
    c.set(T0 + 10_000);
    const r = await b.claim({ ...f, alertId: "alert-2" });
    expect(r).toMatchObject({ kind: "claimed", resumed: true });
    const now = new Date(T0 + 10_000).toISOString();
    expect(claimed(r).entry).toMatchObject({ state: "claimed", claimedBy: "b", claimedAt: now, heartbeatAt: now, attempts: 2, retryable: false, alertId: "alert-1" });
    expect((await b.get(f.actionId))?.value).toMatchObject({ claimedBy: "b", attempts: 2 });
  });

  it("another instance's claim made in the same millisecond is not mistaken for our own lost create", async () => {
    const kv = await bucket();
    const c = clock();
    const f = fresh();
    claimed(await ledgerOn(kv, c, { instance: "b" }).claim(f));
    expect(await ledgerOn(kv, c, { instance: "a" }).claim(f)).toMatchObject({ kind: "busy", entry: { claimedBy: "b" } });
  });

  it("quiet is measured from the last heartbeat, not from the claim", async () => {
    const kv = await bucket();
    const c = clock();
    const f = fresh();
    const claim = claimed(await ledgerOn(kv, c, { instance: "a" }).claim(f));
    c.set(T0 + 8_000);
    expect(await claim.update((e) => ({ ...e, heartbeatAt: c.now().toISOString() }))).toBe(true);
    c.set(T0 + 12_000); // 12 s after the claim, 4 s after the heartbeat; staleMs 10 s
    expect((await ledgerOn(kv, c, { instance: "b" }).claim({ ...f, alertId: "alert-2" })).kind).toBe("busy");
    c.set(T0 + 18_000);
    expect((await ledgerOn(kv, c, { instance: "b" }).claim({ ...f, alertId: "alert-2" })).kind).toBe("claimed");
  });

  it("of several replicas taking over a quiet claim at once, exactly one wins", async () => {
    const kv = await bucket();
    const c = clock();
    const f = fresh();
    claimed(await ledgerOn(kv, c, { instance: "a" }).claim(f));
    c.set(T0 + 15_000);
    const results = await Promise.all(["b", "c", "d"].map((i) => ledgerOn(kv, c, { instance: i }).claim({ ...f, alertId: "alert-2" })));
    expect(results.filter((r) => r.kind === "claimed")).toHaveLength(1);
    expect(results.filter((r) => r.kind === "busy")).toHaveLength(2);
  });

  it("a take-over that loses its race tries again; five lost races answer busy with the heartbeat as the hint", async () => {
    const conflict = () => Object.assign(new Error("wrong last sequence: 1"), { name: "JetStreamApiError" });
    for (const failed of [false, true]) {
      const kv = await bucket();
      const c = clock();
      const f = fresh();
      const a = ledgerOn(kv, c, { instance: "a" });
      const claim = claimed(await a.claim(f));
      if (failed) await a.finish(claim, { execution: execution(f.actionId, "failed"), compensation: null, failed: true, retryable: true });
      c.set(T0 + 15_000);
      const once = await ledgerOn(await lossyKv(kv, "update", 1, conflict, false), c, { instance: "b" }).claim({ ...f, alertId: "alert-2" });
      expect(once).toMatchObject({ kind: "claimed", resumed: true, claim: { entry: { claimedBy: "b" } } });
      const kv2 = await bucket();
      const g = fresh();
      const a2 = ledgerOn(kv2, c, { instance: "a" });
      const claim2 = claimed(await a2.claim(g));
      if (failed) await a2.finish(claim2, { execution: execution(g.actionId, "failed"), compensation: null, failed: true, retryable: true });
      c.set(T0 + 30_000);
      const never = await ledgerOn(await lossyKv(kv2, "update", 5, conflict, false), c, { instance: "b", heartbeatMs: 700 }).claim({ ...g, alertId: "alert-2" });
      expect(never).toMatchObject({ kind: "busy", retryAfterMs: 700, entry: { claimedBy: "a" } });
      c.set(T0);
    }
  });

  it("a claim whose lease is over is taken over even while its holder heartbeats", async () => {
    const kv = await bucket();
    const c = clock();
    const f = fresh();
    const a = ledgerOn(kv, c, { instance: "a", staleMs: 60_000 });
    const claim = claimed(await a.claim(f));
    const b = ledgerOn(kv, c, { instance: "b", staleMs: 60_000 });
    c.set(T0 + 19_999);
    expect(await claim.update((e) => ({ ...e, heartbeatAt: c.now().toISOString() }))).toBe(true);
    expect((await b.claim({ ...f, alertId: "alert-2" })).kind).toBe("busy");
    c.set(T0 + 20_000);
    expect(await b.claim({ ...f, alertId: "alert-2" })).toMatchObject({ kind: "claimed", resumed: true });
    // The old holder's next write finds the claim gone.
    expect(await claim.update((e) => ({ ...e, heartbeatAt: c.now().toISOString() }))).toBe(false);
    expect(claim.lost).toBe(true);
  });

  it("the same alert's claim left behind by this instance (a restart) is resumed at once; one still being worked on here is busy", async () => {
    const kv = await bucket();
    const c = clock();
    const f = fresh();
    const a = ledgerOn(kv, c, { instance: "a" });
    claimed(await a.claim(f));
    c.advance(10);
    // This process is still working on it: busy, not a second claim.
    expect((await a.claim(f)).kind).toBe("busy");
    // Another alert of the same effect, same instance, live: busy too.
    expect((await ledgerOn(kv, c, { instance: "a" }).claim({ ...f, alertId: "alert-2" })).kind).toBe("busy");
    // Another instance with the same alert: busy (it is not its claim).
    expect((await ledgerOn(kv, c, { instance: "b" }).claim(f)).kind).toBe("busy");
    // The same instance after a restart (a new Ledger, nothing active): resumed.
    const restarted = ledgerOn(kv, c, { instance: "a" });
    expect(await restarted.claim(f)).toMatchObject({ kind: "claimed", resumed: true, claim: { entry: { attempts: 2 } } });
  });

  it("released claims are resumed by the same process at once", async () => {
    const kv = await bucket();
    const c = clock();
    const f = fresh();
    const a = ledgerOn(kv, c);
    const claim = claimed(await a.claim(f));
    a.release(claim);
    c.advance(10);
    expect(await a.claim(f)).toMatchObject({ kind: "claimed", resumed: true });
  });

  it("a create whose answer was lost is recognised as our own claim; a permanent error is thrown", async () => {
    const kv = await bucket();
    const c = clock();
    const f = fresh();
    const r = await ledgerOn(await lossyKv(kv, "create", 1, timeout), c).claim(f);
    expect(r).toMatchObject({ kind: "claimed", resumed: false, claim: { entry: { attempts: 1, claimedBy: "a" } } });
    expect(claimed(r).revision).toBe((await ledgerOn(kv, c).get(f.actionId))?.revision);
    // Not applied and a transient error: the key is still free, the create is tried again.
    const g = fresh();
    expect((await ledgerOn(await lossyKv(kv, "create", 1, timeout, false), c).claim(g)).kind).toBe("claimed");
    await expect(ledgerOn(await lossyKv(kv, "create", 1, () => new PermanentError("bad bucket"), false), c).claim(fresh())).rejects.toThrow("bad bucket");
  });

  it("after five creates that fail without landing, a TransientError names the key", async () => {
    const kv = await bucket();
    const f = fresh();
    const l = ledgerOn(await lossyKv(kv, "create", 5, timeout, false), clock());
    await expect(l.claim(f)).rejects.toThrow(TransientError);
    await expect(ledgerOn(await lossyKv(kv, "create", 5, timeout, false), clock()).claim(f)).rejects.toThrow(`ledger key ${f.actionId} could not be claimed`);
    // A sixth try succeeds: five was the limit, not fewer.
    expect((await ledgerOn(await lossyKv(kv, "create", 4, timeout, false), clock()).claim(f)).kind).toBe("claimed");
  });

  it("a failed retryable entry is taken over; a failed final one is the same alert's answer and opens the next window for another", async () => {
    const kv = await bucket();
    const c = clock();
    const f = fresh();
    const a = ledgerOn(kv, c);
    expect(await a.finish(claimed(await a.claim(f)), { execution: execution(f.actionId, "failed"), compensation: null, failed: true, retryable: true })).toBe(true);
    expect((await a.get(f.actionId))?.value).toMatchObject({ state: "failed", retryable: true });
    const again = await ledgerOn(kv, c, { instance: "b" }).claim({ ...f, alertId: "alert-2" });
    expect(again).toMatchObject({ kind: "claimed", resumed: true, claim: { key: f.actionId, entry: { attempts: 2 } } });
    const b = ledgerOn(kv, c, { instance: "b" });
    await b.finish(claimed(again), { execution: execution(f.actionId, "failed"), compensation: null, failed: true, retryable: false });
    expect((await b.get(f.actionId))?.value).toMatchObject({ state: "failed", retryable: false });
    expect(await b.claim(f)).toMatchObject({ kind: "duplicate", entry: { state: "failed" } });
    const next = await b.claim({ ...f, alertId: "alert-3" });
    expect(next).toMatchObject({ kind: "claimed", claim: { key: `${f.actionId}.w1`, entry: { window: 1, actionId: `${f.actionId}.w1` } } });
  });

  it("a done effect: the same alert gets its stored outcome, another alert a duplicate while in force and a new window after", async () => {
    const kv = await bucket();
    const c = clock();
    const f = fresh();
    const a = ledgerOn(kv, c);
    const ex = execution(f.actionId);
    const validUntil = new Date(T0 + 3_600_000).toISOString();
    c.advance(500);
    await a.finish(claimed(await a.claim(f)), { execution: ex, compensation: { kind: "unblock", description: "unblock", ref: {} }, validUntil });
    expect((await a.get(f.actionId))?.value).toMatchObject({
      state: "done", execution: ex, finishedAt: new Date(T0 + 500).toISOString(), retryable: false, validUntil, compensation: { kind: "unblock" },
    });
    expect(await a.claim(f)).toMatchObject({ kind: "duplicate", entry: { execution: ex } });
    expect(await a.claim({ ...f, alertId: "alert-2" })).toMatchObject({ kind: "duplicate" });
    c.set(T0 + 3_600_000);
    const next = await a.claim({ ...f, alertId: "alert-2" });
    expect(next).toMatchObject({ kind: "claimed", resumed: false, claim: { key: `${f.actionId}.w1` } });
    // The first alert's redelivery still finds its own outcome in window 0.
    expect(await a.claim(f)).toMatchObject({ kind: "duplicate", entry: { alertId: "alert-1", execution: ex } });
  });

  it("an outcome recorded as done with a failed flag left out is done, never retryable, valid until undone", async () => {
    const kv = await bucket();
    const c = clock();
    const f = fresh();
    const a = ledgerOn(kv, c);
    await a.finish(claimed(await a.claim(f)), { execution: execution(f.actionId), compensation: null, retryable: true });
    expect((await a.get(f.actionId))?.value).toMatchObject({ state: "done", retryable: false, validUntil: null });
  });
});

describe("writing under a claim", () => {
  it("update writes on our revision; a write another replica made in between loses the claim for good", async () => {
    const kv = await bucket();
    const c = clock();
    const f = fresh();
    const a = ledgerOn(kv, c);
    const claim = claimed(await a.claim(f));
    const rev0 = claim.revision;
    expect(await claim.update((e) => ({ ...e, heartbeatAt: "2026-11-23T10:00:01.000Z" }))).toBe(true);
    expect(claim.revision).toBeGreaterThan(rev0);
    expect(claim.entry.heartbeatAt).toBe("2026-11-23T10:00:01.000Z");
    // Another replica takes the key over.
    const cur = (await a.get(f.actionId))!;
    await kv.update(f.actionId, JSON.stringify({ ...cur.value, claimedBy: "b", claimedAt: "2026-11-23T10:00:30.000Z" }), cur.revision);
    expect(await claim.update((e) => ({ ...e, heartbeatAt: "2026-11-23T10:00:02.000Z" }))).toBe(false);
    expect(claim.lost).toBe(true);
    expect((await a.get(f.actionId))?.value.claimedBy).toBe("b");
    expect(await a.writeOwn(claim, claim.entry)).toBe(false);
  });

  for (const [who, over] of [
    ["another instance in the same millisecond", { claimedBy: "b" }],
    ["this instance again, later (a restarted process resumed it)", { claimedAt: "2026-11-23T10:00:30.000Z", attempts: 2 }],
  ] as const) {
    it(`a claim taken over by ${who} is lost: our write does not land on top of theirs`, async () => {
      const kv = await bucket();
      const a = ledgerOn(kv, clock());
      const claim = claimed(await a.claim(fresh()));
      const cur = (await a.get(claim.key))!;
      const theirs = { ...cur.value, ...over };
      await kv.update(claim.key, JSON.stringify(theirs), cur.revision);
      expect(await claim.update((e) => ({ ...e, steps: { edr: { summary: "late", ref: {} } } }))).toBe(false);
      expect(claim.lost).toBe(true);
      expect((await a.get(claim.key))!.value).toEqual(theirs);
    });
  }

  it("a claim whose write on top of our own earlier write also loses its race is lost, not recorded", async () => {
    const conflict = () => Object.assign(new Error("wrong last sequence: 1"), { name: "JetStreamApiError" });
    const kv = await bucket();
    const a = ledgerOn(await lossyKv(kv, "update", 2, conflict, false), clock());
    const claim = claimed(await a.claim(fresh()));
    expect(await claim.update((e) => ({ ...e, steps: { edr: { summary: "s", ref: {} } } }))).toBe(false);
    expect(claim.lost).toBe(true);
  });

  it("a claim whose key was deleted meanwhile is lost", async () => {
    const kv = await bucket();
    const a = ledgerOn(kv, clock());
    const claim = claimed(await a.claim(fresh()));
    await kv.delete(claim.key);
    expect(await claim.update((e) => ({ ...e, steps: {} }))).toBe(false);
    expect(claim.lost).toBe(true);
  });

  it("a write of ours that landed without its answer counts, and a later write goes on top of it", async () => {
    const kv = await bucket();
    const c = clock();
    const f = fresh();
    // The first update lands and answers with a timeout.
    const l = ledgerOn(await lossyKv(kv, "update", 1, timeout), c);
    const claim = claimed(await l.claim(f));
    await expect(claim.update((e) => ({ ...e, heartbeatAt: "2026-11-23T10:00:01.000Z" }))).rejects.toThrow("TIMEOUT");
    // Our next write is based on the revision before: it conflicts, finds our earlier write there, and writes on top.
    expect(await claim.update((e) => ({ ...e, steps: { local: { summary: "s", ref: {} } } }))).toBe(true);
    const stored = (await l.get(f.actionId))!;
    expect(stored.value.steps).toEqual({ local: { summary: "s", ref: {} } });
    expect(claim.revision).toBe(stored.revision);
    expect(claim.lost).toBe(false);
  });

  it("the same write landing without its answer is recognised as done", async () => {
    const kv = await bucket();
    const c = clock();
    const f = fresh();
    const l = ledgerOn(await lossyKv(kv, "update", 1, timeout), c);
    const claim = claimed(await l.claim(f));
    const next = { ...claim.entry, heartbeatAt: "2026-11-23T10:00:01.000Z" };
    await expect(l.writeOwn(claim, next)).rejects.toThrow("TIMEOUT");
    expect(await l.writeOwn(claim, next)).toBe(true);
    const stored = (await l.get(f.actionId))!;
    expect(claim.revision).toBe(stored.revision);
    expect(claim.entry).toEqual(next);
  });

  it("the heartbeat refreshes heartbeatAt until stopped", async () => {
    const kv = await bucket();
    let t = T0;
    const l = new Ledger(kv, { instance: "a", leaseMs: 20_000, heartbeatMs: 20, now: () => new Date(t) });
    const claim = claimed(await l.claim(fresh()));
    t = T0 + 5_000;
    claim.startHeartbeat();
    claim.startHeartbeat();
    await new Promise((r) => setTimeout(r, 120));
    claim.stopHeartbeat();
    await claim.update((e) => e); // wait for any heartbeat in flight
    const after = (await l.get(claim.key))!;
    expect(after.value.heartbeatAt).toBe(new Date(T0 + 5_000).toISOString());
    t = T0 + 9_000;
    await new Promise((r) => setTimeout(r, 80));
    expect((await l.get(claim.key))!.value.heartbeatAt).toBe(new Date(T0 + 5_000).toISOString());
    expect((await l.get(claim.key))!.revision).toBe(after.revision);
  });

  it("recordStep adds a connector step to those recorded before", async () => {
    const kv = await bucket();
    const l = ledgerOn(kv, clock());
    const claim = claimed(await l.claim(fresh()));
    await l.recordStep(claim, "firewall", { summary: "blocked", ref: { rule: 1 } });
    await l.recordStep(claim, "edr", { summary: "isolated", ref: {} });
    expect((await l.get(claim.key))!.value.steps).toEqual({ firewall: { summary: "blocked", ref: { rule: 1 } }, edr: { summary: "isolated", ref: {} } });
  });

  it("recording an outcome retries transient failures with the pipeline's backoff, doubling to a 2 s cap", async () => {
    const kv = await bucket();
    const sleeps: number[] = [];
    const f = fresh();
    const l = ledgerOn(await lossyKv(kv, "update", 7, timeout, false), clock(), { sleep: async (ms) => void sleeps.push(ms) });
    const claim = claimed(await l.claim(f));
    expect(await l.finish(claim, { execution: execution(f.actionId), compensation: null })).toBe(true);
    // The pipeline's one backoff (shared/retry.ts): from 100 ms doubling to a 2 s cap, each wait between half and all of it.
    const ceilings = [100, 200, 400, 800, 1600, 2000, 2000];
    expect(sleeps).toHaveLength(7);
    sleeps.forEach((ms, i) => {
      expect(ms, `retry ${i}`).toBeGreaterThanOrEqual(ceilings[i]! / 2);
      expect(ms, `retry ${i}`).toBeLessThanOrEqual(ceilings[i]!);
    });
    expect((await l.get(f.actionId))!.value.state).toBe("done");
  });

  it("a permanent failure, or transient ones past recordForMs, give up with a TransientError naming the attempts", async () => {
    const kv = await bucket();
    const f = fresh();
    const l = ledgerOn(await lossyKv(kv, "update", 1, () => new PermanentError("denied"), false), clock());
    const claim = claimed(await l.claim(f));
    const err = await l.finish(claim, { execution: execution(f.actionId), compensation: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toBe(`could not record the outcome of ${f.actionId} after 1 attempts: denied`);
    // recordForMs 0: the first transient failure already is past the deadline.
    const g = fresh();
    const l2 = ledgerOn(await lossyKv(kv, "update", 1, timeout, false), clock(), { recordForMs: 0 });
    await expect(l2.recordStep(claimed(await l2.claim(g)), "edr", { summary: "s", ref: {} })).rejects.toThrow(`could not record the edr step of ${g.actionId} after 1 attempts`);
    // The default allows 30 s of retries.
    const h = fresh();
    const l3 = ledgerOn(await lossyKv(kv, "update", 2, timeout, false), clock());
    expect(await l3.finish(claimed(await l3.claim(h)), { execution: execution(h.actionId), compensation: null })).toBe(true);
  });

  it("without an injected sleep, retries really wait (at least 50 ms after the first failure)", async () => {
    const kv = await bucket();
    const f = fresh();
    const l = new Ledger(await lossyKv(kv, "update", 1, timeout, false), { instance: "a", leaseMs: 20_000, now: clock().now });
    const claim = claimed(await l.claim(f));
    const started = performance.now();
    expect(await l.finish(claim, { execution: execution(f.actionId), compensation: null })).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it("recordForMs bounds the retrying in time, and the error keeps the last failure as its cause", async () => {
    const kv = await bucket();
    const f = fresh();
    const failure = new TransientError("TIMEOUT", 100);
    const l = ledgerOn(await lossyKv(kv, "update", 50, () => failure, false), clock(), { recordForMs: 5, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 10))) });
    const claim = claimed(await l.claim(f));
    const err = await l.finish(claim, { execution: execution(f.actionId), compensation: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(new RegExp(`^could not record the outcome of ${f.actionId} after [1-3] attempts: TIMEOUT$`));
    expect((err as Error).cause).toBe(failure);
    expect((err as TransientError).retryAfterMs).toBe(2_000);
  });

  it("finish stops the heartbeat and frees the key in this process even when recording fails", async () => {
    const kv = await bucket();
    const c = clock();
    const f = fresh();
    const l = ledgerOn(await lossyKv(kv, "update", 1, () => new PermanentError("denied"), false), c);
    const claim = claimed(await l.claim(f));
    await expect(l.finish(claim, { execution: execution(f.actionId), compensation: null })).rejects.toThrow(TransientError);
    c.advance(10);
    // Not active any more: the same alert's redelivery resumes its claim instead of waiting.
    expect(await l.claim(f)).toMatchObject({ kind: "claimed", resumed: true });
  });
});

describe("undo", () => {
  it("marks a done entry undone once; claimed, failed, missing or already undone entries are not", async () => {
    const kv = await bucket();
    const c = clock();
    const l = ledgerOn(kv, c);
    const undone = { by: "alice", at: new Date(T0).toISOString(), undoActionId: "u1" };
    const f = fresh();
    await l.finish(claimed(await l.claim(f)), { execution: execution(f.actionId), compensation: null });
    expect(await l.markUndone(f.actionId, undone)).toBe(true);
    expect((await l.get(f.actionId))!.value.undone).toEqual(undone);
    expect(await l.markUndone(f.actionId, { ...undone, by: "bob" })).toBe(false);
    expect((await l.get(f.actionId))!.value.undone).toEqual(undone);
    const g = fresh();
    claimed(await l.claim(g));
    expect(await l.markUndone(g.actionId, undone)).toBe(false);
    const h = fresh();
    await l.finish(claimed(await l.claim(h)), { execution: execution(h.actionId, "failed"), compensation: null, failed: true });
    expect(await l.markUndone(h.actionId, undone)).toBe(false);
    expect(await l.markUndone("missing", undone)).toBe(false);
  });

  it("retries a lost race, and gives up after ten", async () => {
    const kv = await bucket();
    const c = clock();
    const f = fresh();
    const l = ledgerOn(kv, c);
    await l.finish(claimed(await l.claim(f)), { execution: execution(f.actionId), compensation: null });
    const undone = { by: "alice", at: new Date(T0).toISOString(), undoActionId: "u1" };
    const conflict = () => Object.assign(new Error("wrong last sequence: 1"), { name: "JetStreamApiError" });
    expect(await ledgerOn(await lossyKv(kv, "update", 9, conflict, false), c).markUndone(f.actionId, undone)).toBe(true);
    const g = fresh();
    await l.finish(claimed(await l.claim(g)), { execution: execution(g.actionId), compensation: null });
    expect(await ledgerOn(await lossyKv(kv, "update", 10, conflict, false), c).markUndone(g.actionId, undone)).toBe(false);
  });
});
