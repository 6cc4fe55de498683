import { describe, expect, it } from "vitest";
import { activeBlocks, sweepExpiredBlocks } from "../../src/state/blocklist.js";
import { BlockRecord, ClosureRecord, IsolationRecord, ReviewRecord, TicketRecord } from "../../src/state/records.js";
import { findSuppression } from "../../src/state/suppressions.js";
import { getJson } from "../../src/state/kv.js";
import { UndoError } from "../../src/responder/undo.js";
import { block, closeFp, decided, fingerprintOf, isolate, review, ticket, useResponderEnv, type Env } from "./fixtures.js";

const env = useResponderEnv();


function executed(o: Awaited<ReturnType<Awaited<ReturnType<Env["make"]>>["execute"]>>) {
  if (o.kind !== "executed") throw new Error(`expected an execution, got ${o.kind}`);
  return o.execution;
}

describe("local defaults and undo", () => {
  it("CREATE_TICKET opens a ticket; undo closes it; a second undo is a duplicate", async () => {
    const r = await env.make();
    const ex = executed(await r.execute(decided(ticket("Ticket me"))));
    expect(ex.status).toBe("success");
    expect(ex.connector).toBe("kv:tickets");
    const id = ex.details.ticketId as string;
    expect(id).toMatch(/^TKT-[0-9A-F]{10}$/);
    expect((await getJson(r.buckets.tickets, id, TicketRecord))!.value).toMatchObject({ status: "open", title: "Ticket me", priority: "high" });
    expect(ex.undo).toEqual({ action: "close_ticket", description: `close ticket ${id}` });
    const u = await r.undo(ex.actionId, "alice");
    expect(u.status).toBe("success");
    expect((await getJson(r.buckets.tickets, id, TicketRecord))!.value).toMatchObject({ status: "closed", closedBy: "alice" });
    expect((await r.ledger.get(ex.actionId))!.value.undone).toMatchObject({ by: "alice", undoActionId: `undo-${ex.actionId}` });
    expect((await r.undo(ex.actionId, "bob")).status).toBe("duplicate");
  });

  it("BLOCK_IP blocks with the decision's duration; expiry hides and sweeps the entry; undo unblocks", async () => {
    const t0 = new Date("2026-11-23T10:00:00.000Z");
    let now = t0;
    const r = await env.make({}, () => now);
    const ex = executed(await r.execute(decided(block("203.0.113.10", 2))));
    expect(ex.details).toMatchObject({ ip: "203.0.113.10", hours: 2, expiresAt: "2026-11-23T12:00:00.000Z" });
    expect((await activeBlocks(r.buckets.blocklist, t0)).map((b) => b.ip)).toContain("203.0.113.10");
    const later = new Date("2026-11-23T12:00:01.000Z");
    expect((await activeBlocks(r.buckets.blocklist, later)).map((b) => b.ip)).not.toContain("203.0.113.10");
    expect(await sweepExpiredBlocks(r.buckets.blocklist, later)).toContain("203.0.113.10");
    expect(await getJson(r.buckets.blocklist, "203.0.113.10", BlockRecord)).toBeNull();

    now = later;
    const ex2 = executed(await r.execute(decided(block("2001:db8::1", 5))));
    expect(ex2.target).toBe("2001:db8::1");
    expect(await getJson(r.buckets.blocklist, "2001_db8__1", BlockRecord)).not.toBeNull();
    await r.undo(ex2.actionId, "carol");
    expect(await getJson(r.buckets.blocklist, "2001_db8__1", BlockRecord)).toBeNull();
  });

  it("BLOCK_IP refuses a target that is not an IP address", async () => {
    const r = await env.make();
    const ex = executed(await r.execute(decided(block("1.2.3.4; rm -rf /"))));
    expect(ex.status).toBe("failed");
    expect(ex.error).toMatch(/not an IPv4 or IPv6 address/);
  });

  it("sweep removes expired blocks", async () => {
    const now = new Date("2030-01-01T00:00:00.000Z");
    const r = await env.make({}, () => now);
    executed(await r.execute(decided(block("203.0.113.77", 1))));
    const res = await r.sweep(new Date("2030-01-01T01:00:00.001Z"));
    expect(res.expiredBlocks).toContain("203.0.113.77");
  });

  it("ISOLATE_HOST registers the isolation; undo releases it", async () => {
    const r = await env.make();
    const ex = executed(await r.execute(decided(isolate("WS-HR-7.corp.example"))));
    expect(ex.target).toBe("ws-hr-7.corp.example");
    expect((await getJson(r.buckets.isolations, "ws-hr-7.corp.example", IsolationRecord))!.value.status).toBe("isolated");
    await r.undo(ex.actionId, "dave");
    expect((await getJson(r.buckets.isolations, "ws-hr-7.corp.example", IsolationRecord))!.value).toMatchObject({ status: "released", releasedBy: "dave" });
  });

  it("ISOLATE_HOST refuses a host name with quotes or spaces", async () => {
    const r = await env.make();
    const ex = executed(await r.execute(decided(isolate("host' or hostname:'*"))));
    expect(ex.status).toBe("failed");
    expect(ex.error).toMatch(/not a host name/);
  });

  it("CLOSE_FALSE_POSITIVE closes, suppresses the fingerprint until expiry; undo reopens and lifts it", async () => {
    const now = new Date("2026-11-23T10:00:00.000Z");
    const r = await env.make({ SUPPRESSION_DAYS: "7" }, () => now);
    const fp = fingerprintOf("benign backup");
    const ex = executed(await r.execute(decided(closeFp(), {}, { fingerprint: fp })));
    const closureId = ex.details.closureId as string;
    expect((await getJson(r.buckets.closures, closureId, ClosureRecord))!.value).toMatchObject({ reason: "backup job", evidence: ["scheduled task"], status: "closed" });
    expect(await findSuppression(r.buckets.suppressions, fp, now)).toEqual({ by: "responder", reason: "backup job", until: "2026-11-30T10:00:00.000Z" });
    expect(await findSuppression(r.buckets.suppressions, fp, new Date("2026-11-30T10:00:00.001Z"))).toBeNull();
    expect(await findSuppression(r.buckets.suppressions, fingerprintOf("other"), now)).toBeNull();
    await r.undo(ex.actionId, "erin");
    expect(await findSuppression(r.buckets.suppressions, fp, now)).toBeNull();
    expect((await getJson(r.buckets.closures, closureId, ClosureRecord))!.value.status).toBe("reopened");
  });

  it("MANUAL_REVIEW queues a review; undo dismisses it", async () => {
    const r = await env.make();
    const ex = executed(await r.execute(decided(review())));
    const id = ex.details.reviewId as string;
    expect((await getJson(r.buckets.reviews, id, ReviewRecord))!.value).toMatchObject({ status: "open", questions: ["is this the backup window?"] });
    await r.undo(ex.actionId, "frank");
    expect((await getJson(r.buckets.reviews, id, ReviewRecord))!.value.status).toBe("dismissed");
  });

  it("undo names what is wrong: unknown id, shadow action", async () => {
    const r = await env.make();
    await expect(r.undo("0".repeat(64), "x")).rejects.toMatchObject({ code: "unknown" });
    await expect(r.undo("bad id!", "x")).rejects.toBeInstanceOf(UndoError);
    const sh = executed(await r.execute(decided(review(), { mode: "shadow" })));
    await expect(r.undo(sh.actionId, "x")).rejects.toMatchObject({ code: "not_undoable" });
  });
});
