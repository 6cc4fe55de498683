// Approvals on their own, on a real nats-server (KV bucket and the decided stream), with a clock
// the test sets: binding to the action digest, who counts as a different approver, expiry (fail
// closed), publishing the outcome. The fast tests `npm run mutation` uses on
// agents/src/state/approvals.ts; agents/test/responder/approvals*.test.ts cover the same through
// the responder.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
import { DecidedMessage, Headers, SchemaIds, actionDigest, type Topology } from "@secops/contracts";
import { Kvm, type KV } from "@nats-io/kv";
import { startNats, type TestNats } from "../harness/nats.js";
import { openBucket, provisionStream } from "../../src/runtime/provision.js";
import { natsEnv, parseEnv } from "../../src/runtime/config.js";
import { approvalIdFor, approvalOutcomeMessageId } from "../../src/shared/ids.js";
import { ApprovalError, Approvals, approverKey, distinctApprovers, type ApprovalsDeps } from "../../src/state/approvals.js";
import type { ApprovalRecord } from "../../src/state/records.js";
import { awaiting, block, isolate, silentLog, ticket } from "../responder/fixtures.js";

let nats: TestNats;
let nc: NatsConnection;
let topo: Topology;
beforeAll(async () => {
  nats = await startNats();
  topo = nats.topo;
  nc = await connect({ servers: nats.url });
  await provisionStream(await jetstreamManager(nc), topo, parseEnv(natsEnv, {}));
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

const T0 = Date.parse("2026-11-23T10:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

interface Logged { level: string; obj: Record<string, unknown>; msg: string }

async function setup(over: Partial<ApprovalsDeps> = {}) {
  let t = T0;
  const logged: Logged[] = [];
  const log = { ...silentLog, warn: (obj: Record<string, unknown>, msg: string) => logged.push({ level: "warn", obj, msg }), error: (obj: Record<string, unknown>, msg: string) => logged.push({ level: "error", obj, msg }) } as unknown as ApprovalsDeps["log"];
  const kv = await openBucket(nc, `approvals${randomBytes(4).toString("hex")}`, { history: 5 });
  const approvals = new Approvals(kv, {
    js: jetstream(nc), topo, log, now: () => new Date(t),
    producer: { agent: "responder", version: "test", instance: "r1" }, ...over,
  });
  return { approvals, kv, logged, set: (ms: number) => (t = ms) };
}

/** A pending decision expiring `minutes` after T0. */
const pending = (params = ticket(), o: { approversRequired?: number; minutes?: number; id?: string } = {}) =>
  awaiting(params, { approversRequired: o.approversRequired ?? 1, expiresAt: iso(T0 + (o.minutes ?? 60) * 60_000), ...(o.id ? { id: o.id } : {}) });

/** The last message on the decided subject when it has this message id, with the headers every outcome carries checked. */
async function published(msgId: string): Promise<DecidedMessage | null> {
  const jsm = await jetstreamManager(nc);
  const m = await jsm.streams.getMessage(topo.stream, { last_by_subj: topo.subjects.decided }).catch(() => null);
  if (!m || m.header.get("Nats-Msg-Id") !== msgId) return null;
  const msg = DecidedMessage.parse(m.json());
  expect(m.header.get(Headers.alertId)).toBe(msg.alertId);
  expect(m.header.get(Headers.schema)).toBe(SchemaIds.decided);
  // W3C traceparent: the alert's trace id, a fresh span id.
  expect(m.header.get(Headers.traceparent)).toMatch(new RegExp(`^00-${msg.traceId}-[0-9a-f]{16}-01$`));
  return msg;
}

/** Another handle on the bucket whose updates go through `hook` first (it may throw a lost race). */
async function hookedKv(kv: KV, hook: (key: string, value: string) => void): Promise<KV> {
  const handle = await new Kvm(nc).open((kv as unknown as { bucket: string }).bucket);
  const real = handle.update.bind(handle);
  (handle as unknown as Record<string, unknown>).update = async (key: string, value: string, revision: number) => {
    hook(key, value);
    return real(key, value, revision);
  };
  return handle;
}

const conflict = () => Object.assign(new Error("wrong last sequence: 1"), { name: "JetStreamApiError" });

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const e = await p.then(() => null, (x: unknown) => x);
  if (!(e instanceof ApprovalError)) throw new Error(`expected an ApprovalError, got ${String(e)}`);
  expect(e.name).toBe("ApprovalError");
  return { code: e.code, message: e.message };
}

describe("who is an approver", () => {
  it("names compare trimmed and case-insensitively; names behind one shared credential are one person", () => {
    expect(approverKey("  Alice ")).toBe("alice");
    expect(approverKey("alice (shared token)")).toBe("shared:shared token");
    expect(approverKey("Bob (Shared Token)")).toBe("shared:shared token");
    expect(approverKey("carol (nats user ops)")).toBe("shared:nats user ops");
    expect(approverKey("dave (nats user)")).toBe("dave (nats user)");
    expect(approverKey("erin (shared token) x")).toBe("erin (shared token) x");
    const at = iso(T0);
    const approvers = (names: string[]) => ({ approvers: names.map((by) => ({ by, at, comment: null })) });
    expect(distinctApprovers(approvers(["alice", "ALICE ", "bob"]))).toBe(2);
    expect(distinctApprovers(approvers(["alice (shared token)", "bob (shared token)"]))).toBe(1);
    expect(distinctApprovers(approvers([]))).toBe(0);
  });
});

describe("creating an approval", () => {
  it("stores a pending record bound to the digest of the exact action, under the decider's id", async () => {
    const { approvals } = await setup();
    const msg = pending(block("203.0.113.9"), { approversRequired: 2 });
    const r = await approvals.createPendingApproval(msg);
    expect(r).toEqual({
      id: msg.decision.approval!.id, alertId: msg.alertId, status: "pending", digest: actionDigest(msg.decision.parameters),
      action: "BLOCK_IP", parameters: msg.decision.parameters, reason: msg.decision.reason, requiredRole: "responder",
      approversRequired: 2, createdAt: iso(T0), expiresAt: iso(T0 + 3_600_000), approvers: [], rejectedBy: null,
      decidedAt: null, published: false, decided: msg,
    });
    expect(await approvals.get(r.id)).toEqual(r);
    // A redelivered decision finds the same record.
    expect(await approvals.createPendingApproval(msg)).toEqual(r);
  });

  it("an id that is not an approval id (APR-...) is replaced by one derived from the alert and digest", async () => {
    const { approvals } = await setup();
    for (const id of ["not-an-id", `apr_${"a".repeat(32)}`]) {
      const msg = pending(ticket(id), { id });
      const r = await approvals.createPendingApproval(msg);
      expect(r.id, id).toBe(approvalIdFor(msg.alertId, actionDigest(msg.decision.parameters)));
    }
  });

  it("refuses a decision without an approval, with a digest of other parameters, or with an expiry that is no time", async () => {
    const { approvals } = await setup();
    const none = { ...pending(), decision: { ...pending().decision, approval: null } } as DecidedMessage;
    expect(await codeOf(approvals.createPendingApproval(none))).toMatchObject({ code: "invalid", message: expect.stringMatching(/carries no approval/) });
    const msg = pending(block("203.0.113.1"));
    const forged = { ...msg, decision: { ...msg.decision, parameters: block("203.0.113.2") } } as DecidedMessage;
    expect(await codeOf(approvals.createPendingApproval(forged))).toMatchObject({ code: "invalid", message: expect.stringMatching(/does not match its parameters/) });
    const badTime = { ...msg, decision: { ...msg.decision, approval: { ...msg.decision.approval!, expiresAt: "tomorrow" } } } as DecidedMessage;
    expect(await codeOf(approvals.createPendingApproval(badTime))).toMatchObject({ code: "invalid", message: 'the approval\'s expiry "tomorrow" is not an ISO 8601 time' });
    const longTime = { ...msg, decision: { ...msg.decision, approval: { ...msg.decision.approval!, expiresAt: `soon${"x".repeat(100)}` } } } as DecidedMessage;
    expect((await codeOf(approvals.createPendingApproval(longTime))).message).toBe(`the approval's expiry "soon${"x".repeat(36)}" is not an ISO 8601 time`);
    expect(await approvals.list()).toEqual([]);
  });

  it("normalizes the expiry and refuses another action under an existing id", async () => {
    const { approvals } = await setup();
    const msg = pending(ticket());
    const odd = { ...msg, decision: { ...msg.decision, approval: { ...msg.decision.approval!, expiresAt: "2026-11-23T11:00:00Z" } } } as DecidedMessage;
    const r = await approvals.createPendingApproval(odd);
    expect(r).toMatchObject({ expiresAt: "2026-11-23T11:00:00.000Z", approversRequired: 1 });
    const other = pending(ticket("something else"), { id: r.id });
    expect(await codeOf(approvals.createPendingApproval(other))).toEqual({ code: "invalid", message: `approval ${r.id} already exists for a different action` });
  });

  it("drops the raw alert of a decision over 512 KiB, and keeps it below", async () => {
    const { approvals } = await setup();
    const big = pending(ticket("big"));
    const huge = { ...big, alert: { ...big.alert, raw: { blob: "x".repeat(520 * 1024) } } } as DecidedMessage;
    expect((await approvals.createPendingApproval(huge)).decided.alert.raw).toBe("(raw alert dropped: too large to keep with the approval)");
    const small = pending(ticket("small"));
    const fits = { ...small, alert: { ...small.alert, raw: { blob: "x".repeat(500 * 1024) } } } as DecidedMessage;
    expect((await approvals.createPendingApproval(fits)).decided.alert.raw).toEqual({ blob: "x".repeat(500 * 1024) });
    // Exactly 512 KiB is kept; one byte more is not.
    const edge = pending(ticket("edge"));
    const base = Buffer.byteLength(JSON.stringify({ ...edge, alert: { ...edge.alert, raw: { blob: "" } } }));
    const exact = { ...edge, alert: { ...edge.alert, raw: { blob: "x".repeat(512 * 1024 - base) } } } as DecidedMessage;
    expect(Buffer.byteLength(JSON.stringify(exact))).toBe(512 * 1024);
    expect((await approvals.createPendingApproval(exact)).decided.alert.raw).toEqual(exact.alert.raw);
  });

  it("get answers null for an id that is no key or no record; list filters by status", async () => {
    const { approvals } = await setup();
    expect(await approvals.get("no such id!")).toBeNull();
    expect(await approvals.get("APR-0000000000000000")).toBeNull();
    const a = await approvals.createPendingApproval(pending(ticket("a")));
    const b = await approvals.createPendingApproval(pending(ticket("b")));
    await approvals.reject(b.id, "bob");
    expect((await approvals.list("pending")).map((r) => r.id)).toEqual([a.id]);
    expect((await approvals.list("rejected")).map((r) => r.id)).toEqual([b.id]);
    expect((await approvals.list()).map((r) => r.id).sort()).toEqual([a.id, b.id].sort());
  });
});

describe("approving and rejecting", () => {
  it("a two-person approval stays pending after one, is approved by a second different person, and goes out once", async () => {
    const { approvals, set, kv, logged } = await setup();
    const msg = pending(isolate(), { approversRequired: 2 });
    const r = await approvals.createPendingApproval(msg);
    set(T0 + 1_000);
    const one = await approvals.approve(r.id, " Alice ", "looks right");
    expect(one).toMatchObject({ status: "pending", decidedAt: null, approvers: [{ by: "Alice", at: iso(T0 + 1_000), comment: "looks right" }] });
    expect((await approvals.get(r.id))!.published).toBe(false);
    // The same person again (any case) counts once and changes nothing, not even the revision.
    const revision = (await kv.get(r.id))!.revision;
    expect(await approvals.approve(r.id, "alice")).toEqual(one);
    expect((await kv.get(r.id))!.revision).toBe(revision);
    set(T0 + 2_000);
    const two = await approvals.approve(r.id, "bob", "");
    expect(two).toMatchObject({ status: "approved", decidedAt: iso(T0 + 2_000), approvers: [{ by: "Alice" }, { by: "bob", comment: null }] });
    const stored = (await approvals.get(r.id))!;
    expect(stored).toMatchObject({ status: "approved", published: true });
    const out = await published(approvalOutcomeMessageId(msg.alertId, "approved", r.id));
    expect(out).not.toBeNull();
    expect(out!.producer).toEqual({ agent: "responder", version: "test", instance: "r1" });
    expect(out!.timestamps.decided).toBe(iso(T0 + 2_000));
    expect(out!.decision).toMatchObject({ status: "approved", parameters: msg.decision.parameters, approval: Approvals.approvalOf(two) });
    expect(Approvals.approvalOf(two)).toEqual({
      id: r.id, digest: r.digest, requiredRole: "responder", approversRequired: 2, expiresAt: r.expiresAt, approvers: two.approvers, rejectedBy: null,
    });
    // Decided: more approvals are refused, naming who approved.
    expect(await codeOf(approvals.approve(r.id, "carol"))).toEqual({ code: "decided", message: `approval ${r.id} is already approved by Alice, bob` });
    expect(await codeOf(approvals.reject(r.id, "carol"))).toMatchObject({ code: "decided" });
    expect(logged).toEqual([]);
  });

  it("two names behind one shared token do not make two approvals", async () => {
    const { approvals } = await setup();
    const r = await approvals.createPendingApproval(pending(isolate(), { approversRequired: 2 }));
    await approvals.approve(r.id, "alice (shared token)");
    expect(await approvals.approve(r.id, "bob (shared token)")).toMatchObject({ status: "pending", approvers: [{ by: "alice (shared token)" }] });
  });

  it("concurrent approvers are all recorded (compare-and-set, re-read on a lost race)", async () => {
    const { approvals } = await setup();
    const r = await approvals.createPendingApproval(pending(isolate(), { approversRequired: 5 }));
    await Promise.all(["a", "b", "c", "d"].map((n) => approvals.approve(r.id, n)));
    expect((await approvals.get(r.id))!.approvers.map((a) => a.by).sort()).toEqual(["a", "b", "c", "d"]);
  });

  it("a rejection is recorded with who and why, and published", async () => {
    const { approvals, set } = await setup();
    const msg = pending(block("203.0.113.5"));
    const r = await approvals.createPendingApproval(msg);
    set(T0 + 5_000);
    const out = await approvals.reject(r.id, "bob", "that is our partner");
    expect(out).toMatchObject({ status: "rejected", decidedAt: iso(T0 + 5_000), rejectedBy: { by: "bob", at: iso(T0 + 5_000), comment: "that is our partner" } });
    expect((await published(approvalOutcomeMessageId(msg.alertId, "rejected", r.id)))?.decision).toMatchObject({ status: "rejected", approval: { rejectedBy: { by: "bob" } } });
    expect((await approvals.get(r.id))!.published).toBe(true);
    expect(await codeOf(approvals.approve(r.id, "alice"))).toEqual({ code: "decided", message: `approval ${r.id} is already rejected by bob` });
  });

  it("names must be 1-200 printable characters and comments at most 2000", async () => {
    const { approvals } = await setup();
    const r = await approvals.createPendingApproval(pending(isolate(), { approversRequired: 5 }));
    for (const bad of ["", "   ", "a".repeat(201), "alice\u001b[31m", "bob\u007f", "eve\nINFO forged"]) {
      expect(await codeOf(approvals.approve(r.id, bad))).toEqual({ code: "invalid", message: "the approver name must be 1-200 printable characters" });
      expect(await codeOf(approvals.reject(r.id, bad))).toMatchObject({ code: "invalid" });
    }
    expect(await codeOf(approvals.approve(r.id, "carol", "c".repeat(2001)))).toEqual({ code: "invalid", message: "the comment is longer than 2000 characters" });
    expect(await codeOf(approvals.reject(r.id, "carol", "c".repeat(2001)))).toMatchObject({ code: "invalid" });
    const ok = await approvals.approve(r.id, "n".repeat(200), "c".repeat(2000));
    expect(ok.approvers).toEqual([{ by: "n".repeat(200), at: iso(T0), comment: "c".repeat(2000) }]);
    expect((await approvals.approve(r.id, "x y", null)).approvers[1]).toMatchObject({ by: "x y", comment: null });
  });

  it("an unknown or malformed id is 'unknown', naming the id", async () => {
    const { approvals } = await setup();
    expect(await codeOf(approvals.approve("APR-0000000000000000", "alice"))).toEqual({ code: "unknown", message: "no approval has the id APR-0000000000000000" });
    expect(await codeOf(approvals.approve("bad id!", "alice"))).toEqual({ code: "unknown", message: 'no approval has the id "bad id!"' });
    expect((await codeOf(approvals.approve(`bad id ${"y".repeat(200)}`, "alice"))).message).toBe(`no approval has the id "bad id ${"y".repeat(73)}"`);
  });

  it("a stored record that does not match its schema is that error, not an unknown id", async () => {
    const { approvals, kv } = await setup();
    await kv.put("APR-00000000000000AA", JSON.stringify({ id: "APR-00000000000000AA", status: "pending" }));
    const e = await approvals.approve("APR-00000000000000AA", "alice").catch((x: unknown) => x);
    expect(e).not.toBeInstanceOf(ApprovalError);
    expect((e as Error).message).toMatch(/does not match its schema/);
  });

  it("gives up after 20 lost races in a row, naming the approval", async () => {
    const { approvals, kv } = await setup();
    const r = await approvals.createPendingApproval(pending(isolate(), { approversRequired: 2 }));
    let tries = 0;
    const hooked = new Approvals(await hookedKv(kv, () => { tries++; throw conflict(); }), (approvals as unknown as { deps: ApprovalsDeps }).deps);
    await expect(hooked.approve(r.id, "alice")).rejects.toThrow(`approval ${r.id} kept changing under concurrent updates; try again`);
    expect(tries).toBe(20);
  });
});

describe("expiry: unanswered means not executed", () => {
  it("approving at or after the expiry expires the record instead, publishes that, and refuses", async () => {
    const { approvals, set } = await setup();
    const msg = pending(isolate(), { minutes: 10 });
    const r = await approvals.createPendingApproval(msg);
    set(T0 + 10 * 60_000 - 1);
    const early = await approvals.createPendingApproval(pending(isolate("ws-2"), { minutes: 10 }));
    expect((await approvals.approve(early.id, "alice")).status).toBe("approved");
    set(T0 + 10 * 60_000);
    expect(await codeOf(approvals.approve(r.id, "alice"))).toEqual({ code: "expired", message: `approval ${r.id} expired at ${r.expiresAt}; the action will not run` });
    expect(await approvals.get(r.id)).toMatchObject({ status: "expired", decidedAt: iso(T0 + 10 * 60_000), approvers: [], published: true });
    expect((await published(approvalOutcomeMessageId(msg.alertId, "expired", r.id)))?.decision.status).toBe("expired");
    expect(await codeOf(approvals.approve(r.id, "alice"))).toEqual({ code: "expired", message: `approval ${r.id} is already expired` });
  });

  it("the sweep expires what is due (expiry reached, not before), publishes each, and returns their ids", async () => {
    const { approvals, set } = await setup();
    const due = await approvals.createPendingApproval(pending(ticket("due"), { minutes: 5 }));
    const later = await approvals.createPendingApproval(pending(ticket("later"), { minutes: 6 }));
    const done = await approvals.createPendingApproval(pending(ticket("done"), { minutes: 1 }));
    await approvals.approve(done.id, "alice");
    set(T0 + 5 * 60_000);
    expect(await approvals.expireDue()).toEqual([due.id]);
    expect(await approvals.get(due.id)).toMatchObject({ status: "expired", decidedAt: iso(T0 + 5 * 60_000), published: true });
    expect((await approvals.get(later.id))!.status).toBe("pending");
    expect((await approvals.get(done.id))!.status).toBe("approved");
    expect(await approvals.expireDue(new Date(T0 + 6 * 60_000))).toEqual([later.id]);
    expect(await approvals.expireDue(new Date(T0 + 60 * 60_000))).toEqual([]);
  });
});

describe("the sweep against what changed since it listed", () => {
  it("a record approved or deleted after the sweep listed it is left alone", async () => {
    const { approvals, set } = await setup();
    const a = await approvals.createPendingApproval(pending(ticket("approved meanwhile"), { minutes: 1 }));
    const b = await approvals.createPendingApproval(pending(ticket("deleted meanwhile"), { minutes: 1 }));
    const c = await approvals.createPendingApproval(pending(ticket("still due"), { minutes: 1 }));
    const snapshot = await approvals.list("pending");
    await approvals.approve(a.id, "alice");
    await approvals.kv.delete(b.id);
    // The sweep reads the listing it took before those changes.
    const stale = Object.assign(Object.create(approvals) as Approvals, { list: async () => snapshot });
    set(T0 + 120_000);
    expect(await stale.expireDue()).toEqual([c.id]);
    expect((await approvals.get(a.id))!.status).toBe("approved");
    expect(await approvals.get(b.id)).toBeNull();
  });
});

describe("signed outcomes", () => {
  it("every decided record carries the signature of its outcome; a pending one does not", async () => {
    const signed: DecidedMessage[] = [];
    // The shape of a real signature (trust/signing.ts); its value names what was signed.
    const sig = (status: string, id: string) => ({ alg: "ed25519" as const, signer: "responder" as const, keyId: "0123456789abcdef", value: `${status}:${id}` });
    const sign = (m: DecidedMessage) => (signed.push(m), { ...m, signature: sig(m.decision.status, m.decision.approval!.id) });
    const { approvals, set } = await setup({ sign });
    const a = await approvals.createPendingApproval(pending(isolate(), { approversRequired: 2 }));
    expect((await approvals.approve(a.id, "alice")).signature).toBeUndefined();
    expect((await approvals.approve(a.id, "bob")).signature).toEqual(sig("approved", a.id));
    expect(signed.at(-1)!.signature).toBeUndefined(); // the decider's own signature is not carried into what is signed
    const b = await approvals.createPendingApproval(pending(ticket("r")));
    expect((await approvals.reject(b.id, "bob")).signature).toEqual(sig("rejected", b.id));
    const c = await approvals.createPendingApproval(pending(ticket("e"), { minutes: 1 }));
    const d = await approvals.createPendingApproval(pending(ticket("e2"), { minutes: 1 }));
    set(T0 + 60_000);
    await codeOf(approvals.approve(c.id, "alice"));
    expect((await approvals.get(c.id))!.signature).toEqual(sig("expired", c.id));
    await approvals.expireDue();
    expect((await approvals.get(d.id))!.signature).toEqual(sig("expired", d.id));
    const out = await published(approvalOutcomeMessageId(d.decided.alertId, "expired", d.id));
    expect(out?.signature).toEqual(sig("expired", d.id));
  });
});

describe("publishing outcomes", () => {
  it("the sweep republishes decided records a crash left unpublished, and only those", async () => {
    const { approvals, kv } = await setup();
    const a = await approvals.createPendingApproval(pending(ticket("a")));
    await approvals.createPendingApproval(pending(ticket("b")));
    const approved = await approvals.approve(a.id, "alice");
    // As if the process died after the write and before the publish.
    const cur = await kv.get(a.id);
    await kv.update(a.id, JSON.stringify({ ...(cur!.json() as ApprovalRecord), published: false }), cur!.revision);
    expect(await approvals.republishDecided()).toBe(1);
    expect((await approvals.get(a.id))!.published).toBe(true);
    expect(await approvals.republishDecided()).toBe(0);
    expect((await published(approvalOutcomeMessageId(approved.decided.alertId, "approved", a.id)))?.decision.status).toBe("approved");
  });

  it("an outcome published but not marked after 10 lost races is a warning; the sweep republishes it", async () => {
    const { approvals, kv, logged } = await setup();
    const r = await approvals.createPendingApproval(pending(ticket("unmarked")));
    let marks = 0;
    const deps = (approvals as unknown as { deps: ApprovalsDeps }).deps;
    const hooked = new Approvals(await hookedKv(kv, (_k, v) => {
      if ((JSON.parse(v) as ApprovalRecord).published) { marks++; throw conflict(); }
    }), deps);
    expect((await hooked.approve(r.id, "alice")).status).toBe("approved");
    expect(marks).toBe(10);
    expect(logged).toEqual([{ level: "warn", obj: { approvalId: r.id }, msg: "approval outcome published but not marked; the sweep will republish it (deduplicated)" }]);
    expect((await approvals.get(r.id))!.published).toBe(false);
    expect(await approvals.republishDecided()).toBe(1);
    expect((await approvals.get(r.id))!.published).toBe(true);
  });

  it("an outcome over max_payload is logged as an error and thrown; the sweep goes on with the others", async () => {
    const { approvals, logged } = await setup({ maxPayload: () => 3000 });
    const r = await approvals.createPendingApproval(pending(ticket("oversize")));
    await expect(approvals.approve(r.id, "alice")).rejects.toThrow(/max_payload/);
    expect(logged).toEqual([{ level: "error", obj: expect.objectContaining({ approvalId: r.id, alertId: r.alertId }), msg: "approval outcome cannot be published" }]);
    expect((await approvals.get(r.id))!).toMatchObject({ status: "approved", published: false });
    expect(await approvals.republishDecided()).toBe(0);
  });

  it("a stream that stays away is a warning, not a failure: the record is decided and the sweep publishes it later", async () => {
    let down = true;
    const real = jetstream(nc);
    const js = new Proxy(real, {
      get(target, prop, recv) {
        const v = Reflect.get(target, prop, recv) as unknown;
        if (prop !== "publish") return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        return async (...args: Parameters<JetStreamClient["publish"]>) => {
          if (down) throw Object.assign(new Error("no responders"), { name: "NoRespondersError", code: "503" });
          return target.publish(...args);
        };
      },
    });
    const { approvals, logged, set } = await setup({ js });
    const msg = pending(ticket("away"));
    const r = await approvals.createPendingApproval(msg);
    set(T0 + 1_000);
    expect((await approvals.approve(r.id, "alice")).status).toBe("approved");
    expect(logged).toEqual([{
      level: "warn", msg: "approval outcome not published yet; the sweep will republish it",
      obj: { alertId: msg.alertId, approvalId: r.id, err: expect.stringMatching(/no responders/) },
    }]);
    expect((await approvals.get(r.id))!.published).toBe(false);
    down = false;
    set(T0 + 60_000);
    expect(await approvals.republishDecided()).toBe(1);
    expect((await approvals.get(r.id))!.published).toBe(true);
    // Published a minute later, it still says when it was decided.
    expect((await published(approvalOutcomeMessageId(msg.alertId, "approved", r.id)))?.timestamps.decided).toBe(iso(T0 + 1_000));
  });
});
