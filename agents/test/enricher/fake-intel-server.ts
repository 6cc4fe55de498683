// A fake of the seven threat-intel APIs the enricher speaks, on one local HTTP server, each under
// its own prefix (set `<PROVIDER>_URL` to `${url}/<prefix>`). Written from each provider's public
// documentation: paths, auth headers, form bodies, response shapes, rate-limit headers and errors.
//   abuseipdb   docs.abuseipdb.com "CHECK Endpoint", "Rate Limits" (X-RateLimit-*, Retry-After), 401/429 {"errors": [...]}
//   virustotal  docs.virustotal.com/reference (ip-info, domain-info, url-info, file-info, errors: NotFoundError, QuotaExceededError, WrongCredentialsError)
//   greynoise   docs.greynoise.io/reference/get_v3-community-ip (404 "IP not observed...", 429 with plan and message)
//   shodan      internetdb.shodan.io (GET /{ip}, 404 {"detail": "No information available"})
//   otx         otx.alienvault.com/api (indicators/{section}/{value}/general, X-OTX-API-KEY, pulse_info, validation)
//   urlhaus     urlhaus-api.abuse.ch (POST /v1/host/, /v1/url/, /v1/payload/ form bodies, Auth-Key, query_status)
//   bazaar      bazaar.abuse.ch/api (POST /api/v1/ query=get_info&hash=, Auth-Key, query_status)
// Each provider can be switched to misbehave: "429", "5xx", "hang" (never answers), "badkey".
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type FakeProvider = "abuseipdb" | "virustotal" | "greynoise" | "shodan" | "otx" | "urlhaus" | "bazaar";
export type Mode = "normal" | "429" | "5xx" | "hang" | "badkey";

export interface RecordedRequest { provider: FakeProvider; method: string; path: string; headers: IncomingMessage["headers"]; body: string; /** The HTTP status the fake answered, once it has. */ status?: number }

export const FAKE_KEY = "fake-key-0123456789";
export const MALICIOUS_IP = "185.220.101.1";
export const BENIGN_IP = "8.8.8.8";
export const EXPOSED_IP = "1.1.1.1";
export const BAD_DOMAIN = "login-verify-account.top";
export const BAD_URL = `http://${BAD_DOMAIN}/office365/index.php`;
// The EICAR test file: a well-known "malware" every engine flags.
export const EICAR_MD5 = "44d88612fea8a8f36de82e1278abb02f";
export const EICAR_SHA256 = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f";

export interface FakeIntel {
  url: string;
  requests: RecordedRequest[];
  mode: Record<FakeProvider, Mode>;
  /** AbuseIPDB's X-RateLimit-Remaining as the next answer will state it. */
  abuseipdbRemaining: number;
  retryAfterSeconds: number;
  /** The fake's clock for X-RateLimit-Reset, so a test with its own clock gets consistent headers. */
  now: () => number;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
};

const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);

function vtObject(type: string, id: string, malicious: number, extra: Record<string, unknown> = {}) {
  return {
    data: {
      id, type, links: { self: `https://www.virustotal.com/api/v3/${type}s/${id}` },
      attributes: {
        last_analysis_stats: { malicious, suspicious: 0, harmless: malicious ? 5 : 70, undetected: malicious ? 10 : 19, timeout: 0 },
        last_analysis_date: epoch("2026-11-30T08:00:00Z"),
        reputation: malicious ? -40 : 10,
        tags: [],
        ...extra,
      },
    },
  };
}

