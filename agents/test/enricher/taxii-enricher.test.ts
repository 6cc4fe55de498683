// The TAXII 2.1 poller as the enricher runs it: started from TAXII_URL / TAXII_API_ROOT /
// TAXII_COLLECTION (+ basic or bearer auth) in the real enricher stage on a real nats-server,
// against a fake TAXII 2.1 server (fake-taxii-server.ts) that pages, filters by added_after and
// refuses as the specification says. Hits reach alerts.enriched with their source and confidence.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { pino } from "pino";
import { EnrichedMessage } from "@secops/contracts";
import { startNats, type TestNats } from "../harness/nats.js";
import { startAgent, type RunningAgent } from "../../src/runtime/agent.js";
import { enricherStage } from "../../src/enricher/main.js";
import { parseEnrichmentEnv } from "../../src/enricher/enrich/config.js";
import { TaxiiPoller } from "../../src/enricher/enrich/taxii.js";
import { ThreatIntelFeeds } from "../../src/enricher/enrich/feeds.js";
import { Collector } from "../e2e/pipeline-harness.js";
import { indicator, startFakeTaxii, TAXII_TYPE, type FakeTaxii } from "./fake-taxii-server.js";

let nats: TestNats;
let nc: NatsConnection;
let taxii: FakeTaxii;
const agents: RunningAgent[] = [];

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url, ...(nats.user ? { user: nats.user, pass: nats.pass } : {}) });
  taxii = await startFakeTaxii();
});
afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await taxii?.close();
  await nc?.close();
  await nats?.stop();
});

const until = async (ok: () => boolean, ms: number, what: string) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe("the enricher's TAXII 2.1 poller", () => {
  it("starts from the TAXII_* variables, pages through the collection, and its hits reach alerts.enriched with source and confidence", async () => {
    taxii.add(indicator("a1", "[domain-name:value = 'c2.badcdn.example.net']", { confidence: 70 }));
    taxii.add({ type: "malware", spec_version: "2.1", id: "malware--m1", name: "not an indicator", is_family: true });
    taxii.add(indicator("a0", "[ipv4-addr:value = '91.240.118.172']", { confidence: 50, revoked: true }));
    const lastOfFirstPoll = taxii.add(indicator("a2", "[ipv4-addr:value = '194.26.29.102']", { confidence: 85, name: "Media Land scanner" }));
    const env = {
      NATS_URL: nats.url, SECOPS_NAMESPACE: nats.topo.namespace, LOG_LEVEL: "silent", INSTANCE_ID: "enr-taxii",
      ...(nats.user ? { NATS_USER: nats.user, NATS_PASSWORD: nats.pass ?? "" } : {}),
      TAXII_URL: taxii.url, TAXII_API_ROOT: `/${taxii.apiRoot}/`, TAXII_COLLECTION: taxii.collection,
      TAXII_USER: "analyst", TAXII_PASSWORD: "s3cret", TAXII_POLL_SECONDS: "10",
    };
    agents.push(await startAgent({ stage: enricherStage, env, log: pino({ level: "silent" }) }));
    // Page 1 (2 of the 3 indicators; the server's page size is 2), then page 2 through `next`.
    await until(() => taxii.requests.length >= 2, 10_000, "both pages of the first poll");
    const [p1, p2] = taxii.requests;
    expect(p1).toMatchObject({ path: `/${taxii.apiRoot}/collections/${taxii.collection}/objects/`, accept: TAXII_TYPE, authorization: `Basic ${Buffer.from("analyst:s3cret").toString("base64")}` });
    expect(p1!.query).toEqual({ "match[type]": "indicator" });
    expect(p2!.query).toEqual({ "match[type]": "indicator", next: "p1" });

    const collector = await Collector.start(nc, nats.topo, nats.topo.subjects.enrichedAll);
    const js = jetstream(nc);
    await new Promise((r) => setTimeout(r, 200));
    await js.publish(nats.topo.subjects.raw, JSON.stringify({ title: "Outbound beacon", severity: "high", description: "wks-4 contacted c2.badcdn.example.net, 91.240.118.172 and 194.26.29.102" }));
    await collector.waitFor(() => collector.items.length === 1, 30_000, "the enriched alert");
    const m = EnrichedMessage.parse(collector.items[0]!.data);
    const ip = m.enrichment.indicators.find((i) => i.value === "194.26.29.102")!;
    expect(ip.verdict).toBe("malicious");
    expect(ip.sources).toContainEqual(expect.objectContaining({
      name: "local-feeds", verdict: "malicious", confidence: 85, detail: `taxii:${taxii.collection}: Media Land scanner`,
      evidence: expect.objectContaining({ feeds: [`taxii:${taxii.collection}`] }),
    }));
    expect(ip.geo).toMatchObject({ countryCode: "RU", asn: 206728 });
    // A revoked indicator is not a hit.
    expect(m.enrichment.indicators.find((i) => i.value === "91.240.118.172")!.verdict).toBe("unknown");
    expect(m.enrichment.indicators.find((i) => i.value === "c2.badcdn.example.net")!.sources).toContainEqual(expect.objectContaining({ name: "local-feeds", confidence: 70 }));
    expect(taxii.requests).toHaveLength(2);

    // The next poll asks only for what was added after the last poll's X-TAXII-Date-Added-Last.
    taxii.add(indicator("a3", "[ipv4-addr:value = '45.155.205.233']", { confidence: 60 }));
    const before = taxii.requests.length;
    await until(() => taxii.requests.length > before, 15_000, "the second poll");
    expect(taxii.requests[before]!.query).toEqual({ "match[type]": "indicator", added_after: lastOfFirstPoll });
    await new Promise((r) => setTimeout(r, 200));
    await js.publish(nats.topo.subjects.raw, JSON.stringify({ title: "Outbound beacon 2", severity: "high", description: "wks-5 contacted 45.155.205.233 and 194.26.29.102" }));
    await collector.waitFor(() => collector.items.length === 2, 30_000, "the second enriched alert");
    const later = EnrichedMessage.parse(collector.items[1]!.data);
    expect(later.enrichment.indicators.find((i) => i.value === "45.155.205.233")).toMatchObject({ verdict: "malicious" });
    // Indicators of earlier polls stay in force.
    expect(later.enrichment.indicators.find((i) => i.value === "194.26.29.102")).toMatchObject({ verdict: "malicious" });
  }, 60_000);

  it("a bad TAXII setting stops the enricher naming the variable", async () => {
    const base = { TAXII_URL: "https://taxii.example.org", TAXII_API_ROOT: "api1", TAXII_COLLECTION: "c1" };
    const bad = (env: Record<string, string>) => { try { parseEnrichmentEnv(env); return null; } catch (e) { return (e as Error).message; } };
    expect(bad({ ...base, TAXII_URL: "ftp://taxii.example.org" })).toMatch(/TAXII_URL="ftp:\/\/taxii\.example\.org": expected an http\(s\) base URL/);
    expect(bad({ ...base, TAXII_API_ROOT: "api 1" })).toMatch(/TAXII_API_ROOT="api 1": expected an API root path/);
    expect(bad({ ...base, TAXII_COLLECTION: "a/b" })).toMatch(/TAXII_COLLECTION="a\/b": expected a collection id/);
    expect(bad({ ...base, TAXII_USER: "analyst" })).toMatch(/TAXII_PASSWORD=\(unset\): basic auth needs TAXII_USER and TAXII_PASSWORD together/);
    expect(bad({ ...base, TAXII_USER: "analyst", TAXII_PASSWORD: "x", TAXII_TOKEN: "tok-1234567890" })).toMatch(/TAXII_TOKEN=.*choose one TAXII authentication/);
    expect(bad({ ...base, TAXII_POLL_SECONDS: "2" })).toMatch(/TAXII_POLL_SECONDS="2": expected at least 10 seconds/);
    expect(bad(base)).toBeNull();
    // The agent itself refuses to start.
    await expect(startAgent({
      stage: enricherStage, log: pino({ level: "silent" }),
      env: { NATS_URL: nats.url, SECOPS_NAMESPACE: nats.topo.namespace, ...(nats.user ? { NATS_USER: nats.user, NATS_PASSWORD: nats.pass ?? "" } : {}), ...base, TAXII_USER: "analyst" },
    })).rejects.toThrow(/TAXII_PASSWORD/);
  });
});

