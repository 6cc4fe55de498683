// `secops enrich <ioc>...`: asks every enrichment source the pipeline would ask about each
// indicator and prints what each one says, then each online provider's calls, quota and last
// error. For checking API keys, *_URL overrides, quotas and feeds without publishing an alert.
// Nothing is cached: every online answer is fresh (and counts against the quota).
import type { IocType } from "@secops/contracts";
import type { CliCommand } from "../command.js";
import { parseFlags } from "../input.js";
import { parseIp } from "../../shared/ip.js";
import { refang } from "../../enricher/iocs/refang.js";
import { hashTypeOf } from "../../enricher/iocs/hash.js";
import { isInternalIp } from "../../enricher/iocs/ip.js";
import { enrichmentSetup } from "../../enricher/enrich/setup.js";
import { keptInReason } from "../../enricher/enrich/online/egress.js";
import { ProviderUnavailable } from "../../enricher/enrich/online/definition.js";
import { worstVerdict, type ProviderVerdict } from "../../enricher/enrich/provider.js";
import type { ProviderState } from "../../state/enrichment.js";
import { CidrList } from "../../shared/network.js";
import { parseEnv } from "../../runtime/config.js";

/** What kind of indicator a command-line argument is, or why it is none. */
export function indicatorType(value: string): IocType | string {
  // The pipeline's one reading of an address (shared/ip.ts): "10" or "0x0a.1" are not IPs.
  if (parseIp(value)) return "ip";
  const hash = hashTypeOf(value);
  if (hash) return hash;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    try { new URL(value); return "url"; } catch { return "not a valid URL"; }
  }
  if (/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(value)) return "email";
  if (/^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.?$/i.test(value)) return "domain";
  return "expected an IP address, domain, URL, e-mail address or an MD5/SHA-1/SHA-256 hash";
}

const TYPES = new Set<string>(["ip", "domain", "url", "md5", "sha1", "sha256", "email"]);

interface SourceLine { provider: string; verdict: string; detail: string; cached?: boolean; evidence?: ProviderVerdict["evidence"]; confidence?: number }

function quotaText(s: ProviderState): string {
  const limits = [s.quota.perMinute !== null ? `${s.quota.perMinute}/min` : null, s.quota.perDay !== null ? `${s.quota.perDay}/day` : null].filter(Boolean).join(", ");
  return `quota left ${s.quotaLeft ?? "unlimited"}${limits ? ` (${limits}; used ${s.quota.usedThisMinute} this minute, ${s.quota.usedToday} today)` : ""}`;
}

export const command: CliCommand = {
  name: "enrich",
  summary: "ask every enrichment source about indicators and print each answer and each provider's quota",
  usage: `secops enrich [--json] <ip|domain|url|hash|email>...
  Prints, per indicator, the verdict of each source (IP classification, GeoIP/ASN, local feeds and
  every online provider whose key is set), then each online provider's calls, quota left and last
  error. Defanged input (hxxp://, [.]) is accepted. Private, documentation and internal addresses
  are never sent to online providers. --json prints one JSON line per indicator and one for the providers.
  The enricher's variables apply (ABUSEIPDB_API_KEY, VIRUSTOTAL_API_KEY, *_URL, *_QUOTA, GEOIP_*,
  THREAT_INTEL_DIR, INTERNAL_RANGES, ENRICH_TIMEOUT_MS...). Exits 1 when an argument is no indicator.`,
  async run(argv, io) {
    const json = argv.includes("--json");
    const { positional, unknown } = parseFlags(argv.filter((a) => a !== "--json"), []);
    if (unknown.length > 0 || positional.length === 0) {
      io.err(unknown.length > 0 ? `unknown option: ${unknown.join(" ")}` : "no indicator given");
      io.err(`usage: ${this.usage}`);
      return 2;
    }
    const setup = enrichmentSetup(io.env);
    const internalRanges = parseEnv({ INTERNAL_RANGES: CidrList }, io.env).INTERNAL_RANGES;
    let failed = 0;
    for (const arg of positional) {
      const value = refang(arg.trim());
      const type = indicatorType(value);
      if (!TYPES.has(type)) {
        failed++;
        if (json) io.out(JSON.stringify({ indicator: arg, error: type }));
        else io.out(`${arg}: ${type}`);
        continue;
      }
      const t = type as IocType;
      const internal = t === "ip" && isInternalIp(value, internalRanges);
      const signal = AbortSignal.timeout(setup.timeoutMs);
      const lines: SourceLine[] = await Promise.all(setup.providers.filter((p) => p.supports(t)).map(async (p): Promise<SourceLine> => {
        try {
          const a = await p.lookup(t, value, { signal, internal });
          if (!a) return { provider: p.name, verdict: "-", detail: p.online ? (keptInReason(t, value, internal) ?? "no answer") : "no record" };
          return { provider: p.name, verdict: a.verdict, detail: a.detail ?? "", ...(a.evidence ? { evidence: a.evidence } : {}), ...(a.confidence !== undefined ? { confidence: a.confidence } : {}) };
        } catch (e) {
          return { provider: p.name, verdict: "unknown", detail: e instanceof ProviderUnavailable ? e.message : `lookup failed: ${(e as Error).message}` };
        }
      }));
      const verdict = worstVerdict(lines.filter((l) => l.verdict !== "-").map((l) => l.verdict as ProviderVerdict["verdict"]));
      const kept = keptInReason(t, value, internal);
      if (json) {
        io.out(JSON.stringify({ indicator: value, type: t, verdict, sentOut: kept === null, ...(kept ? { keptIn: kept } : {}), sources: lines }));
      } else {
        io.out(`${value} (${t}): ${verdict}${kept && setup.online.length ? `  [not sent to online providers: ${kept}]` : ""}`);
        for (const l of lines) io.out(`  ${l.provider.padEnd(18)} ${l.verdict.padEnd(10)} ${l.detail}${l.confidence !== undefined ? ` (confidence ${l.confidence})` : ""}`);
      }
    }
    const states = setup.online.map((p) => p.state());
    if (json) io.out(JSON.stringify({ providers: states }));
    else {
      io.out(setup.online.length ? "online providers:" : "online providers: none (set ABUSEIPDB_API_KEY, VIRUSTOTAL_API_KEY, GREYNOISE_API_KEY, OTX_API_KEY, ABUSECH_AUTH_KEY or SHODAN_INTERNETDB=on)");
      for (const s of states) {
        io.out(`  ${s.name.padEnd(18)} calls ${s.calls}, ${quotaText(s)}${s.skippedUntil ? `, skipped until ${s.skippedUntil} (${s.skipReason})` : ""}${s.lastError ? `, last error: ${s.lastError.message}` : ""}`);
      }
      if (setup.geoip) io.out(`geoip: ${setup.geoip.sources.country}; ${setup.geoip.sources.asn}`);
      io.out(`feeds: ${setup.feeds.size} indicator(s) from ${setup.feeds.files.length} file(s) in ${setup.feedDir}`);
    }
    return failed > 0 ? 1 : 0;
  },
};
