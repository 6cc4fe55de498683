import { describe, expect, it } from "vitest";
import { TransientError } from "../../src/runtime/errors.js";
import { actionIdFor } from "../../src/state/ledger.js";
import { LedgerEntry } from "../../src/state/records.js";
import { listJson } from "../../src/state/kv.js";
import { BlockRecord, TicketRecord } from "../../src/state/records.js";
import { block, decided, ticket, useResponderEnv } from "./fixtures.js";

const env = useResponderEnv();


describe("action ledger: exactly once", () => {
  it("gives the same id for the same fingerprint, action and target, and another for another target", () => {
    const a = actionIdFor("f".repeat(64), "BLOCK_IP", "203.0.113.7");
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(actionIdFor("f".repeat(64), "BLOCK_IP", "203.0.113.7")).toBe(a);
    expect(actionIdFor("f".repeat(64), "BLOCK_IP", "203.0.113.8")).not.toBe(a);
    expect(actionIdFor("e".repeat(64), "BLOCK_IP", "203.0.113.7")).not.toBe(a);
  });

  it("a redelivered decision creates one ticket and answers the repeat with the stored outcome", async () => {
    const r = await env.make();
    const msg = decided(ticket("redelivery"));
    const first = await r.execute(msg);
    const second = await r.execute(msg);
    expect(first.kind === "executed" && first.execution.status).toBe("success");
    if (first.kind !== "executed" || second.kind !== "executed") throw new Error("unexpected");
    // The same alert's decision again (a replica died after acting, before publishing): the record
    // must say what happened, not "duplicate".
    expect(second.execution).toEqual(first.execution);
    const tickets = (await listJson(r.buckets.tickets, TicketRecord)).filter((t) => t.value.alertId === msg.alertId);
    expect(tickets).toHaveLength(1);
  });

  it("concurrent replicas executing the same decision produce one effect", async () => {
    const replicas = await Promise.all([env.make({ INSTANCE_ID: "a" }), env.make({ INSTANCE_ID: "b" }), env.make({ INSTANCE_ID: "c" })]);
    const msg = decided(ticket("concurrent"));
    const results = await Promise.allSettled(replicas.flatMap((r) => [r.execute(msg), r.execute(msg)]));
    const statuses = results.map((x) => (x.status === "fulfilled" && x.value.kind === "executed" ? x.value.execution.status : x.status === "rejected" && x.reason instanceof TransientError ? "busy" : "other"));
    expect(statuses.every((s) => ["success", "busy"].includes(s))).toBe(true);
    const outcomes = results.flatMap((x) => (x.status === "fulfilled" && x.value.kind === "executed" ? [x.value.execution] : []));
    expect(outcomes.length).toBeGreaterThan(0);
    for (const o of outcomes) expect(o).toEqual(outcomes[0]); // one effect, reported identically
    const tickets = (await listJson(replicas[0]!.buckets.tickets, TicketRecord)).filter((t) => t.value.alertId === msg.alertId);
    expect(tickets).toHaveLength(1);
  });

  it("replaying a stream of decisions acts once per effect", async () => {
    const r = await env.make();
    const msgs = [decided(block("198.51.100.1")), decided(block("198.51.100.2")), decided(ticket("replay"))];
    const firstPass = await Promise.all(msgs.map((m) => r.execute(m)));
    const replay = [];
    for (const m of msgs) replay.push(await r.execute(JSON.parse(JSON.stringify(m))));
    expect(firstPass.map((o) => o.kind === "executed" && o.execution.status)).toEqual(["success", "success", "success"]);
    expect(replay.map((o) => o.kind === "executed" && o.execution)).toEqual(firstPass.map((o) => o.kind === "executed" && o.execution));
  });

  it("another alert of the same activity, action and target is a duplicate naming the first alert", async () => {
    const r = await env.make();
    const msg = decided(block("198.51.100.44"));
    const first = await r.execute(msg);
    const other = await r.execute({ ...msg, alertId: "al-another-alert-same-activity" });
    if (first.kind !== "executed" || other.kind !== "executed") throw new Error("unexpected");
    expect(first.execution.status).toBe("success");
    expect(other.execution).toMatchObject({ status: "duplicate", actionId: first.execution.actionId, details: { firstAlertId: msg.alertId } });
    const blocks = await listJson(r.buckets.blocklist, BlockRecord);
    expect(blocks.filter((b) => b.value.ip === "198.51.100.44")).toHaveLength(1);
  });

  it("a crash between claim and outcome: the claim is busy within its lease, taken over once after it", async () => {
    let now = new Date("2026-11-23T10:00:00.000Z");
    const clock = () => now;
    const r = await env.make({ RESPONDER_LEASE_SECONDS: "30", INSTANCE_ID: "survivor" }, clock);
    const msg = decided(ticket("crash"));
    const id = actionIdFor(msg.alert.fingerprint, "CREATE_TICKET", null);
    // What a replica that died right after claiming leaves behind.
    await r.ledger.claim({ actionId: id, alertId: msg.alertId, fingerprint: msg.alert.fingerprint, action: "CREATE_TICKET", target: null, mode: "auto" });
    now = new Date(now.getTime() + 10_000);
    await expect(r.execute(msg)).rejects.toBeInstanceOf(TransientError);
    now = new Date(now.getTime() + 25_000);
    const [a, b] = await Promise.all([r.execute(msg), (await env.make({ RESPONDER_LEASE_SECONDS: "30", INSTANCE_ID: "other" }, clock)).execute(msg).catch((e: unknown) => e)]);
    const outcomes = [a, b].map((o) => (o instanceof TransientError ? "busy" : (o as { kind: string; execution: { status: string } }).execution.status));
    expect(outcomes).toContain("success");
    expect(outcomes.every((s) => s === "success" || s === "busy")).toBe(true);
    // Whether the loser saw the claim busy or the finished outcome, only one of them acted:
    const executions = [a, b].flatMap((o) => (o instanceof TransientError ? [] : [(o as { execution: unknown }).execution]));
    for (const x of executions) expect(x).toEqual(executions[0]);
    const entry = (await r.ledger.get(id))!.value as LedgerEntry;
    expect(entry.state).toBe("done");
    expect(entry.attempts).toBe(2);
    const tickets = (await listJson(r.buckets.tickets, TicketRecord)).filter((t) => t.value.alertId === msg.alertId);
    expect(tickets).toHaveLength(1);
  });

  it("shadow mode records what would happen, changes nothing and does not block the real action", async () => {
    const r = await env.make();
    const params = block("198.51.100.99");
    const shadow = await r.execute(decided(params, { mode: "shadow" }, { fingerprint: "a".repeat(64) }));
    expect(shadow.kind === "executed" && shadow.execution.status).toBe("shadow");
    expect(shadow.kind === "executed" && shadow.execution.summary).toContain("would block 198.51.100.99");
    expect(await r.buckets.blocklist.get("198.51.100.99")).toBeNull();
    const real = await r.execute(decided(params, {}, { fingerprint: "a".repeat(64) }));
    expect(real.kind === "executed" && real.execution.status).toBe("success");
  });

  it("refuses a tainted decision in auto mode and a mismatched action", async () => {
    const r = await env.make();
    const tainted = await r.execute(decided(block("198.51.100.50"), { tainted: true }));
    expect(tainted.kind === "executed" && tainted.execution.status).toBe("failed");
    expect(tainted.kind === "executed" && tainted.execution.error).toMatch(/prompt-injection/);
    const mismatch = await r.execute(decided(block("198.51.100.51"), { action: "ISOLATE_HOST" }));
    expect(mismatch.kind === "executed" && mismatch.execution.error).toMatch(/does not match/);
  });
});
