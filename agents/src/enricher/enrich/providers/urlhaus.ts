// abuse.ch URLhaus API (urlhaus-api.abuse.ch): POST /v1/host/ (host=<domain or IP>), /v1/url/ (url=),
// /v1/payload/ (md5_hash= or sha256_hash=), form-encoded, with the abuse.ch key in `Auth-Key`
// (ABUSECH_AUTH_KEY). Answers carry query_status: "ok", "no_results", "invalid_*", or an auth
// problem ("unknown_auth_key"). A host answer lists urls[] with url_status online/offline, threat
// and tags; a URL answer has url_status, threat, date_added, last_online; a payload answer has
// signature, file_type, firstseen, lastseen, url_count.
//
// Verdict: a URL (or a host serving one) that is online now -> malicious; listed but offline ->
// suspicious (it was a malware site); a payload URLhaus has seen delivered -> malicious;
// no_results -> unknown (URLhaus lists bad things, its silence is not clean).
import { ProviderUnavailable, read, type OnlineProviderDefinition, type ProviderRequest } from "../online/definition.js";
import type { ProviderVerdict } from "../provider.js";

export const urlhaus: OnlineProviderDefinition = {
  name: "urlhaus",
  title: "URLhaus",
  docs: "https://urlhaus-api.abuse.ch/",
  enableVar: "ABUSECH_AUTH_KEY",
  urlVar: "URLHAUS_URL",
  defaultUrl: "https://urlhaus-api.abuse.ch",
  quotaVar: "URLHAUS_QUOTA",
  defaultQuota: { perMinute: null, perDay: null },
  types: ["ip", "domain", "url", "md5", "sha256"],
  request(type, value, key): ProviderRequest {
    const headers = { "Auth-Key": key };
    if (type === "url") return { method: "POST", path: "/v1/url/", form: { url: value }, headers };
    if (type === "md5" || type === "sha256") return { method: "POST", path: "/v1/payload/", form: { [`${type}_hash`]: value }, headers };
    return { method: "POST", path: "/v1/host/", form: { host: value }, headers };
  },
  interpret(reply, type): ProviderVerdict | null {
    const b = read.obj(reply.body);
    const status = read.str(b.query_status) ?? "";
    if (status === "no_results") return null;
    if (/auth|blacklisted/i.test(status)) throw new ProviderUnavailable("auth", `URLhaus refused the Auth-Key (${status})`);
    if (status !== "ok") throw new ProviderUnavailable("bad_request", `URLhaus answered query_status "${status}"`);
    if (type === "url") {
      const online = b.url_status === "online";
      return {
        verdict: online ? "malicious" : "suspicious",
        detail: `${read.str(b.threat) ?? "listed"}, ${read.str(b.url_status) ?? "status unknown"}, added ${read.str(b.date_added) ?? "?"}`,
        tags: read.strings(b.tags, 5),
        evidence: { urlStatus: read.str(b.url_status), threat: read.str(b.threat), firstSeen: read.str(b.date_added), lastSeen: read.str(b.last_online), tags: read.strings(b.tags) },
      };
    }
    if (type === "md5" || type === "sha256") {
      return {
        verdict: "malicious",
        detail: `payload ${read.str(b.signature) ?? "(no signature)"} ${read.str(b.file_type) ?? ""}, seen on ${read.str(b.url_count) ?? read.num(b.url_count) ?? "?"} URL(s)`.trim(),
        tags: read.str(b.signature) ? [read.str(b.signature)!.toLowerCase().slice(0, 64)] : [],
        evidence: { signature: read.str(b.signature), fileType: read.str(b.file_type), firstSeen: read.str(b.firstseen), lastSeen: read.str(b.lastseen), urls: String(b.url_count ?? "") },
      };
    }
    const urls = Array.isArray(b.urls) ? (b.urls as unknown[]).map(read.obj) : [];
    const online = urls.filter((u) => u.url_status === "online").length;
    const count = read.num(Number(b.url_count ?? urls.length)) ?? urls.length;
    const blacklists = read.obj(b.blacklists);
    return {
      verdict: online > 0 ? "malicious" : "suspicious",
      detail: `${count} malware URL(s) on this host, ${online} online; first seen ${read.str(b.firstseen) ?? "?"}`,
      tags: [...new Set(urls.flatMap((u) => read.strings(u.tags, 3)))].slice(0, 5),
      evidence: { urls: count, online, firstSeen: read.str(b.firstseen), spamhausDbl: read.str(blacklists.spamhaus_dbl), surbl: read.str(blacklists.surbl), threats: [...new Set(urls.map((u) => read.str(u.threat) ?? ""))].filter(Boolean) },
    };
  },
};
