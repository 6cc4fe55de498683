// Two enricher agents (the real stage, in-process) on one nats-server, with every online
// provider on against the fake: what one replica learned is answered from KV to the other,
// GeoIP lands in alerts.enriched, and provider state reaches KV for the dashboard.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { pino } from "pino";
import { EnrichedMessage } from "@secops/contracts";
import { startNats, type TestNats } from "../harness/nats.js";
import { startAgent, type RunningAgent } from "../../src/runtime/agent.js";
import { enricherStage } from "../../src/enricher/main.js";
import { readProviderStates } from "../../src/state/enrichment.js";
import { Collector } from "../e2e/pipeline-harness.js";
import { MALICIOUS_IP, fakeEnv, startFakeIntel, type FakeIntel } from "./fake-intel-server.js";

let nats: TestNats;
let nc: NatsConnection;
let intel: FakeIntel;
const agents: RunningAgent[] = [];

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url, ...(nats.user ? { user: nats.user, pass: nats.pass } : {}) });
  intel = await startFakeIntel();
});
afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await intel?.close();
  await nc?.close();
  await nats?.stop();
});

const raw = (n: number) => JSON.stringify({ title: `SSH brute force #${n}`, severity: "high", description: `Failed logins from ${MALICIOUS_IP} and 8.8.8.8 against bastion-01` });

describe("two enricher replicas", () => {
  it("share answers through KV, put GeoIP on the message and report provider state", async () => {
    const env = {
      NATS_URL: nats.url, SECOPS_NAMESPACE: nats.topo.namespace, LOG_LEVEL: "silent", ENRICH_STATE_SECONDS: "1",
      ...(nats.user ? { NATS_USER: nats.user, NATS_PASSWORD: nats.pass ?? "" } : {}),
      ...fakeEnv(intel, { GEOIP: "on" }),
    };
    const log = pino({ level: "silent" });
    for (const id of ["enr-a", "enr-b"]) agents.push(await startAgent({ stage: enricherStage, env: { ...env, INSTANCE_ID: id }, log }));
    const collector = await Collector.start(nc, nats.topo, nats.topo.subjects.enrichedAll);
    const js = jetstream(nc);
    try {
      await js.publish(nats.topo.subjects.raw, raw(1));
      await collector.waitFor(() => collector.items.length === 1, 30_000, "the first enriched alert");
      const first = EnrichedMessage.parse(collector.items[0]!.data);
      const asked = intel.requests.filter((r) => r.provider === "abuseipdb").length;
      expect(asked).toBe(2); // 185.220.101.1 and 8.8.8.8
      // Its state reaches KV shortly after the lookups (the dashboard's view)...
      const kv = await new Kvm(nc).open(nats.topo.buckets.enrichmentCache);
      let states = await readProviderStates(kv, new Date());
      for (let i = 0; i < 50 && (states.find((s) => s.name === "abuseipdb")?.calls ?? 0) < 2; i++) {
        await new Promise((r) => setTimeout(r, 100));
        states = await readProviderStates(kv, new Date());
      }
      expect(states.find((s) => s.name === "abuseipdb")).toMatchObject({ enabled: true, calls: 2, cacheHits: 0, instances: 2 });
      // ...then the replica that answered stops; the other one gets the rest and must find them in KV.
      const other = agents.find((a) => a.runtime.producer.instance !== first.producer.instance)!;
      await agents.find((a) => a !== other)!.stop();
      for (const n of [2, 3, 4]) await js.publish(nats.topo.subjects.raw, raw(n));
      await collector.waitFor(() => collector.items.length === 4, 30_000, "three more enriched alerts");
      const later = collector.items.slice(1).map((i) => EnrichedMessage.parse(i.data));
      expect(new Set(later.map((m) => m.producer.instance))).toEqual(new Set([other.runtime.producer.instance]));
      expect(intel.requests.filter((r) => r.provider === "abuseipdb")).toHaveLength(asked);
      for (const m of later) {
        const ip = m.enrichment.indicators.find((i) => i.value === MALICIOUS_IP)!;
        expect(ip).toMatchObject({ verdict: "malicious", cached: true });
        expect(m.enrichment.indicators.find((i) => i.value === "8.8.8.8")!.geo).toEqual({ country: "United States", countryCode: "US", asn: 15169, org: "Google LLC" });
      }
      states = await readProviderStates(kv, new Date());
      for (let i = 0; i < 40 && (states.find((s) => s.name === "abuseipdb")?.cacheHits ?? 0) < 6; i++) {
        await new Promise((r) => setTimeout(r, 100));
        states = await readProviderStates(kv, new Date());
      }
      expect(states.find((s) => s.name === "abuseipdb")).toMatchObject({ enabled: true, calls: 2, cacheHits: 6 });
    } finally {
      collector.stop();
    }
  }, 120_000); // two replicas each load the ASN table at start: seconds on a loaded 2-core machine
});
