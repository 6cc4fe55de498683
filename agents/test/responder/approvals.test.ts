import { describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import { DecidedMessage, actionDigest, canonicalJson } from "@secops/contracts";
import { listJson } from "../../src/state/kv.js";
import { IsolationRecord } from "../../src/state/records.js";
import { awaiting, block, isolate, ticket, useResponderEnv } from "./fixtures.js";

const env = useResponderEnv();


async function lastDecided(): Promise<{ msg: DecidedMessage; msgId: string }> {
  const jsm = await jetstreamManager(env.nc);
  const m = await jsm.streams.getMessage(env.topo.stream, { last_by_subj: env.topo.subjects.decided });
  if (!m) throw new Error("nothing published on the decided subject");
  return { msg: DecidedMessage.parse(m.json()), msgId: m.header.get("Nats-Msg-Id") };
}

describe("digest", () => {
  it("ignores key order and changes with any parameter", () => {
    const a = block("203.0.113.1", 24);
    const reordered = JSON.parse(JSON.stringify({ reason: "C2 traffic", durationHours: 24, ip: "203.0.113.1", action: "BLOCK_IP" }));
    expect(actionDigest(reordered)).toBe(actionDigest(a));
    expect(actionDigest(block("203.0.113.2", 24))).not.toBe(actionDigest(a));
    expect(actionDigest(block("203.0.113.1", 25))).not.toBe(actionDigest(a));
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[1,{"c":2,"d":1}]}');
  });
});