export async function startFakeIntel(): Promise<FakeIntel> {
  const hung: ServerResponse[] = [];
  const state: FakeIntel = {
    url: "",
    requests: [],
    mode: { abuseipdb: "normal", virustotal: "normal", greynoise: "normal", shodan: "normal", otx: "normal", urlhaus: "normal", bazaar: "normal" },
    abuseipdbRemaining: 999,
    retryAfterSeconds: 120,
    now: () => Date.now(),
    close: async () => {},
  };

  const handlers: Record<FakeProvider, (req: IncomingMessage, res: ServerResponse, path: string, url: URL, body: string) => void> = {
    abuseipdb(req, res, path, url) {
      if (req.headers.key !== FAKE_KEY) return json(res, 401, { errors: [{ detail: "Authentication failed. Your API key is either missing, incorrect, or revoked. Note: The APIv2 key differs from the APIv1 key.", status: 401 }] });
      const reset = String(Math.floor(state.now() / 1000) + (state.mode.abuseipdb === "429" ? state.retryAfterSeconds : 3600));
      if (state.mode.abuseipdb === "429") {
        return json(res, 429, { errors: [{ detail: "Daily rate limit of 1000 requests exceeded for this endpoint. See headers for additional details.", status: 429 }] },
          { "retry-after": String(state.retryAfterSeconds), "x-ratelimit-limit": "1000", "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset });
      }
      if (path !== "/api/v2/check" || req.method !== "GET") return json(res, 404, { errors: [{ detail: "Not found", status: 404 }] });
      const ip = url.searchParams.get("ipAddress") ?? "";
      if (!url.searchParams.get("maxAgeInDays")) return json(res, 422, { errors: [{ detail: "The max age in days field is required.", status: 422 }] });
      const remaining = Math.max(0, state.abuseipdbRemaining--);
      const bad = ip === MALICIOUS_IP;
      json(res, 200, {
        data: {
          ipAddress: ip, isPublic: true, ipVersion: 4, isWhitelisted: ip === BENIGN_IP, abuseConfidenceScore: bad ? 100 : 0,
          countryCode: bad ? "DE" : "US", usageType: bad ? "Data Center/Web Hosting/Transit" : "Content Delivery Network", isp: bad ? "Tor exit relay" : "Google LLC",
          domain: bad ? "example-hoster.de" : "google.com", hostnames: [], isTor: bad, totalReports: bad ? 1234 : 0, numDistinctUsers: bad ? 321 : 0,
          lastReportedAt: bad ? "2026-11-30T21:14:02+00:00" : null,
        },
      }, { "x-ratelimit-limit": "1000", "x-ratelimit-remaining": String(remaining), "x-ratelimit-reset": reset });
    },
    virustotal(req, res, path) {
      if (req.headers["x-apikey"] !== FAKE_KEY) return json(res, 401, { error: { code: "WrongCredentialsError", message: "Wrong API key" } });
      if (state.mode.virustotal === "429") return json(res, 429, { error: { code: "QuotaExceededError", message: "Quota exceeded" } });
      const m = /^\/api\/v3\/(ip_addresses|domains|urls|files)\/([^/]+)$/.exec(path);
      if (!m) return json(res, 404, { error: { code: "NotFoundError", message: `Resource not found: ${path}` } });
      const [, collection, rawId] = m as unknown as [string, string, string];
      const id = decodeURIComponent(rawId);
      const known =
        (collection === "ip_addresses" && id === MALICIOUS_IP && vtObject("ip_address", id, 12, { as_owner: "Tor relay hoster", country: "DE" })) ||
        (collection === "ip_addresses" && id === BENIGN_IP && vtObject("ip_address", id, 0, { as_owner: "GOOGLE", country: "US" })) ||
        (collection === "domains" && id === BAD_DOMAIN && vtObject("domain", id, 9)) ||
        (collection === "urls" && Buffer.from(id, "base64url").toString() === BAD_URL && vtObject("url", id, 7)) ||
        (collection === "files" && (id === EICAR_MD5 || id === EICAR_SHA256) &&
          vtObject("file", EICAR_SHA256, 62, { meaningful_name: "eicar.com", type_description: "Text", popular_threat_classification: { suggested_threat_label: "virus.eicar/test" } }));
      if (!known) return json(res, 404, { error: { code: "NotFoundError", message: `${collection.replace(/s$/, "")} "${id}" not found` } });
      json(res, 200, known);
    },
    greynoise(req, res, path) {
      if (state.mode.greynoise === "429") {
        return json(res, 429, { plan: "community", "rate-limit": "50-lookups/week", plan_url: "https://greynoise.io/pricing", message: "You have hit your daily rate limit of 50 requests per week. Please create a free account or upgrade your plan at https://greynoise.io/pricing." });
      }
      if (req.headers.key !== FAKE_KEY) return json(res, 401, { message: "Authentication required" });
      const m = /^\/v3\/community\/([^/]+)$/.exec(path);
      const ip = m ? decodeURIComponent(m[1]!) : "";
      if (ip === MALICIOUS_IP) return json(res, 200, { ip, noise: true, riot: false, classification: "malicious", name: "unknown", link: `https://viz.greynoise.io/ip/${ip}`, last_seen: "2026-11-30", message: "Success" });
      if (ip === BENIGN_IP) return json(res, 200, { ip, noise: false, riot: true, classification: "benign", name: "Google Public DNS", link: `https://viz.greynoise.io/riot/${ip}`, last_seen: "2026-11-30", message: "Success" });
      json(res, 404, { ip, noise: false, riot: false, message: "IP not observed scanning the internet or contained in RIOT data set." });
    },
    shodan(_req, res, path) {
      if (state.mode.shodan === "429") return json(res, 429, { detail: "Rate limit exceeded" }, { "retry-after": String(state.retryAfterSeconds) });
      const ip = decodeURIComponent(path.slice(1));
      if (ip === EXPOSED_IP) return json(res, 200, { cpes: ["cpe:/a:cloudflare:cloudflare"], hostnames: ["one.one.one.one"], ip, ports: [53, 80, 443], tags: ["cdn"], vulns: [] });
      if (ip === MALICIOUS_IP) return json(res, 200, { cpes: [], hostnames: [], ip, ports: [22, 9001], tags: ["tor", "compromised"], vulns: ["CVE-2023-38408"] });
      json(res, 404, { detail: "No information available" });
    },
    otx(req, res, path) {
      if (req.headers["x-otx-api-key"] !== FAKE_KEY) return json(res, 403, { detail: "Invalid API key" });
      if (state.mode.otx === "429") return json(res, 429, { detail: "Request was throttled. Expected available in 60 seconds." }, { "retry-after": "60" });
      const m = /^\/api\/v1\/indicators\/(IPv4|IPv6|domain|hostname|url|file)\/(.+)\/general$/.exec(path);
      if (!m) return json(res, 404, { detail: "Not found." });
      const value = decodeURI(m[2]!);
      const pulses = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `pulse${i}`, name: `Tor exit nodes feed ${i + 1}`, modified: `2026-11-2${i}T10:00:00.000000`, tags: ["tor", "scanner"] }));
      const base = { indicator: value, type: m[1], type_title: m[1], sections: ["general", "reputation"], reputation: 0 };
      if (value === MALICIOUS_IP || value === BAD_DOMAIN) return json(res, 200, { ...base, pulse_info: { count: 5, pulses: pulses(5), references: [], related: {} }, validation: [] });
      if (value === BENIGN_IP) return json(res, 200, { ...base, pulse_info: { count: 0, pulses: [], references: [], related: {} }, validation: [{ source: "whitelist", message: "Whitelisted IP", name: "Whitelisted IP" }] });
      json(res, 200, { ...base, pulse_info: { count: 0, pulses: [], references: [], related: {} }, validation: [] });
    },
    urlhaus(req, res, path, _url, body) {
      if (req.headers["auth-key"] !== FAKE_KEY) return json(res, 401, { query_status: "unknown_auth_key" });
      if (req.method !== "POST" || !String(req.headers["content-type"]).startsWith("application/x-www-form-urlencoded")) return json(res, 405, { query_status: "http_post_expected" });
      const form = new URLSearchParams(body);
      if (path === "/v1/host/") {
        if (form.get("host") !== BAD_DOMAIN) return json(res, 200, { query_status: "no_results" });
        return json(res, 200, {
          query_status: "ok", urlhaus_reference: `https://urlhaus.abuse.ch/host/${BAD_DOMAIN}/`, host: BAD_DOMAIN, firstseen: "2026-11-20 10:00:00 UTC", url_count: "2",
          blacklists: { spamhaus_dbl: "abused_legit_malware", surbl: "listed" },
          urls: [
            { id: "1", url: BAD_URL, url_status: "online", date_added: "2026-11-20 10:00:00 UTC", threat: "malware_download", reporter: "abuse_ch", larted: "true", tags: ["exe", "QakBot"] },
            { id: "2", url: `http://${BAD_DOMAIN}/old.exe`, url_status: "offline", date_added: "2026-11-21 10:00:00 UTC", threat: "malware_download", reporter: "abuse_ch", larted: "true", tags: null },
          ],
        });
      }
      if (path === "/v1/url/") {
        if (form.get("url") !== BAD_URL) return json(res, 200, { query_status: "no_results" });
        return json(res, 200, { query_status: "ok", id: "1", urlhaus_reference: "https://urlhaus.abuse.ch/url/1/", url: BAD_URL, url_status: "online", host: BAD_DOMAIN, date_added: "2026-11-20 10:00:00 UTC", last_online: "2026-11-30 10:00:00 UTC", threat: "malware_download", tags: ["QakBot"], payloads: [] });
      }
      if (path === "/v1/payload/") {
        const hash = form.get("md5_hash") ?? form.get("sha256_hash");
        if (hash !== EICAR_MD5 && hash !== EICAR_SHA256) return json(res, 200, { query_status: "no_results" });
        return json(res, 200, { query_status: "ok", md5_hash: EICAR_MD5, sha256_hash: EICAR_SHA256, file_type: "exe", file_size: "68", signature: "EICAR", firstseen: "2026-11-01 10:00:00", lastseen: "2026-11-29 10:00:00", url_count: "3", urls: [] });
      }
      json(res, 404, { query_status: "unknown_endpoint" });
    },
    bazaar(req, res, path, _url, body) {
      if (req.headers["auth-key"] !== FAKE_KEY) return json(res, 401, { query_status: "unknown_auth_key" });
      if (path !== "/api/v1/" || req.method !== "POST") return json(res, 404, { query_status: "unknown_endpoint" });
      const form = new URLSearchParams(body);
      if (form.get("query") !== "get_info") return json(res, 200, { query_status: "unknown_operation" });
      const hash = form.get("hash") ?? "";
      if (!/^[0-9a-f]{32,64}$/i.test(hash)) return json(res, 200, { query_status: "illegal_hash" });
      if (hash !== EICAR_MD5 && hash !== EICAR_SHA256) return json(res, 200, { query_status: "hash_not_found" });
      json(res, 200, { query_status: "ok", data: [{ sha256_hash: EICAR_SHA256, md5_hash: EICAR_MD5, file_type: "com", signature: "EICAR-Test-File", first_seen: "2026-10-01 09:00:00", last_seen: "2026-11-29 09:00:00", tags: ["eicar", "test"], delivery_method: "web_download" }] });
    },
  };

  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => { body += c.toString(); });
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://fake");
      const [, prefix = "", ...rest] = url.pathname.split("/");
      const provider = prefix as FakeProvider;
      const path = `/${rest.join("/")}`;
      if (!(provider in handlers)) return json(res, 404, { error: "unknown provider prefix" });
      const recorded: RecordedRequest = { provider, method: req.method ?? "GET", path: `${path}${url.search}`, headers: req.headers, body };
      state.requests.push(recorded);
      res.on("finish", () => { recorded.status = res.statusCode; });
      const mode = state.mode[provider];
      if (mode === "hang") { hung.push(res); return; }
      if (mode === "5xx") return json(res, 503, { error: "Service Unavailable: upstream timeout" });
      if (mode === "badkey") req.headers.key = req.headers["x-apikey"] = req.headers["x-otx-api-key"] = req.headers["auth-key"] = "wrong";
      handlers[provider](req, res, path, url, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = async () => {
    for (const r of hung) r.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return state;
}

/** The environment that turns every provider on against the fake. */
export function fakeEnv(intel: FakeIntel, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ABUSEIPDB_API_KEY: FAKE_KEY, ABUSEIPDB_URL: `${intel.url}/abuseipdb/api/v2`,
    VIRUSTOTAL_API_KEY: FAKE_KEY, VIRUSTOTAL_URL: `${intel.url}/virustotal/api/v3`, VIRUSTOTAL_QUOTA: "1000/min",
    GREYNOISE_API_KEY: FAKE_KEY, GREYNOISE_URL: `${intel.url}/greynoise`,
    SHODAN_INTERNETDB: "on", SHODAN_INTERNETDB_URL: `${intel.url}/shodan`,
    OTX_API_KEY: FAKE_KEY, OTX_URL: `${intel.url}/otx`,
    ABUSECH_AUTH_KEY: FAKE_KEY, URLHAUS_URL: `${intel.url}/urlhaus`, MALWAREBAZAAR_URL: `${intel.url}/bazaar`,
    GEOIP: "off",
    ...extra,
  };
}
