// Shodan InternetDB (internetdb.shodan.io, no key): GET /{ip} answers {ip, ports, hostnames, cpes,
// tags, vulns}; an address Shodan has no data for is 404 {"detail": "No information available"}.
// Turned on with SHODAN_INTERNETDB=on.
//
// Verdict: tagged "malware", "c2" or "compromised" -> malicious; otherwise unknown: open ports and
// known CVEs are exposure, context for the analyst, not a reputation. Ports, vulns and tags are kept.
import { read, type OnlineProviderDefinition } from "../online/definition.js";
import type { ProviderVerdict } from "../provider.js";

const BAD_TAGS = new Set(["malware", "c2", "compromised"]);

export const shodanInternetDb: OnlineProviderDefinition = {
  name: "shodan-internetdb",
  title: "Shodan InternetDB",
  docs: "https://internetdb.shodan.io/docs",
  enableVar: "SHODAN_INTERNETDB",
  keyless: true,
  urlVar: "SHODAN_INTERNETDB_URL",
  defaultUrl: "https://internetdb.shodan.io",
  quotaVar: "SHODAN_INTERNETDB_QUOTA",
  defaultQuota: { perMinute: 60, perDay: null },
  types: ["ip"],
  request: (_type, ip) => ({ path: `/${encodeURIComponent(ip)}` }),
  interpret(reply): ProviderVerdict | null {
    const b = read.obj(reply.body);
    if (!Array.isArray(b.ports)) return null;
    const ports = (b.ports as unknown[]).filter((p): p is number => typeof p === "number");
    const tags = read.strings(b.tags);
    const vulns = read.strings(b.vulns);
    const bad = tags.filter((t) => BAD_TAGS.has(t.toLowerCase()));
    return {
      verdict: bad.length ? "malicious" : "unknown",
      detail: `open ports ${ports.slice(0, 10).join(", ") || "none"}${vulns.length ? `; ${vulns.length} known CVE(s)` : ""}${tags.length ? `; tags ${tags.join(", ")}` : ""}`,
      tags: tags.slice(0, 5).map((t) => t.toLowerCase().slice(0, 64)),
      evidence: { ports: ports.slice(0, 20).map(String), vulns: vulns.slice(0, 20), tags, hostnames: read.strings(b.hostnames, 10) },
    };
  },
};
