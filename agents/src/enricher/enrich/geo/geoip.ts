// Offline GeoIP and ASN for public addresses, on by default. Country comes from an mmdb read with
// `maxmind` (the packaged @ip-location-db/geo-whois-asn-country database, or the user's own MaxMind
// GeoLite2/GeoIP2 City or Country file in GEOIP_CITY_DB); ASN and organisation from the packaged
// @ip-location-db/asn table or the user's GeoLite2/GeoIP2 ASN file in GEOIP_ASN_DB.
// Private, documentation and reserved addresses are not looked up: they have no location.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Reader, type AsnResponse, type CityResponse } from "maxmind";
import type { IocType } from "@secops/contracts";
import type { EnrichmentProvider, ProviderVerdict } from "../provider.js";
import { ipTags } from "../ip-classification.js";
import { AsnTable } from "./asn-table.js";

const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

export const PACKAGED_COUNTRY_DB = "@ip-location-db/geo-whois-asn-country-mmdb";
export const PACKAGED_ASN_DB = "@ip-location-db/asn";

const regionNames = new Intl.DisplayNames(["en"], { type: "region" });
function countryName(code: string): string {
  try { return regionNames.of(code) ?? code; } catch { return code; }
}

type CountryRecord = Partial<CityResponse> & { country_code?: string };

export interface GeoInfo { country: string | null; countryCode: string | null; asn: number | null; org: string | null }

export interface GeoIpOptions {
  /** A MaxMind City or Country mmdb instead of the packaged country database. */
  cityDb?: string | undefined;
  /** A MaxMind ASN mmdb instead of the packaged ASN table. */
  asnDb?: string | undefined;
}

function openMmdb<T extends object>(path: string, variable: string): Reader<T> {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new Error(`${variable}=${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); expected a MaxMind .mmdb database`);
  }
  try {
    return new Reader<T & import("maxmind").Response>(buf) as unknown as Reader<T>;
  } catch (e) {
    throw new Error(`${variable}=${path}: not a MaxMind database (${(e as Error).message}); expected a GeoLite2/GeoIP2 .mmdb file`);
  }
}

export class GeoIp implements EnrichmentProvider {
  readonly name = "geoip";
  readonly online = false;

  private constructor(
    private readonly country: Reader<CountryRecord>,
    private readonly asnReader: Reader<AsnResponse> | null,
    private readonly asnTable: AsnTable | null,
    /** Which databases answer, for logs and `secops enrich`. */
    readonly sources: { country: string; asn: string },
  ) {}

  static open(opts: GeoIpOptions = {}): GeoIp {
    const countryPath = opts.cityDb ?? join(packageDir(PACKAGED_COUNTRY_DB), "geo-whois-asn-country.mmdb");
    const country = openMmdb<CountryRecord>(countryPath, opts.cityDb ? "GEOIP_CITY_DB" : PACKAGED_COUNTRY_DB);
    if (opts.cityDb && /asn/i.test(country.metadata.databaseType)) {
      throw new Error(`GEOIP_CITY_DB=${opts.cityDb}: this is an ASN database (${country.metadata.databaseType}); expected a City or Country database (put the ASN file in GEOIP_ASN_DB)`);
    }
    let asnReader: Reader<AsnResponse> | null = null;
    let asnTable: AsnTable | null = null;
    if (opts.asnDb) {
      asnReader = openMmdb<AsnResponse>(opts.asnDb, "GEOIP_ASN_DB");
      if (!/asn/i.test(asnReader.metadata.databaseType)) {
        throw new Error(`GEOIP_ASN_DB=${opts.asnDb}: database type ${asnReader.metadata.databaseType} is not an ASN database; expected GeoLite2-ASN or GeoIP2-ISP`);
      }
    } else {
      asnTable = AsnTable.load(packageDir(PACKAGED_ASN_DB));
    }
    return new GeoIp(country, asnReader, asnTable, {
      country: opts.cityDb ? `${country.metadata.databaseType} (${opts.cityDb})` : `${PACKAGED_COUNTRY_DB} (${country.metadata.databaseType}, built ${country.metadata.buildEpoch.toISOString().slice(0, 10)})`,
      asn: opts.asnDb ? `${asnReader!.metadata.databaseType} (${opts.asnDb})` : `${PACKAGED_ASN_DB} (${asnTable!.size} ranges)`,
    });
  }

  supports(type: IocType): boolean {
    return type === "ip";
  }

  /** Country and AS of a public address; null for any other (private, documentation, reserved). */
  locate(ip: string): GeoInfo | null {
    if (!ipTags(ip).includes("public")) return null;
    const rec = this.country.get(ip);
    const code = rec?.country?.iso_code ?? rec?.registered_country?.iso_code ?? rec?.country_code ?? null;
    const name = rec?.country?.names?.en ?? rec?.registered_country?.names?.en ?? (code ? countryName(code) : null);
    let asn: number | null = null;
    let org: string | null = null;
    if (this.asnReader) {
      const a = this.asnReader.get(ip);
      asn = a?.autonomous_system_number ?? null;
      org = a?.autonomous_system_organization ?? null;
    } else {
      const a = this.asnTable!.lookup(ip);
      asn = a?.asn ?? null;
      org = a?.org ?? null;
    }
    if (!code && asn === null) return null;
    return { country: name, countryCode: code, asn, org };
  }

  async lookup(_type: IocType, value: string): Promise<ProviderVerdict | null> {
    const geo = this.locate(value);
    if (!geo) return null;
    const detail = [geo.countryCode, geo.asn !== null ? `AS${geo.asn}` : null, geo.org].filter(Boolean).join(" ");
    // Location is context, not reputation: the verdict stays unknown.
    return { verdict: "unknown", detail, geo };
  }
}
