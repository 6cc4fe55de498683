// Feeds in the formats intel teams export (STIX 2.1 bundles, MISP events and the MISP feed
// layout, CSV with a header, plain lists), reloaded on change, and a TAXII 2.1 collection poller
// against a fake TAXII server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ThreatIntelFeeds } from "../../src/enricher/enrich/feeds.js";
import { patternIndicators } from "../../src/enricher/enrich/feed-formats/stix.js";
import { TaxiiPoller, TAXII_MEDIA_TYPE } from "../../src/enricher/enrich/taxii.js";

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "feeds-")); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const future = new Date(Date.now() + 86_400_000).toISOString();
const past = new Date(Date.now() - 86_400_000).toISOString();

// Shaped after the STIX 2.1 specification's indicator examples (section 4.7, 9).
const stixBundle = {
  type: "bundle",
  id: "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
  objects: [
    { type: "identity", spec_version: "2.1", id: "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff", name: "ACME CERT", identity_class: "organization" },
    { type: "indicator", spec_version: "2.1", id: "indicator--a932fcc6-e032-476c-826f-cb970a5a1ade", created_by_ref: "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
      name: "C2 of campaign X", indicator_types: ["malicious-activity"], pattern_type: "stix", confidence: 85, valid_from: "2026-01-01T00:00:00Z", valid_until: future,
      pattern: "[ipv4-addr:value = '185.220.101.1' OR ipv4-addr:value = '185.220.101.2'] OR [domain-name:value = 'login-verify-account.top']" },
    { type: "indicator", spec_version: "2.1", id: "indicator--2", name: "Dropper", indicator_types: ["malicious-activity"], valid_from: "2026-01-01T00:00:00Z",
      pattern: "[file:hashes.'SHA-256' = '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f' AND file:name = 'eicar.com']" },
    { type: "indicator", spec_version: "2.1", id: "indicator--3", name: "Old scanner", valid_from: "2025-01-01T00:00:00Z", valid_until: past, pattern: "[ipv4-addr:value = '45.155.205.1']" },
    { type: "indicator", spec_version: "2.1", id: "indicator--4", name: "Revoked", revoked: true, valid_from: "2025-01-01T00:00:00Z", pattern: "[ipv4-addr:value = '45.155.205.2']" },
    { type: "indicator", spec_version: "2.1", id: "indicator--5", name: "Our CDN", indicator_types: ["benign"], valid_from: "2025-01-01T00:00:00Z", pattern: "[ipv4-addr:value ISSUBSET '104.16.0.0/13']" },
    { type: "indicator", spec_version: "2.1", id: "indicator--6", name: "Sigma rule", pattern_type: "sigma", valid_from: "2025-01-01T00:00:00Z", pattern: "title: x" },
  ],
};

// Shaped after the MISP core format (an event with attributes and an object).
const mispEvent = (info: string, ip: string) => ({
  Event: {
    uuid: "5b4c8b3e-0d3c-4c2a-9b2b-1c2d3e4f5a6b", info, threat_level_id: "1", analysis: "2", date: "2026-11-28",
    Tag: [{ name: "tlp:amber" }],
    Attribute: [
      { type: "ip-dst", category: "Network activity", value: ip, to_ids: true, comment: "beacon" },
      { type: "domain", category: "Network activity", value: "update-check.info", to_ids: false },
      { type: "ip-src|port", category: "Network activity", value: "91.92.93.94|4444", to_ids: true },
      { type: "ip-dst", value: "5.6.7.8", to_ids: true, deleted: true },
    ],
    Object: [{ name: "file", Attribute: [{ type: "sha1", value: "3395856ce81f2b7382dee72602f798b642f14140", to_ids: true }] }],
  },
});

