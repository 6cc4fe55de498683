// The ledger models time and faults: an expired or undone effect can be applied again, a
// redelivery resumes its own claim, a live holder is waited for briefly (not for its lease),
// outcomes are recorded through NATS trouble, and an unknown outcome is reconciled from the
// effect's own state before anything runs again.
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TimeoutError } from "@nats-io/transport-node";
import type { KV } from "@nats-io/kv";
import { describe, expect, it } from "vitest";
import { TransientError } from "../../src/runtime/errors.js";
import { Ledger, actionIdFor, windowKey } from "../../src/state/ledger.js";
import { BlockRecord, IsolationRecord, type LedgerEntry } from "../../src/state/records.js";
import { getJson } from "../../src/state/kv.js";
import { block, closeFp, decided, fingerprintOf, isolate, ticket, useResponderEnv } from "./fixtures.js";

const env = useResponderEnv();

/** Puts made to a key, from the bucket's own history (the audit trail of effects). */
async function puts(kv: KV, key: string): Promise<number> {
  let n = 0;
  for await (const e of await kv.history({ key })) if (e.operation === "PUT") n++;
  return n;
}

/** A bucket whose first `failures` writes of the given kind throw a NATS timeout; `landed`: the write is stored before the timeout. */
function flaky(kv: KV, o: { op: "create" | "update" | "put"; failures: number; landed?: boolean }): KV {
  let left = o.failures;
  return new Proxy(kv, {
    get(target, prop, recv) {
      const v = Reflect.get(target, prop, recv) as unknown;
      if (prop !== o.op || typeof v !== "function") return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      return async (...args: unknown[]) => {
        if (left > 0) {
          left--;
          if (o.landed) await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          throw new TimeoutError();
        }
        return (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}

const executed = (o: Awaited<ReturnType<Awaited<ReturnType<typeof env.make>>["execute"]>>) => {
  if (o.kind !== "executed") throw new Error(`expected an execution, got ${o.kind}`);
  return o.execution;
};

describe("effects have a validity window", () => {
  it("a blocked address that comes back after its block expired is blocked again", async () => {
    let now = new Date("2026-11-23T10:00:00.000Z");
    const r = await env.make({}, () => now);
    const fp = fingerprintOf("returning-attacker");
    const first = executed(await r.execute(decided(block("198.51.100.200", 1), {}, { fingerprint: fp })));
    expect(first.status).toBe("success");
    // While the block lasts, the same activity from another alert is a duplicate.
    now = new Date(now.getTime() + 30 * 60_000);
    const during = executed(await r.execute(decided(block("198.51.100.200", 1), {}, { fingerprint: fp })));
    expect(during.status).toBe("duplicate");
    expect(during.details).toMatchObject({ validUntil: "2026-11-23T11:00:00.000Z" });
    // Two hours later the block has expired: the attacker coming back is blocked again.
    now = new Date(now.getTime() + 2 * 3600_000);
    const back = executed(await r.execute(decided(block("198.51.100.200", 1), {}, { fingerprint: fp })));
    expect(back.status).toBe("success");
    expect(back.actionId).toBe(windowKey(first.actionId, 1));
    const rec = (await getJson(r.buckets.blocklist, "198.51.100.200", BlockRecord))!.value;
    expect(rec).toMatchObject({ actionId: back.actionId, expiresAt: "2026-11-23T13:30:00.000Z" });
  });

  it("an undone isolation can be applied again by the next alert of the same activity, under its own records", async () => {
    const r = await env.make();
    const fp = fingerprintOf("isolate-undo-again");
    const first = executed(await r.execute(decided(isolate("ws-undo-1"), {}, { fingerprint: fp })));
    await r.undo(first.actionId, "analyst");
    const again = executed(await r.execute(decided(isolate("ws-undo-1"), {}, { fingerprint: fp })));
    expect(again.status).toBe("success");
    expect(again.actionId).toBe(windowKey(first.actionId, 1));
    expect((await getJson(r.buckets.isolations, "ws-undo-1", IsolationRecord))!.value).toMatchObject({ status: "isolated", actionId: again.actionId });
    // A ticket of a later window is a new ticket, not the closed one of the first window.
    const t1 = executed(await r.execute(decided(ticket("windows"), {}, { fingerprint: fp })));
    await r.undo(t1.actionId, "analyst");
    const t2 = executed(await r.execute(decided(ticket("windows"), {}, { fingerprint: fp })));
    expect(t2.summary).not.toEqual(t1.summary);
    expect(t2.details).toMatchObject({ status: "open" });
  });

  it("a redelivery of an alert whose effect has since expired gets its stored outcome, not a second effect", async () => {
    let now = new Date("2026-11-23T10:00:00.000Z");
    const r = await env.make({}, () => now);
    const msg = decided(block("198.51.100.201", 1));
    const first = executed(await r.execute(msg));
    now = new Date(now.getTime() + 5 * 3600_000);
    expect(executed(await r.execute(msg))).toEqual(first);
    expect(await puts(r.buckets.blocklist, "198.51.100.201")).toBe(1);
  });
});

describe("claims survive faults", () => {
  it("a redelivery recognises its own claim left behind and resumes at once, finding the effect in place", async () => {
    const r = await env.make({ RESPONDER_LEASE_SECONDS: "300", INSTANCE_ID: "resumer" });
    const msg = decided(block("198.51.100.202"));
    const key = actionIdFor(msg.alert.fingerprint, "BLOCK_IP", "198.51.100.202");
    // An earlier delivery claimed, applied the block, and could not record the outcome.
    const got = await r.ledger.claim({ actionId: key, alertId: msg.alertId, fingerprint: msg.alert.fingerprint, action: "BLOCK_IP", target: "198.51.100.202", mode: "auto" });
    if (got.kind !== "claimed") throw new Error("expected a claim");
    await r.buckets.blocklist.put("198.51.100.202", JSON.stringify({ ip: "198.51.100.202", reason: "C2", alertId: msg.alertId, actionId: key, createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 3600_000).toISOString() }));
    r.ledger.release(got.claim);
    const started = Date.now();
    const out = executed(await r.execute(msg));
    expect(out).toMatchObject({ status: "success", actionId: key, details: { resumed: true } });
    expect(Date.now() - started).toBeLessThan(30_000); // not the 300 s lease
    expect(await puts(r.buckets.blocklist, "198.51.100.202")).toBe(1); // found in place, not written again
    expect(((await r.ledger.get(key))!.value as LedgerEntry).state).toBe("done");
  });

  it("a claim held by a live holder is retried after a short backoff and gets the holder's outcome", async () => {
    const holder = await env.make({ RESPONDER_LEASE_SECONDS: "120", INSTANCE_ID: "holder" });
    const waiter = await env.make({ RESPONDER_LEASE_SECONDS: "120", INSTANCE_ID: "waiter" });
    const msg = decided(ticket("live holder"));
    const key = actionIdFor(msg.alert.fingerprint, "CREATE_TICKET", null);
    const got = await holder.ledger.claim({ actionId: key, alertId: msg.alertId, fingerprint: msg.alert.fingerprint, action: "CREATE_TICKET", target: null, mode: "auto" });
    if (got.kind !== "claimed") throw new Error("expected a claim");
    const execution = { actionId: key, action: "CREATE_TICKET" as const, status: "success" as const, target: null, connector: "kv:tickets", summary: "done by the holder", details: {}, undo: null, error: null };
    setTimeout(() => void holder.ledger.finish(got.claim, { execution, compensation: null }), 300);
    expect(executed(await waiter.execute(msg))).toEqual(execution);
  });

  it("recording the outcome is retried through NATS timeouts, including a write that landed without its answer", async () => {
    const { kv } = { kv: (await env.make()).buckets.ledger };
    for (const landed of [false, true]) {
      const ledger = new Ledger(flaky(kv, { op: "update", failures: 3, landed }), { instance: `rec-${landed}`, leaseMs: 60_000, now: () => new Date(), sleep: async () => {} });
      const key = `record-${landed}-${Date.now()}`;
      const got = await ledger.claim({ actionId: key, alertId: "a1", fingerprint: "f".repeat(64), action: "CREATE_TICKET", target: null, mode: "auto" });
      if (got.kind !== "claimed") throw new Error("expected a claim");
      const execution = { actionId: key, action: "CREATE_TICKET" as const, status: "success" as const, target: null, connector: "x", summary: "s", details: {}, undo: null, error: null };
      expect(await ledger.finish(got.claim, { execution, compensation: null })).toBe(true);
      expect(((await ledger.get(key))!.value as LedgerEntry).state).toBe("done");
    }
  });

  it("a NATS timeout on a local KV write is transient: retried, never recorded as a permanent failure, applied once", async () => {
    const r = await env.make({ INSTANCE_ID: "kv-timeout" });
    const real = r.buckets.blocklist;
    // The write lands but its answer is lost, the way a server restart looks to the client.
    r.buckets.blocklist = flaky(real, { op: "create", failures: 1, landed: true });
    const msg = decided(block("198.51.100.203"));
    await expect(r.execute(msg)).rejects.toBeInstanceOf(TransientError);
    const key = actionIdFor(msg.alert.fingerprint, "BLOCK_IP", "198.51.100.203");
    expect(((await r.ledger.get(key))!.value as LedgerEntry)).toMatchObject({ state: "failed", retryable: true });
    r.buckets.blocklist = real;
    const out = executed(await r.execute(msg));
    expect(out.status).toBe("success");
    expect(await puts(real, "198.51.100.203")).toBe(1);
  });

  it("suppressions are idempotent by action id: a retried closure writes its suppression once", async () => {
    const r = await env.make({ INSTANCE_ID: "supp" });
    const msg = decided(closeFp());
    // The suppression lands but its answer is lost: the retry must find it, not write it again.
    r.buckets.suppressions = flaky(r.buckets.suppressions, { op: "put", failures: 1, landed: true });
    await expect(r.execute(msg)).rejects.toBeInstanceOf(TransientError);
    expect(executed(await r.execute(msg)).status).toBe("success");
    expect(await puts(r.buckets.suppressions, msg.alert.fingerprint)).toBe(1);
  });
});

describe("connectors without an idempotency key", () => {
  it("a resumed block asks BLOCK_CHECK_COMMAND first and does not run BLOCK_COMMAND again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "secops-check-"));
    const log = join(dir, "runs.log");
    const blockSh = join(dir, "block.sh");
    const checkSh = join(dir, "check.sh");
    writeFileSync(blockSh, `#!/bin/sh\necho "$1 $2" >> "${log}"\n`);
    writeFileSync(checkSh, `#!/bin/sh\ngrep -q " $1$" "${log}" 2>/dev/null\n`);
    chmodSync(blockSh, 0o755);
    chmodSync(checkSh, 0o755);
    const r = await env.make({ INSTANCE_ID: "cmd", BLOCK_COMMAND: `${blockSh} {actionId} {ip}`, BLOCK_CHECK_COMMAND: `${checkSh} {ip}` });
    const msg = decided(block("198.51.100.204"));
    const key = actionIdFor(msg.alert.fingerprint, "BLOCK_IP", "198.51.100.204");
    // An earlier attempt ran the command and died before it could record that it had.
    const got = await r.ledger.claim({ actionId: key, alertId: msg.alertId, fingerprint: msg.alert.fingerprint, action: "BLOCK_IP", target: "198.51.100.204", mode: "auto" });
    if (got.kind !== "claimed") throw new Error("expected a claim");
    writeFileSync(log, `${key} 198.51.100.204\n`);
    r.ledger.release(got.claim);
    const out = executed(await r.execute(msg));
    expect(out.status).toBe("success");
    expect(out.summary).toContain("already in place");
    expect(existsSync(log) && readFileSync(log, "utf8").trim().split("\n")).toHaveLength(1);
  });
});
