/**
 * What the rules analyst reads from an address's GeoIP/ASN (enrichment's `geo`), the way a SOC
 * analyst does: a login or a scan from hosting or anonymizing infrastructure (a VPS provider, a
 * Tor relay operator) is not a customer or an employee at home, which raises suspicion; an
 * address located in one of the policy's high-risk countries raises it too; and an address of
 * an AS the policy allowlists (the organisation's CDN, cloud or partner) is never proposed for a
 * block, whatever the behaviour (the decider enforces the same rule; the analyst says so first).
 */
import type { IndicatorEnrichment } from "@secops/contracts";

/** The policy's network lists the analyst weighs (`network.allowlist.asns`, `network.highRiskCountries`). */
export interface GeoPolicy {
  allowlistAsns?: readonly number[] | undefined;
  highRiskCountries?: readonly string[] | undefined;
}

/** The lists of a loaded policy (shared/policy.ts), for the analyst. */
export function geoPolicyOf(policy: { network: { allowlist: { asns?: number[] | undefined }; highRiskCountries?: string[] | undefined } }): GeoPolicy {
  return { allowlistAsns: policy.network.allowlist.asns ?? [], highRiskCountries: policy.network.highRiskCountries ?? [] };
}

export type Geo = NonNullable<IndicatorEnrichment["geo"]>;

/**
 * Autonomous systems of hosting, VPS and bullet-proof providers and of Tor exit operators, by
 * number (the ones most seen in attack traffic); other hosting ASes are recognised by their name.
 */
const HOSTING_ASNS = new Map<number, string>([
  [14061, "DigitalOcean"], [16276, "OVH"], [24940, "Hetzner"], [63949, "Linode/Akamai Cloud"], [20473, "Vultr (Choopa)"],
  [51167, "Contabo"], [60781, "Leaseweb"], [9009, "M247"], [53667, "FranTech (BuyVM)"], [202425, "IP Volume"],
  [206728, "Media Land"], [57523, "Chang Way"], [209605, "Host Baltic"], [48090, "Techoff"], [211736, "FOP Dmytro Nedilskyi"],
  [396982, "Google Cloud"], [14618, "Amazon EC2"], [16509, "Amazon AWS"], [8075, "Microsoft Azure"], [31898, "Oracle Cloud"],
]);
/** ASes of Tor exit relay operators (Stiftung Erneuerbare Freiheit, CIA Triad Security, DFRI, F3 Netze). */
const ANONYMIZER_ASNS = new Map<number, string>([[60729, "Tor exits"], [208294, "Tor exits"], [198093, "Tor exits"], [205100, "Tor exits"]]);
const HOSTING_NAME = /\b(hosting|host|hoster|servers?|vps|data ?cent(?:er|re)|colo(?:cation)?|cloud|dedicated|bulletproof)\b/i;

export function geoLabel(g: Geo): string {
  return [g.countryCode ?? g.country, g.asn !== null ? `AS${g.asn}` : null, g.org].filter(Boolean).join(" ");
}

/** "hosting (DigitalOcean)", "anonymizing (Tor exits)" or null for an access or enterprise network. */
export function infrastructure(g: Geo | null | undefined): { kind: "hosting" | "anonymizer"; name: string } | null {
  if (!g || g.asn === null) return null;
  const anon = ANONYMIZER_ASNS.get(g.asn);
  if (anon) return { kind: "anonymizer", name: anon };
  const hosting = HOSTING_ASNS.get(g.asn);
  if (hosting) return { kind: "hosting", name: hosting };
  if (g.org && HOSTING_NAME.test(g.org)) return { kind: "hosting", name: g.org };
  return null;
}

export function highRiskCountry(g: Geo | null | undefined, policy: GeoPolicy): string | null {
  const code = g?.countryCode?.toUpperCase();
  return code && (policy.highRiskCountries ?? []).some((c) => c.toUpperCase() === code) ? code : null;
}

export function allowlistedAs(g: Geo | null | undefined, policy: GeoPolicy): number | null {
  return g && g.asn !== null && (policy.allowlistAsns ?? []).includes(g.asn) ? g.asn : null;
}

/** What the location of an address adds to the evidence, or null when it adds nothing. */
export interface GeoReading {
  label: string;
  infrastructure: ReturnType<typeof infrastructure>;
  highRisk: string | null;
  allowlistedAs: number | null;
  /** Hosting/anonymizing infrastructure or a high-risk country: not where customers and staff come from. */
  raisesSuspicion: boolean;
}

export function readGeo(indicator: IndicatorEnrichment | null | undefined, policy: GeoPolicy): GeoReading | null {
  const g = indicator?.geo;
  if (!g) return null;
  const infra = infrastructure(g);
  const highRisk = highRiskCountry(g, policy);
  return { label: geoLabel(g), infrastructure: infra, highRisk, allowlistedAs: allowlistedAs(g, policy), raisesSuspicion: !!infra || !!highRisk };
}

/** One sentence for the reasoning, e.g. "185.220.101.34 is in DE AS60729 …, anonymizing infrastructure (Tor exits)". */
export function geoSentence(value: string, r: GeoReading): string {
  const parts = [`${value} is located in ${r.label}`];
  if (r.infrastructure) parts.push(r.infrastructure.kind === "anonymizer" ? `an anonymizing network (${r.infrastructure.name})` : `hosting infrastructure (${r.infrastructure.name}), not an access network customers or staff use`);
  if (r.highRisk) parts.push(`a high-risk country of the policy (${r.highRisk})`);
  return `${parts.join("; ")}.`;
}