describe("feed formats", () => {
  it("STIX 2.1: pattern comparisons, producer as source, confidence, valid_until, revoked, benign ranges", async () => {
    const feeds = new ThreatIntelFeeds();
    feeds.load(join(dir, "partner-stix.json"), JSON.stringify(stixBundle));
    expect(await feeds.lookup("ip", "185.220.101.2")).toMatchObject({ verdict: "malicious", confidence: 85, detail: "partner-stix (ACME CERT): C2 of campaign X", evidence: { validUntil: future } });
    expect(await feeds.lookup("domain", "LOGIN-verify-account.top")).toMatchObject({ verdict: "malicious" });
    expect(await feeds.lookup("sha256", "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f")).toMatchObject({ verdict: "malicious", detail: "partner-stix: Dropper" });
    expect(await feeds.lookup("ip", "45.155.205.1")).toBeNull(); // past valid_until
    expect(await feeds.lookup("ip", "45.155.205.2")).toBeNull(); // revoked
    expect(await feeds.lookup("ip", "104.17.1.1")).toMatchObject({ verdict: "clean", tags: ["benign"] });
    expect(patternIndicators("[file:hashes.MD5 = '44d88612fea8a8f36de82e1278abb02f'] OR [url:value = 'http://x.top/a\\'b']")).toEqual([
      { type: "md5", value: "44d88612fea8a8f36de82e1278abb02f" }, { type: "url", value: "http://x.top/a'b" },
    ]);
  });

  it("MISP event: to_ids is malicious, the rest suspicious, composite types split, deleted skipped, event info and threat level kept", async () => {
    const feeds = new ThreatIntelFeeds();
    feeds.load(join(dir, "misp-event.json"), JSON.stringify(mispEvent("APT-X phishing wave", "185.220.101.9")));
    expect(await feeds.lookup("ip", "185.220.101.9")).toMatchObject({ verdict: "malicious", confidence: 90, tags: ["tlp:amber"], detail: "misp-event: APT-X phishing wave: beacon" });
    expect(await feeds.lookup("domain", "update-check.info")).toMatchObject({ verdict: "suspicious" });
    expect(await feeds.lookup("ip", "91.92.93.94")).toMatchObject({ verdict: "malicious" });
    expect(await feeds.lookup("sha1", "3395856ce81f2b7382dee72602f798b642f14140")).toMatchObject({ verdict: "malicious" });
    expect(await feeds.lookup("ip", "5.6.7.8")).toBeNull();
    // a REST search answer has the same events under "response"
    const rest = new ThreatIntelFeeds();
    rest.load(join(dir, "search.json"), JSON.stringify({ response: [mispEvent("e1", "1.2.3.4"), mispEvent("e2", "1.2.3.5")] }));
    expect(await rest.lookup("ip", "1.2.3.5")).toMatchObject({ detail: "search: e2: beacon" });
  });

  it("CSV with a header: columns by name, confidence, tags, valid_until; bad rows name the line", async () => {
    const feeds = new ThreatIntelFeeds();
    feeds.load(join(dir, "export.csv"), [
      "# exported from the TIP",
      "value,type,verdict,confidence,tags,description,valid_until",
      `45.9.148.3,ip,malicious,80,botnet;mirai,"Mirai C2, port 23",${future}`,
      `old-c2.xyz,domain,suspicious,40,,,${past}`,
      "evil.example-shop.top,domain,,,phishing,,",
    ].join("\n"));
    expect(await feeds.lookup("ip", "45.9.148.3")).toMatchObject({ verdict: "malicious", confidence: 80, tags: ["botnet", "mirai"], detail: "export: Mirai C2, port 23" });
    expect(await feeds.lookup("domain", "old-c2.xyz")).toBeNull();
    expect(await feeds.lookup("domain", "evil.example-shop.top")).toMatchObject({ verdict: "malicious", tags: ["phishing"] });
    expect(() => new ThreatIntelFeeds().load("/x/t.csv", "indicator,confidence\n1.2.3.4,high\n")).toThrow(/\/x\/t.csv:2: confidence "high" is not a number from 0 to 100/);
    expect(() => new ThreatIntelFeeds().load("/x/t.csv", "indicator,type\n1.2.3.4,asn\n")).toThrow(/\/x\/t.csv:2: type "asn" is not one of/);
  });

  it("plain lists: one indicator a line, malicious by default, IPv6 in any spelling", async () => {
    const feeds = new ThreatIntelFeeds();
    feeds.load(join(dir, "blocklist.list"), "# firehol-style\n2001:DB8:0:0::66\n45.9.148.0/24\nbad-domain.top\n");
    expect(await feeds.lookup("ip", "2001:db8::66")).toMatchObject({ verdict: "malicious", detail: "blocklist" });
    expect(await feeds.lookup("ip", "45.9.148.200")).toMatchObject({ verdict: "malicious" });
    expect(await feeds.lookup("domain", "bad-domain.top")).toMatchObject({ verdict: "malicious" });
  });
});

