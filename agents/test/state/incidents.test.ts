// The incidents bucket's records are read through their schemas (state/incidents.ts), on a real
// nats-server: a record another version wrote wrongly is an error naming the bucket and key,
// links written before they were JSON still read, and the first case recorded for an incident
// stands (a bare TheHive alert gives way to its case).
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Kvm, type KV } from "@nats-io/kv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StateError } from "../../src/state/kv.js";
import {
  alertLinkKey, claimIncidentCase, entityRecordKey, incidentKey, readAlertLink, readEntity, readIncident,
} from "../../src/state/incidents.js";
import { KvIncidentStore } from "../../src/correlator/index.js";
import { startNats, type TestNats } from "../harness/nats.js";

let nats: TestNats;
let nc: NatsConnection;
let kv: KV;
beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url, ...(nats.user ? { user: nats.user, pass: nats.pass } : {}) });
  kv = await new Kvm(nc).create(nats.topo.correlator.bucket, { history: 5 });
});
afterAll(async () => {
  await nc.close();
  await nats.stop();
});

describe("incident records", () => {
  it("refuses a record that does not match its schema, naming bucket and key", async () => {
    await kv.put(incidentKey("inc-0000000000000001"), JSON.stringify({ incidentId: "inc-0000000000000001", severity: "extreme" }));
    await expect(readIncident(kv, "inc-0000000000000001")).rejects.toThrow(StateError);
    await expect(readIncident(kv, "inc-0000000000000001")).rejects.toThrow(new RegExp(`${nats.topo.correlator.bucket}/inc\\.inc-0000000000000001 does not match its schema`));
    await kv.put(entityRecordKey("host", "h1"), "not json");
    await expect(readEntity(kv, "host", "h1")).rejects.toThrow(/is not JSON/);
  });

  it("reads alert links as JSON, the bare incident ids older versions wrote, and the correlator's seen mark", async () => {
    const store = new KvIncidentStore(kv);
    await store.linkAlert("al-1", "inc-00000000000000aa");
    expect(await store.incidentOfAlert("al-1")).toBe("inc-00000000000000aa");
    await kv.put(alertLinkKey("al-legacy"), "inc-00000000000000bb");
    expect(await readAlertLink(kv, "al-legacy")).toEqual({ incidentId: "inc-00000000000000bb" });
    await store.markSeen("al-2");
    expect(await readAlertLink(kv, "al-2")).toEqual({ incidentId: null });
    await store.markSeen("al-1"); // a link wins over the mark
    expect(await store.incidentOfAlert("al-1")).toBe("inc-00000000000000aa");
    await kv.put(alertLinkKey("al-bad"), "<script>");
    await expect(readAlertLink(kv, "al-bad")).rejects.toThrow(StateError);
  });

  it("keeps the first case recorded for an incident; a bare alert gives way to a case", async () => {
    const base = { connector: "thehive" as const, incidentId: "inc-00000000000000cc", alertId: "al-1", actionId: "a1", at: new Date().toISOString() };
    expect(await claimIncidentCase(kv, { ...base, kind: "alert", ref: "~1" })).toMatchObject({ kind: "alert", ref: "~1" });
    expect(await claimIncidentCase(kv, { ...base, kind: "alert", ref: "~2" })).toMatchObject({ ref: "~1" });
    expect(await claimIncidentCase(kv, { ...base, kind: "case", ref: "~9" })).toMatchObject({ kind: "case", ref: "~9" });
    expect(await claimIncidentCase(kv, { ...base, kind: "case", ref: "~10" })).toMatchObject({ kind: "case", ref: "~9" });
  });
});
