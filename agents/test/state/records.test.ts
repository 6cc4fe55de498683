// Every KV read goes through the record's schema: a record another version (or a person with
// the nats CLI) wrote wrongly is an error naming the bucket and key, not a value that breaks
// the responder or the dashboard later.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kvm, type KV } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startNats, type TestNats } from "../harness/nats.js";
import { StateError, getJson, listJson } from "../../src/state/kv.js";
import { findSuppression } from "../../src/state/suppressions.js";
import { BlockRecord, SuppressionRecord } from "../../src/state/records.js";
import { TrustState } from "../../src/trust/state.js";

let nats: TestNats;
let nc: NatsConnection;
let kv: KV;

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url, ...(nats.user ? { user: nats.user, pass: nats.pass } : {}) });
  kv = await new Kvm(nc).create(`${nats.topo.buckets.suppressions}-records-test`);
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

const fp = "f".repeat(64);
const good = { fingerprint: fp, by: "alice", reason: "backup job", until: null, closureId: "CLS-1", actionId: "a".repeat(64), createdAt: "2026-11-23T10:00:00.000Z" };

describe("KV records are validated on read", () => {
  it("returns a valid record, keeping fields a newer version added", async () => {
    await kv.put(fp, JSON.stringify({ ...good, addedLater: 1 }));
    const r = await getJson(kv, fp, SuppressionRecord);
    expect(r!.value).toMatchObject(good);
    expect((r!.value as Record<string, unknown>).addedLater).toBe(1);
    expect(await findSuppression(kv, fp, new Date())).toEqual({ by: "alice", reason: "backup job", until: null });
  });

  it("refuses a record that does not match, naming the bucket, the key and the field", async () => {
    await kv.put(fp, JSON.stringify({ ...good, until: 42 }));
    const err = await getJson(kv, fp, SuppressionRecord).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateError);
    expect((err as Error).message).toMatch(new RegExp(`records-test/${fp} does not match its schema: until`));
    await expect(findSuppression(kv, fp, new Date())).rejects.toBeInstanceOf(StateError);
  });

  it("refuses a record that is not JSON, and lists validate every entry", async () => {
    await kv.put("broken", "{not json");
    await expect(getJson(kv, "broken", BlockRecord)).rejects.toThrow(/broken is not JSON/);
    await expect(listJson(kv, BlockRecord)).rejects.toBeInstanceOf(StateError);
  });

  it("validates the trust bucket too: a kill switch written wrongly is an error, never read as 'not paused'", async () => {
    const trust = new TrustState(await new Kvm(nc).create(`${nats.topo.buckets.trust}-records-test`));
    expect((await trust.setPaused(true, "alice")).paused).toBe(true);
    expect((await trust.pause()).paused).toBe(true);
    await trust.kv.put("pause", JSON.stringify({ paused: "yes", by: "mallory" }));
    const err = await trust.pause().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateError);
    expect((err as Error).message).toMatch(/pause/);
  });
});