describe("a feed folder", () => {
  it("reads a MISP feed (manifest.json + one file per event) and reloads on change without a restart", async () => {
    const folder = join(dir, "intel");
    mkdirSync(join(folder, "circl-osint"), { recursive: true });
    const uuid = "5b4c8b3e-0d3c-4c2a-9b2b-1c2d3e4f5a6b";
    writeFileSync(join(folder, "circl-osint", "manifest.json"), JSON.stringify({ [uuid]: { info: "OSINT event", Orgc: { name: "CIRCL" }, date: "2026-11-28", threat_level_id: "1", timestamp: "1764300000" } }));
    writeFileSync(join(folder, "circl-osint", `${uuid}.json`), JSON.stringify(mispEvent("OSINT event", "185.220.101.30")));
    writeFileSync(join(folder, "mine.txt"), "203.0.113.50,suspicious,scanner\n");
    const feeds = ThreatIntelFeeds.fromDirectory(folder);
    expect(await feeds.lookup("ip", "185.220.101.30")).toMatchObject({ verdict: "malicious", detail: "circl-osint: OSINT event: beacon" });
    expect(feeds.reloadIfChanged(folder)).toBe(false);

    writeFileSync(join(folder, "mine.txt"), "203.0.113.50,malicious,scanner\n203.0.113.51\n");
    utimesSync(join(folder, "mine.txt"), new Date(), new Date(Date.now() + 5000));
    expect(feeds.reloadIfChanged(folder)).toBe(true);
    expect(await feeds.lookup("ip", "203.0.113.50")).toMatchObject({ verdict: "malicious" });
    expect(await feeds.lookup("ip", "203.0.113.51")).toMatchObject({ verdict: "malicious" });

    // a broken file on reload: logged, and the last good feeds stay in force
    writeFileSync(join(folder, "broken.csv"), "indicator,verdict\n1.2.3.4,dangerous\n");
    expect(feeds.reloadIfChanged(folder)).toBe(false);
    expect(feeds.lastReloadError).toMatch(/broken.csv:2: verdict "dangerous"/);
    expect(await feeds.lookup("ip", "203.0.113.51")).toMatchObject({ verdict: "malicious" });

    // a manifest naming an event that is not there is an error naming both
    rmSync(join(folder, "broken.csv"));
    rmSync(join(folder, "circl-osint", `${uuid}.json`));
    expect(() => ThreatIntelFeeds.fromDirectory(folder)).toThrow(/manifest.json: lists event 5b4c8b3e-.* but .* is missing/);
  });

  it("watches the folder: a new file is served within a few polls", async () => {
    const folder = join(dir, "watched");
    mkdirSync(folder);
    const feeds = ThreatIntelFeeds.fromDirectory(folder);
    feeds.watch(folder, 1);
    try {
      writeFileSync(join(folder, "new.txt"), "185.220.101.77\n");
      let hit = null;
      for (let i = 0; i < 50 && !hit; i++) {
        await new Promise((r) => setTimeout(r, 100));
        hit = await feeds.lookup("ip", "185.220.101.77");
      }
      expect(hit).toMatchObject({ verdict: "malicious", detail: "new" });
    } finally {
      feeds.stop();
    }
  });
});