describe("approvals", () => {
  it("needs two different approvers for a two-person ISOLATE_HOST; publishes the approval; the responder executes it once", async () => {
    const r = await env.make();
    const msg = awaiting(isolate("ws-two-person"), { approversRequired: 2 });
    const pending = await r.execute(msg);
    expect(pending.kind).toBe("pending");
    // Redelivery of the awaiting decision does not create a second record.
    await r.execute(msg);
    expect((await r.approvals.list()).filter((a) => a.alertId === msg.alertId)).toHaveLength(1);
    const id = msg.decision.approval!.id;

    expect((await r.approvals.approve(id, "alice", "looks right")).status).toBe("pending");
    expect((await r.approvals.approve(id, " Alice ", "again")).status).toBe("pending"); // same person counts once
    expect((await r.approvals.get(id))!.approvers).toHaveLength(1);
    const done = await r.approvals.approve(id, "bob", null);
    expect(done.status).toBe("approved");

    const { msg: out, msgId } = await lastDecided();
    expect(msgId).toBe(`${msg.alertId}:decided:approved:${id}`);
    expect(out.decision.status).toBe("approved");
    expect(out.decision.approval).toMatchObject({ id, digest: actionDigest(msg.decision.parameters), approversRequired: 2 });
    expect(out.decision.approval!.approvers.map((a) => a.by)).toEqual(["alice", "bob"]);
    expect(out.producer.agent).toBe("responder");

    const ex = await r.execute(out);
    expect(ex.kind === "executed" && ex.execution.status).toBe("success");
    expect(ex.kind === "executed" && ex.execution.details.by).toBe("alice, bob");
    const again = await r.execute(out);
    expect(again.kind === "executed" && again.execution).toEqual(ex.kind === "executed" && ex.execution); // the stored outcome, not a second isolation
    const isolations = (await listJson(r.buckets.isolations, IsolationRecord)).filter((i) => i.value.host === "ws-two-person");
    expect(isolations).toHaveLength(1);
    await expect(r.approvals.approve(id, "carol")).rejects.toMatchObject({ code: "decided" });
  });

  it("concurrent approvers are all recorded", async () => {
    const r = await env.make();
    const msg = awaiting(ticket("concurrent approvals"), { approversRequired: 5 });
    await r.execute(msg);
    const id = msg.decision.approval!.id;
    await Promise.all(["a1", "a2", "a3", "a4"].map((by) => r.approvals.approve(id, by)));
    const rec = (await r.approvals.get(id))!;
    expect(rec.approvers.map((a) => a.by).sort()).toEqual(["a1", "a2", "a3", "a4"]);
    expect(rec.status).toBe("pending");
  });

  it("refuses an approved decision whose action was changed after approval", async () => {
    const r = await env.make();
    const msg = awaiting(block("203.0.113.20", 1));
    await r.execute(msg);
    await r.approvals.approve(msg.decision.approval!.id, "alice");
    const { msg: approved } = await lastDecided();
    const tampered = DecidedMessage.parse({ ...approved, decision: { ...approved.decision, parameters: block("203.0.113.21", 1) } });
    const ex = await r.execute(tampered);
    expect(ex.kind === "executed" && ex.execution.status).toBe("failed");
    expect(ex.kind === "executed" && ex.execution.error).toMatch(/differs from what was approved/);
    // A forged approval with a digest matching the tampered parameters is refused too: the KV record decides.
    const forged = DecidedMessage.parse({ ...tampered, decision: { ...tampered.decision, approval: { ...tampered.decision.approval!, digest: actionDigest(block("203.0.113.21", 1)) } } });
    const ex2 = await r.execute(forged);
    expect(ex2.kind === "executed" && ex2.execution.status).toBe("failed");
    expect(await r.buckets.blocklist.get("203.0.113.21")).toBeNull();
  });

  it("refuses an approved decision with no approval record, or one short of approvers", async () => {
    const r = await env.make();
    const msg = awaiting(isolate("ws-short"), { approversRequired: 2 });
    await r.execute(msg);
    const id = msg.decision.approval!.id;
    await r.approvals.approve(id, "alice");
    const forged = DecidedMessage.parse({ ...msg, decision: { ...msg.decision, status: "approved", approval: { ...msg.decision.approval!, approvers: [{ by: "alice", at: new Date().toISOString(), comment: null }, { by: "mallory", at: new Date().toISOString(), comment: null }] } } });
    const ex = await r.execute(forged);
    expect(ex.kind === "executed" && ex.execution.error).toMatch(/is pending, not approved/);
    const unknown = DecidedMessage.parse({ ...forged, decision: { ...forged.decision, approval: { ...forged.decision.approval!, id: "APR-NOPE" } } });
    const ex2 = await r.execute(unknown);
    expect(ex2.kind === "executed" && ex2.execution.error).toMatch(/no approval APR-NOPE exists/);
  });

  it("expires unanswered approvals (fail closed): sweep publishes expired, late approvals are refused, nothing runs", async () => {
    let now = new Date("2026-11-23T10:00:00.000Z");
    const r = await env.make({}, () => now);
    const msg = awaiting(block("203.0.113.30", 1), { expiresAt: "2026-11-23T10:30:00.000Z" });
    await r.execute(msg);
    const id = msg.decision.approval!.id;
    now = new Date("2026-11-23T10:31:00.000Z");
    const swept = await r.sweep();
    expect(swept.expiredApprovals).toContain(id);
    const { msg: out, msgId } = await lastDecided();
    expect(msgId).toBe(`${msg.alertId}:decided:expired:${id}`);
    expect(out.decision.status).toBe("expired");
    await expect(r.approvals.approve(id, "alice")).rejects.toMatchObject({ code: "expired" });
    const ex = await r.execute(out);
    expect(ex.kind === "executed" && ex.execution.status).toBe("skipped");
    expect(await r.buckets.blocklist.get("203.0.113.30")).toBeNull();
  });

  it("an approval attempted after expiry expires it instead of approving", async () => {
    let now = new Date("2026-11-23T10:00:00.000Z");
    const r = await env.make({}, () => now);
    const msg = awaiting(ticket("late"), { expiresAt: "2026-11-23T10:05:00.000Z" });
    await r.execute(msg);
    now = new Date("2026-11-23T10:06:00.000Z");
    await expect(r.approvals.approve(msg.decision.approval!.id, "alice")).rejects.toMatchObject({ code: "expired" });
    expect((await r.approvals.get(msg.decision.approval!.id))!.status).toBe("expired");
  });

  it("a rejection is published and the responder skips the action", async () => {
    const r = await env.make();
    const msg = awaiting(isolate("ws-rejected"));
    await r.execute(msg);
    const id = msg.decision.approval!.id;
    const rec = await r.approvals.reject(id, "alice", "this is the CFO's laptop");
    expect(rec.rejectedBy).toMatchObject({ by: "alice", comment: "this is the CFO's laptop" });
    const { msg: out, msgId } = await lastDecided();
    expect(msgId).toBe(`${msg.alertId}:decided:rejected:${id}`);
    const ex = await r.execute(out);
    expect(ex.kind === "executed" && ex.execution.status).toBe("skipped");
    expect(ex.kind === "executed" && ex.execution.summary).toMatch(/rejected by alice/);
    await expect(r.approvals.approve(id, "bob")).rejects.toMatchObject({ code: "decided" });
    await expect(r.approvals.approve("APR-UNKNOWN", "bob")).rejects.toMatchObject({ code: "unknown" });
  });

  it("refuses to create an approval whose digest does not match the parameters", async () => {
    const r = await env.make();
    const msg = awaiting(block("203.0.113.40"));
    const bad = DecidedMessage.parse({ ...msg, decision: { ...msg.decision, approval: { ...msg.decision.approval!, digest: "0".repeat(64) } } });
    const ex = await r.execute(bad);
    expect(ex.kind === "executed" && ex.execution.status).toBe("failed");
    expect(ex.kind === "executed" && ex.execution.error).toMatch(/does not match its parameters/);
    expect(await r.approvals.get(msg.decision.approval!.id)).toBeNull();
  });
});
