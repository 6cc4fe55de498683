// GeoIP and ASN from the databases packaged on npm, for well-known public addresses; and the
// user's own MaxMind files in their place.
import { describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { GeoIp, PACKAGED_COUNTRY_DB } from "../../src/enricher/enrich/geo/geoip.js";
import { AsnTable } from "../../src/enricher/enrich/geo/asn-table.js";
import { enrichmentSetup } from "../../src/enricher/enrich/setup.js";
import { enrichIndicators } from "../../src/enricher/enrich/index.js";
import { DEFAULT_ASSET_RULES } from "../../src/enricher/enrich/assets.js";
import { normalizeAlert } from "../../src/enricher/normalize/index.js";

const geo = GeoIp.open();

describe("embedded GeoIP and ASN", () => {
  it.each([
    ["8.8.8.8", "US", 15169, /Google/],
    ["9.9.9.9", "US", 19281, /Quad9/],
    ["1.1.1.1", "AU", 13335, /Cloudflare/], // APNIC's registration of Cloudflare's resolver block is Australian
    ["2001:4860:4860::8888", "US", 15169, /Google/],
    ["2606:4700:4700::1111", "US", 13335, /Cloudflare/],
    // The sample alerts' public addresses (input_alerts/), so `npm run demo` shows a location for each.
    ["185.220.101.34", "DE", 60729, /Stiftung Erneuerbare Freiheit/],
    ["159.223.45.12", "SG", 14061, /DigitalOcean/],
    ["80.82.77.139", "NL", 202425, /IP Volume/],
  ])("%s is in %s, AS%d", (ip, countryCode, asn, org) => {
    expect(geo.locate(ip)).toMatchObject({ countryCode, asn, org: expect.stringMatching(org) });
  });

  it("reads IPv6 ranges finer than /64 exactly, and unquotes organisation names with commas", () => {
    const table = AsnTable.load(dirname(createRequire(import.meta.url).resolve("@ip-location-db/asn/package.json")));
    expect(table.lookup("2001:4:112::1")).toEqual({ asn: 112, org: "DNS-OARC" });
    expect(table.lookup("1.0.0.1")).toEqual({ asn: 13335, org: "Cloudflare, Inc." });
    expect(table.lookup("0.0.0.1")).toBeNull();
  });

  it("names the country in English and says nothing about reputation", async () => {
    expect(geo.locate("8.8.8.8")!.country).toBe("United States");
    expect(await geo.lookup("ip", "8.8.8.8")).toMatchObject({ verdict: "unknown", detail: "US AS15169 Google LLC" });
  });

  it("does not locate private, documentation or reserved addresses (the packaged data is wrong for some of them)", () => {
    for (const ip of ["10.1.2.3", "192.168.1.1", "198.51.100.1", "203.0.113.87", "192.0.2.1", "2001:db8::1", "127.0.0.1", "100.64.0.1", "fe80::1"]) expect(geo.locate(ip)).toBeNull();
  });

  it("puts country, ASN and organisation on every public IP of an alert, and none on the others", async () => {
    const r = normalizeAlert(JSON.stringify({ title: "Outbound DNS to resolvers", description: "10.0.0.5 queried 8.8.8.8 and 9.9.9.9, then 198.51.100.7" }));
    if (!r.ok) throw new Error(r.error.reason);
    const { providers } = enrichmentSetup({});
    const e = await enrichIndicators(r.alert, { providers, assetRules: DEFAULT_ASSET_RULES });
    const by = (v: string) => e.indicators.find((i) => i.value === v)!;
    expect(by("8.8.8.8").geo).toEqual({ country: "United States", countryCode: "US", asn: 15169, org: "Google LLC" });
    expect(by("9.9.9.9").geo).toMatchObject({ countryCode: "US", asn: 19281 });
    expect(by("10.0.0.5").geo).toBeNull();
    expect(by("198.51.100.7").geo).toBeNull();
    expect(e.providers).toContain("geoip");
  });

  it("reads the user's own mmdb files instead, and refuses a file of the wrong kind naming the variable", () => {
    const own = join(dirname(createRequire(import.meta.url).resolve(`${PACKAGED_COUNTRY_DB}/package.json`)), "geo-whois-asn-country-ipv4.mmdb");
    const g = GeoIp.open({ cityDb: own });
    expect(g.sources.country).toContain(own);
    expect(g.locate("8.8.8.8")).toMatchObject({ countryCode: "US", asn: 15169 });
    expect(() => GeoIp.open({ asnDb: own })).toThrow(/GEOIP_ASN_DB=.*is not an ASN database; expected GeoLite2-ASN/);
    expect(() => GeoIp.open({ cityDb: "/nonexistent/GeoLite2-City.mmdb" })).toThrow(/GEOIP_CITY_DB=\/nonexistent\/GeoLite2-City.mmdb: cannot read the file \(ENOENT\)/);
    expect(() => enrichmentSetup({ GEOIP: "off" }).geoip).not.toThrow();
    expect(enrichmentSetup({ GEOIP: "off" }).geoip).toBeNull();
  });
});
