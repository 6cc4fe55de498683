// VirusTotal API v3 (docs.virustotal.com/reference/overview): GET /api/v3/ip_addresses/{ip},
// /domains/{domain}, /urls/{id} where id is the URL in unpadded base64url, /files/{md5|sha1|sha256},
// with the key in `x-apikey`. The object is {"data": {"attributes": {"last_analysis_stats":
// {malicious, suspicious, harmless, undetected, timeout}, reputation, last_analysis_date, ...}}}.
// Unknown objects are 404 {"error": {"code": "NotFoundError"}}; an exhausted quota is 429
// QuotaExceededError. The public API allows 4 lookups a minute and 500 a day, with no rate-limit
// headers, so the quota is counted here.
//
// Verdict: 3 or more engines say malicious -> malicious; 1 or 2 malicious, or 2 or more suspicious
// -> suspicious; analysed by engines and flagged by none -> clean; never analysed -> unknown.
import { isoFromEpochSeconds, read, type OnlineProviderDefinition, type ProviderRequest } from "../online/definition.js";
import type { ProviderVerdict } from "../provider.js";

const PATHS = { ip: "ip_addresses", domain: "domains", url: "urls", md5: "files", sha1: "files", sha256: "files" } as const;

export const virustotal: OnlineProviderDefinition = {
  name: "virustotal",
  title: "VirusTotal",
  docs: "https://docs.virustotal.com/reference/ip-info",
  enableVar: "VIRUSTOTAL_API_KEY",
  urlVar: "VIRUSTOTAL_URL",
  defaultUrl: "https://www.virustotal.com/api/v3",
  quotaVar: "VIRUSTOTAL_QUOTA",
  defaultQuota: { perMinute: 4, perDay: 500 },
  types: ["ip", "domain", "url", "md5", "sha1", "sha256"],
  request(type, value, key): ProviderRequest {
    const collection = PATHS[type as keyof typeof PATHS];
    const id = type === "url" ? Buffer.from(value).toString("base64url") : value;
    return { path: `/${collection}/${encodeURIComponent(id)}`, headers: { "x-apikey": key } };
  },
  interpret(reply): ProviderVerdict | null {
    const a = read.obj(read.obj(read.obj(reply.body).data).attributes);
    const stats = read.obj(a.last_analysis_stats);
    const malicious = read.num(stats.malicious) ?? 0;
    const suspicious = read.num(stats.suspicious) ?? 0;
    const harmless = read.num(stats.harmless) ?? 0;
    const undetected = read.num(stats.undetected) ?? 0;
    const engines = malicious + suspicious + harmless + undetected;
    if (Object.keys(a).length === 0) return null;
    const verdict = malicious >= 3 ? "malicious" : malicious >= 1 || suspicious >= 2 ? "suspicious" : engines > 0 ? "clean" : "unknown";
    const lastAnalysis = isoFromEpochSeconds(a.last_analysis_date);
    return {
      verdict,
      detail: `${malicious}/${engines} engines malicious, ${suspicious} suspicious, reputation ${read.num(a.reputation) ?? 0}${lastAnalysis ? `, analysed ${lastAnalysis}` : ""}`,
      tags: read.strings(a.tags, 5),
      confidence: engines > 0 ? Math.round((100 * (malicious + suspicious)) / engines) : 0,
      evidence: {
        malicious,
        suspicious,
        harmless,
        undetected,
        reputation: read.num(a.reputation),
        lastSeen: lastAnalysis,
        asOwner: read.str(a.as_owner),
        country: read.str(a.country),
        name: read.str(a.meaningful_name),
        fileType: read.str(a.type_description),
        threatLabel: read.str(read.obj(a.popular_threat_classification).suggested_threat_label),
      },
    };
  },
};
