// Every enrichment record read from KV is checked against its schema (agents/src/state/enrichment.ts):
// a cached answer, a skip, a quota counter or a provider-state record in a wrong shape is reported
// naming the bucket and key, and is not used. Real nats-server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Kvm, type KV } from "@nats-io/kv";
import { startNats, type TestNats } from "../harness/nats.js";
import { cacheKey, ResultCache } from "../../src/enricher/enrich/online/cache.js";
import { SharedQuota } from "../../src/enricher/enrich/online/shared-quota.js";
import { PROVIDER_STATE_PREFIX, readProviderStates, stateKey } from "../../src/state/enrichment.js";
import { StateError } from "../../src/state/kv.js";

let nats: TestNats;
let nc: NatsConnection;
let kv: KV;
const now = new Date("2026-12-01T12:00:00Z");

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
  kv = await new Kvm(nc).create(`enrich-records-${nats.topo.namespace}`, { ttl: 24 * 3600 * 1000 });
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

const state = (at: string, calls: number) => ({
  instance: "enr-a", at,
  providers: [{ name: "abuseipdb", title: "AbuseIPDB", enabled: true, calls, cacheHits: 1, errors: 0, quotaLeft: 990, quota: { perMinute: null, perDay: 1000, usedThisMinute: 0, usedToday: calls }, lastError: null, skippedUntil: null, skipReason: null }],
});

describe("enrichment records in KV", () => {
  it("a cached answer in a wrong shape is reported and asked again; a good one is served until it expires", async () => {
    const seen: StateError[] = [];
    const cache = new ResultCache(kv, (e) => seen.push(e));
    await cache.put("abuseipdb", "ip", "185.220.101.34", { verdict: "malicious", detail: "score 100" }, 3600, now);
    expect(await cache.get("abuseipdb", "ip", "185.220.101.34", now)).toMatchObject({ verdict: "malicious", detail: "score 100" });
    expect(await cache.get("abuseipdb", "ip", "185.220.101.34", new Date(now.getTime() + 3601_000))).toBeNull();
    await kv.put(cacheKey("abuseipdb", "ip", "80.82.77.139"), JSON.stringify({ v: { verdict: "clean-ish" }, at: 1, exp: now.getTime() + 1e6 }));
    expect(await cache.get("abuseipdb", "ip", "80.82.77.139", now)).toBeNull();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.message).toMatch(/KV record .*\/abuseipdb\.ip\.[0-9a-f]{40} does not match its schema: .*verdict/);
  });

  it("a skip in a wrong shape is ignored and reported; a good one is honoured", async () => {
    const seen: StateError[] = [];
    const q = new SharedQuota(kv, (e) => seen.push(e));
    await q.setSkip("greynoise", new Date(now.getTime() + 60_000), "rate-limited by GreyNoise (429)");
    expect(await q.skipOf("greynoise", now)).toMatchObject({ reason: "rate-limited by GreyNoise (429)" });
    await kv.put("_skip.otx", JSON.stringify({ until: "tomorrow-ish", reason: 7 }));
    expect(await q.skipOf("otx", now)).toBeNull();
    expect(seen.map((e) => e.message)).toEqual([expect.stringMatching(/_skip\.otx does not match its schema: until: expected an ISO 8601 time.*reason/)]);
  });

  it("counts calls in a validated counter and refuses a counter that is not a count", async () => {
    const q = new SharedQuota(kv);
    const quota = { perMinute: 2, perDay: null };
    expect(await q.reserve("virustotal", quota, now)).toBeNull();
    expect(await q.reserve("virustotal", quota, now)).toBeNull();
    expect(await q.reserve("virustotal", quota, now)).toMatchObject({ reason: expect.stringMatching(/quota of 2 calls per minute is used up/) });
    await kv.put(`_quota.shodan.m${Math.floor(now.getTime() / 60_000)}`, "\"lots\"");
    await expect(q.reserve("shodan", quota, now)).rejects.toThrow(StateError);
  });

  it("the dashboard's reader leaves out and reports a provider-state record in a wrong shape", async () => {
    await kv.put(stateKey("enr-a"), JSON.stringify(state(now.toISOString(), 10)));
    await kv.put(`${PROVIDER_STATE_PREFIX}enr-b`, JSON.stringify({ ...state(now.toISOString(), 5), providers: [{ name: "abuseipdb", calls: "many" }] }));
    const seen: StateError[] = [];
    const summary = await readProviderStates(kv, now, (e) => seen.push(e));
    expect(summary).toEqual([expect.objectContaining({ name: "abuseipdb", calls: 10, instances: 1, quotaLeft: 990 })]);
    expect(seen.map((e) => e.message)).toEqual([expect.stringMatching(/_state\.providers\.enr-b does not match its schema/)]);
  });
});