describe("TaxiiPoller against the fake's refusals and paging without next", () => {
  const poller = (server: FakeTaxii, auth: { user?: string; password?: string; token?: string }, collection = server.collection) =>
    new TaxiiPoller({ url: server.url, apiRoot: server.apiRoot, collection, ...auth }, new ThreatIntelFeeds());

  it("says what 401, 403 and 404 mean", async () => {
    await expect(poller(taxii, {}).poll()).rejects.toThrow(/answered 401: the credentials were refused or are missing \(TAXII_USER\/TAXII_PASSWORD or TAXII_TOKEN\)/);
    await expect(poller(taxii, { token: "tok-wrong-000" }).poll()).rejects.toThrow(/answered 401/);
    await expect(poller(taxii, { user: "intern", password: "welcome1" }).poll()).rejects.toThrow(/answered 403: these credentials may not read this collection/);
    await expect(poller(taxii, { token: "tok-1234567890" }, "no-such-collection").poll()).rejects.toThrow(/answered 404: no collection no-such-collection under API root taxii2\/api1/);
    expect(await poller(taxii, { token: "tok-1234567890" }).poll()).toBeGreaterThan(0);
  });

  it("follows `more` with added_after when the server gives no next token", async () => {
    const s = await startFakeTaxii({ noNext: true, pageSize: 1 });
    try {
      for (const [i, ip] of ["91.240.118.172", "141.98.11.11", "5.188.206.14"].entries()) s.add(indicator(`n${i}`, `[ipv4-addr:value = '${ip}']`));
      const feeds = new ThreatIntelFeeds();
      const p = new TaxiiPoller({ url: s.url, apiRoot: s.apiRoot, collection: s.collection, token: "tok-1234567890" }, feeds);
      expect(await p.poll()).toBe(3);
      expect(s.requests.map((r) => r.query.added_after ?? null)).toEqual([null, "2026-11-30T10:00:01.000Z", "2026-11-30T10:00:02.000Z"]);
      for (const ip of ["91.240.118.172", "141.98.11.11", "5.188.206.14"]) expect(await feeds.lookup("ip", ip)).toMatchObject({ verdict: "malicious" });
      expect(await p.poll()).toBe(0);
      expect(s.requests.at(-1)!.query.added_after).toBe("2026-11-30T10:00:03.000Z");
    } finally {
      await s.close();
    }
  });
});
