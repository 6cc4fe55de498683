// The page's undo state comes from the action ledger (KV), read through the ledger entry's
// schema: a valid undone entry marks its alert undone, a record that does not match is skipped
// and said in the log, naming bucket and key. A real nats-server.
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Kvm, type KV } from "@nats-io/kv";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Logger } from "pino";
import { UndoWatch } from "../src/feed/undo-watch.js";
import type { AlertIndex, AlertSummary } from "../src/feed/alert-index.js";
import { startNats, type TestNats } from "../../agents/test/harness/nats.js";

let nats: TestNats;
let nc: NatsConnection;
let kv: KV;
const bucket = "undo-watch-test-ledger";
beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url, ...(nats.user ? { user: nats.user, pass: nats.pass } : {}) });
  kv = await new Kvm(nc).create(bucket);
});
afterAll(async () => {
  await nc.close();
  await nats.stop();
});

const now = new Date().toISOString();
const entry = (actionId: string, undone: unknown) => ({
  actionId, alertId: `al-${actionId}`, fingerprint: "f".repeat(64), action: "BLOCK_IP", target: "198.51.100.7", mode: "auto", state: "done",
  claimedAt: now, claimedBy: "r1", attempts: 1, finishedAt: now, execution: null, compensation: null, undone, retryable: false,
});

describe("the dashboard's ledger watch", () => {
  it("marks an undone action's alert undone, and skips a record that does not match the ledger schema, saying so", async () => {
    const applied: string[] = [];
    const index = { applyUndo: vi.fn((alertId: string) => { applied.push(alertId); return { alertId } as AlertSummary; }) } as unknown as AlertIndex;
    const warn = vi.fn();
    const log = { info: vi.fn(), warn } as unknown as Logger;
    const changed: string[] = [];
    const w = new UndoWatch(nc, bucket, index, (s) => changed.push(s.alertId), log);
    await kv.put("a1", JSON.stringify(entry("a1", { by: "alice", at: now, undoActionId: "undo-a1" })));
    await kv.put("a2", JSON.stringify(entry("a2", null))); // in effect: nothing to show
    await kv.put("a3", JSON.stringify({ ...entry("a3", { by: "mallory", at: now, undoActionId: "undo-a3" }), attempts: "many" }));
    await kv.put("a4", "not json");
    w.start();
    await vi.waitFor(() => expect(warn).toHaveBeenCalledTimes(2), { timeout: 5000 });
    await w.stop();
    expect(applied).toEqual(["al-a1"]);
    expect(changed).toEqual(["al-a1"]);
    const said = warn.mock.calls.map((c) => String(c[1]));
    expect(said[0]).toMatch(new RegExp(`${bucket}/a3 does not match the ledger entry schema: .*attempts`));
    expect(said[1]).toMatch(new RegExp(`${bucket}/a4 is not JSON`));
  });
});
