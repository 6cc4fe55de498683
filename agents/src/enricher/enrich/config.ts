// The enricher's configuration: offline sources, GeoIP, the online providers (each on when its key
// is set), cache lifetimes, quotas and the deadline. Validated at start; a bad value stops the
// process naming the variable (ConfigError).
import { z } from "zod";
import { ConfigError, enricherEnv, parseEnv } from "../../runtime/config.js";
import { ONLINE_PROVIDERS } from "./providers/index.js";
import { parseQuota } from "./online/quota.js";
import { parseCacheTtl } from "./online/cache.js";

const check = (fn: (v: string) => unknown) => (v: string | undefined, ctx: z.RefinementCtx) => {
  if (v === undefined) return;
  try { fn(v); } catch (e) { ctx.addIssue({ code: "custom", message: (e as Error).message.replace(/^[A-Z_]+="[^"]*": /, "") }); }
};
const httpUrl = z.url({ protocol: /^https?$/, error: "expected an http(s) base URL" }).optional();
const onOff = z.enum(["on", "off"], { error: "expected on or off" });
const seconds = (what: string) => z.coerce.number({ error: `expected ${what}` }).int(`expected ${what} as a whole number`).min(0, `expected ${what}, 0 or more`);

function providerShape(): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {};
  for (const d of ONLINE_PROVIDERS) {
    shape[d.enableVar] = d.keyless ? onOff.optional() : z.string().min(8, "expected the provider's API key").optional();
    shape[d.urlVar] = httpUrl;
    shape[d.quotaVar] = z.string().optional().superRefine(check((v) => parseQuota(v, d.quotaVar)));
    shape[ttlVar(d.name)] = z.string().optional().superRefine(check((v) => parseCacheTtl(v, ttlVar(d.name))));
  }
  return shape;
}

export const ttlVar = (provider: string) => `${provider.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_CACHE_TTL`;

export const enrichmentEnv = {
  ...enricherEnv,
  THREAT_INTEL_RELOAD_SECONDS: seconds("a number of seconds").default(10).describe("how often feed files are checked for changes; 0: never"),
  GEOIP: onOff.default("on").describe("embedded GeoIP/ASN for public addresses"),
  GEOIP_CITY_DB: z.string().min(1).optional().describe("your own MaxMind GeoLite2/GeoIP2 City or Country .mmdb"),
  GEOIP_ASN_DB: z.string().min(1).optional().describe("your own MaxMind GeoLite2/GeoIP2 ASN .mmdb"),
  ENRICH_TIMEOUT_MS: z.coerce.number({ error: "expected milliseconds" }).int("expected whole milliseconds").min(100, "expected at least 100 ms").max(120_000, "expected at most 120000 ms").default(5000),
  ENRICH_CACHE_TTL: z.string().optional().superRefine(check((v) => parseCacheTtl(v, "ENRICH_CACHE_TTL"))),
  ENRICH_COOLDOWN_SECONDS: seconds("a number of seconds").default(30).describe("how long a provider that timed out or failed is left alone"),
  ENRICH_AUTH_COOLDOWN_SECONDS: seconds("a number of seconds").default(600).describe("how long a provider that refused its key is left alone"),
  ENRICH_STATE_SECONDS: z.coerce.number({ error: "expected seconds" }).int().min(1, "expected at least 1 second").default(15).describe("how often provider state is written to KV for the dashboard"),
  TAXII_URL: httpUrl.describe("TAXII 2.1 server, e.g. https://taxii.example.org"),
  TAXII_API_ROOT: z.string().regex(/^(https?:\/\/\S+|\/?[^\s?#:]+)$/, "expected an API root path (api1, /taxii2/api1/) or an http(s) URL").optional().describe("API root path or URL, e.g. api1 or /taxii2/api1/"),
  TAXII_COLLECTION: z.string().regex(/^[^\s/?#]+$/, "expected a collection id, e.g. 91a7b528-80eb-42ed-a74d-c6fbd5a26116").optional(),
  TAXII_USER: z.string().min(1, "expected a user name").regex(/^[^:]+$/, "a basic-auth user name cannot contain ':'").optional(),
  TAXII_PASSWORD: z.string().min(1, "expected a password").optional(),
  TAXII_TOKEN: z.string().min(8, "expected the server's API token").optional(),
  TAXII_POLL_SECONDS: z.coerce.number({ error: "expected seconds" }).int().min(10, "expected at least 10 seconds").default(300),
  ...providerShape(),
};

export type EnrichmentConfig = { [K in keyof typeof enrichmentEnv]: (typeof enrichmentEnv)[K] extends z.ZodType<infer T> ? T : never } & Record<string, string | undefined>;

export function parseEnrichmentEnv(env: NodeJS.ProcessEnv): EnrichmentConfig {
  const cfg = parseEnv(enrichmentEnv, env) as EnrichmentConfig;
  const taxii = [cfg.TAXII_URL, cfg.TAXII_API_ROOT, cfg.TAXII_COLLECTION];
  if (taxii.some(Boolean) && !taxii.every(Boolean)) {
    const names = ["TAXII_URL", "TAXII_API_ROOT", "TAXII_COLLECTION"] as const;
    throw new ConfigError(names.filter((n) => !cfg[n]).map((variable) => ({ variable, value: undefined, message: "set TAXII_URL, TAXII_API_ROOT and TAXII_COLLECTION together to poll a TAXII 2.1 collection, or none of them" })));
  }
  if (!!cfg.TAXII_USER !== !!cfg.TAXII_PASSWORD) {
    const variable = cfg.TAXII_USER ? "TAXII_PASSWORD" : "TAXII_USER";
    throw new ConfigError([{ variable, value: undefined, message: "basic auth needs TAXII_USER and TAXII_PASSWORD together (or use TAXII_TOKEN)" }]);
  }
  if (cfg.TAXII_USER && cfg.TAXII_TOKEN) {
    throw new ConfigError([{ variable: "TAXII_TOKEN", value: "(set)", message: "choose one TAXII authentication: TAXII_TOKEN (bearer) or TAXII_USER/TAXII_PASSWORD (basic), not both" }]);
  }
  return cfg;
}