describe("TAXII 2.1 poller", () => {
  // A fake TAXII 2.1 server written from the OASIS TAXII 2.1 specification, 5.4 "Get Objects":
  // media type application/taxii+json;version=2.1, an envelope {more, next, objects}, the
  // X-TAXII-Date-Added-First/Last headers and added_after filtering; 406 for a wrong Accept, 401 without auth.
  let server: Server;
  let base = "";
  const seen: { url: string; auth: string | undefined; accept: string | undefined }[] = [];
  beforeAll(async () => {
    const page1 = { more: true, next: "p2", objects: [{ ...stixBundle.objects[1], id: "indicator--t1" }] };
    const page2 = { more: false, objects: [{ type: "indicator", spec_version: "2.1", id: "indicator--t2", name: "taxii ip", valid_from: "2026-01-01T00:00:00Z", pattern: "[ipv4-addr:value = '193.42.33.7']" }] };
    server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://fake");
      seen.push({ url: url.pathname + url.search, auth: req.headers.authorization, accept: req.headers.accept });
      if (req.headers.authorization !== `Basic ${Buffer.from("analyst:s3cret").toString("base64")}` && req.headers.authorization !== "Bearer tok-123") {
        res.writeHead(401, { "content-type": TAXII_MEDIA_TYPE }); return res.end(JSON.stringify({ title: "Unauthorized" }));
      }
      if (req.headers.accept !== TAXII_MEDIA_TYPE) { res.writeHead(406); return res.end(); }
      if (url.pathname !== "/api1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/objects/") { res.writeHead(404, { "content-type": TAXII_MEDIA_TYPE }); return res.end(JSON.stringify({ title: "Collection not found" })); }
      if (url.searchParams.get("added_after") === "2026-11-30T10:00:00.000Z") { res.writeHead(200, { "content-type": TAXII_MEDIA_TYPE }); return res.end(JSON.stringify({ more: false, objects: [] })); }
      const body = url.searchParams.get("next") === "p2" ? page2 : page1;
      res.writeHead(200, { "content-type": TAXII_MEDIA_TYPE, "x-taxii-date-added-first": "2026-11-29T10:00:00.000Z", "x-taxii-date-added-last": "2026-11-30T10:00:00.000Z" });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => { await new Promise((r) => server.close(r)); });

  it("follows pages, asks only for what was added since, and serves the indicators as taxii:<collection>", async () => {
    const feeds = new ThreatIntelFeeds();
    const poller = new TaxiiPoller({ url: base, apiRoot: "api1", collection: "91a7b528-80eb-42ed-a74d-c6fbd5a26116", user: "analyst", password: "s3cret" }, feeds);
    expect(await poller.poll()).toBe(2);
    expect(await feeds.lookup("ip", "193.42.33.7")).toMatchObject({ verdict: "malicious", detail: "taxii:91a7b528-80eb-42ed-a74d-c6fbd5a26116: taxii ip" });
    expect(await feeds.lookup("ip", "185.220.101.1")).toMatchObject({ verdict: "malicious", confidence: 85 });
    expect(seen.map((s) => s.url)).toEqual([
      "/api1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/objects/?match%5Btype%5D=indicator",
      "/api1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/objects/?match%5Btype%5D=indicator&next=p2",
    ]);
    expect(await poller.poll()).toBe(0);
    expect(seen.at(-1)!.url).toContain("added_after=2026-11-30T10%3A00%3A00.000Z");
    expect(await feeds.lookup("ip", "193.42.33.7")).not.toBeNull(); // kept across polls

    const withToken = new TaxiiPoller({ url: base, apiRoot: `${base}/api1/`, collection: "91a7b528-80eb-42ed-a74d-c6fbd5a26116", token: "tok-123" }, new ThreatIntelFeeds());
    expect(await withToken.poll()).toBe(2);
    const refused = new TaxiiPoller({ url: base, apiRoot: "api1", collection: "91a7b528-80eb-42ed-a74d-c6fbd5a26116", token: "wrong" }, new ThreatIntelFeeds());
    await expect(refused.poll()).rejects.toThrow(/TAXII .*answered 401/);
  });
});
