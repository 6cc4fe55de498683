import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, nanos, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { allStageDurables, topology } from "@secops/contracts";
import { startNats, uniqueNamespace, type TestNats } from "../harness/nats.js";
import { natsEnv, parseEnv } from "../../src/runtime/config.js";
import { provisionAll, provisionConsumer, provisionStream, ProvisioningError, STAGE_POLICY } from "../../src/runtime/provision.js";

let nats: TestNats;
let nc: NatsConnection;
let jsm: JetStreamManager;
const cfg = parseEnv(natsEnv, {});

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
  jsm = await jetstreamManager(nc);
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

describe("provisioning", () => {
  it("creates the stream, one durable per stage and the buckets, and is idempotent", async () => {
    const topo = nats.topo;
    await provisionAll(nc, jsm, topo, cfg);
    await provisionAll(nc, jsm, topo, cfg); // a second replica starting
    const info = await jsm.streams.info(topo.stream);
    expect(info.config.subjects).toEqual([topo.all]);
    expect(info.config.retention).toBe(RetentionPolicy.Limits);
    expect(info.config.max_age).toBe(nanos(30 * 24 * 3600 * 1000));
    const consumers = [];
    for await (const c of jsm.consumers.list(topo.stream)) consumers.push(c);
    expect(consumers.map((c) => c.name).sort()).toEqual(allStageDurables(topo).sort());
    // The investigator: one durable per priority, each on its one subject (nats-server 2.9 has no filter_subjects[]).
    for (const p of topo.priorities) expect(consumers.find((c) => c.name === p.durable)?.config.filter_subject).toBe(p.subject);
    const inv = consumers.find((c) => c.name === topo.priorities[0]!.durable)!;
    expect(inv.config.max_deliver).toBe(STAGE_POLICY.investigator.maxDeliver);
    expect(inv.config.max_ack_pending).toBe(STAGE_POLICY.investigator.maxAckPending);
    const buckets: string[] = [];
    for await (const s of new Kvm(nc).list()) buckets.push(s.bucket);
    expect(buckets).toEqual(expect.arrayContaining(Object.values(topo.buckets)));
  });

  it("provisions concurrently from several replicas without failing", async () => {
    const topo = topology(uniqueNamespace());
    await Promise.all([1, 2, 3].map(() => provisionStream(jsm, topo, cfg)));
    await Promise.all([1, 2, 3].map(() => provisionConsumer(jsm, topo, "enricher")));
    expect((await jsm.consumers.info(topo.stream, topo.durables.enricher)).config.filter_subject).toBe(topo.subjects.raw);
  });

  it("fails loudly when an existing stream uses work-queue retention", async () => {
    const topo = topology(uniqueNamespace());
    await jsm.streams.add({ name: topo.stream, subjects: [topo.all], retention: RetentionPolicy.Workqueue });
    await expect(provisionStream(jsm, topo, cfg)).rejects.toThrow(ProvisioningError);
    await expect(provisionStream(jsm, topo, cfg)).rejects.toThrow(/retention "workqueue".*needs "limits"/);
  });

  it("fails loudly when a stream cannot take the configuration", async () => {
    const topo = topology(uniqueNamespace());
    // Storage type cannot change on an existing stream: the server refuses, we name the stream.
    await jsm.streams.add({ name: topo.stream, subjects: [topo.all], storage: StorageType.Memory });
    await expect(provisionStream(jsm, topo, cfg)).rejects.toThrow(new RegExp(`cannot provision stream ${topo.stream}: .*storage`));
  });
});
