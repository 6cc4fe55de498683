// GreyNoise Community API (docs.greynoise.io/reference/get_v3-community-ip): GET /v3/community/{ip}
// with the key in the `key` header. The answer is {ip, noise, riot, classification
// ("benign" | "malicious" | "unknown"), name, link, last_seen, message}; an address GreyNoise has
// not seen is 404 with {noise: false, riot: false, message: "IP not observed scanning the internet
// or contained in RIOT data set."}; the daily limit is 429 with a message.
//
// Verdict: classification malicious -> malicious; RIOT (a known business service such as a CDN or
// a public resolver) or classification benign -> clean; noise with classification unknown (it scans
// the whole internet, intent unknown) -> suspicious; not observed -> unknown.
import { read, type OnlineProviderDefinition } from "../online/definition.js";
import type { ProviderVerdict } from "../provider.js";

export const greynoise: OnlineProviderDefinition = {
  name: "greynoise",
  title: "GreyNoise Community",
  docs: "https://docs.greynoise.io/reference/get_v3-community-ip",
  enableVar: "GREYNOISE_API_KEY",
  urlVar: "GREYNOISE_URL",
  defaultUrl: "https://api.greynoise.io",
  quotaVar: "GREYNOISE_QUOTA",
  defaultQuota: { perMinute: null, perDay: null },
  types: ["ip"],
  answers404: true,
  request: (_type, ip, key) => ({ path: `/v3/community/${encodeURIComponent(ip)}`, headers: { key } }),
  interpret(reply): ProviderVerdict | null {
    const b = read.obj(reply.body);
    const noise = read.bool(b.noise) === true;
    const riot = read.bool(b.riot) === true;
    const classification = read.str(b.classification);
    if (reply.status === 404 || (!noise && !riot)) {
      return { verdict: "unknown", detail: read.str(b.message) ?? "not observed by GreyNoise", evidence: { noise, riot, found: false } };
    }
    const verdict = classification === "malicious" ? "malicious" : riot || classification === "benign" ? "clean" : noise ? "suspicious" : "unknown";
    const name = read.str(b.name);
    return {
      verdict,
      detail: [noise ? "internet scanner" : null, riot ? "known business service (RIOT)" : null, classification ? `classified ${classification}` : null, name && name !== "unknown" ? name : null, b.last_seen ? `last seen ${String(b.last_seen)}` : null].filter(Boolean).join(", "),
      tags: [...(noise ? ["scanner"] : []), ...(riot ? ["benign-service"] : [])],
      evidence: { noise, riot, classification, name, lastSeen: read.str(b.last_seen), link: read.str(b.link) },
    };
  },
};
