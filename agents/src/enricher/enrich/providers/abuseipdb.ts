// AbuseIPDB APIv2 `check` (docs.abuseipdb.com, "CHECK Endpoint"): GET /api/v2/check?ipAddress=&maxAgeInDays=90
// with the key in the `Key` header; the answer is {"data": {abuseConfidenceScore, totalReports,
// numDistinctUsers, lastReportedAt, isWhitelisted, isTor, countryCode, usageType, isp, domain}}.
// Rate limits come back as X-RateLimit-Limit / -Remaining / -Reset (epoch seconds) and 429 with Retry-After.
//
// Verdict: abuseConfidenceScore >= 75 malicious; >= 25 suspicious; isWhitelisted clean (AbuseIPDB
// vouches for it); anything else unknown - few or no reports is not evidence of good behaviour.
import { read, type OnlineProviderDefinition } from "../online/definition.js";
import type { ProviderVerdict } from "../provider.js";

export const abuseipdb: OnlineProviderDefinition = {
  name: "abuseipdb",
  title: "AbuseIPDB",
  docs: "https://docs.abuseipdb.com/#check-endpoint",
  enableVar: "ABUSEIPDB_API_KEY",
  urlVar: "ABUSEIPDB_URL",
  defaultUrl: "https://api.abuseipdb.com/api/v2",
  quotaVar: "ABUSEIPDB_QUOTA",
  defaultQuota: { perMinute: null, perDay: 1000 },
  types: ["ip"],
  request: (_type, ip, key) => ({ path: "/check", query: { ipAddress: ip, maxAgeInDays: "90" }, headers: { Key: key } }),
  interpret(reply): ProviderVerdict | null {
    const d = read.obj(read.obj(reply.body).data);
    const score = read.num(d.abuseConfidenceScore);
    if (score === null) return null;
    const reports = read.num(d.totalReports) ?? 0;
    const whitelisted = read.bool(d.isWhitelisted) === true;
    const verdict = score >= 75 ? "malicious" : score >= 25 ? "suspicious" : whitelisted ? "clean" : "unknown";
    return {
      verdict,
      detail: `confidence of abuse ${score}%, ${reports} report(s)${whitelisted ? ", whitelisted" : ""}${d.lastReportedAt ? `, last ${String(d.lastReportedAt)}` : ""}`,
      tags: [...(d.isTor === true ? ["tor-exit"] : []), ...(reports > 0 ? ["reported-abuse"] : [])],
      confidence: score,
      evidence: {
        score,
        reports,
        distinctReporters: read.num(d.numDistinctUsers),
        lastSeen: read.str(d.lastReportedAt),
        whitelisted,
        tor: read.bool(d.isTor),
        usageType: read.str(d.usageType),
        isp: read.str(d.isp),
        countryCode: read.str(d.countryCode),
      },
    };
  },
};
