import { z } from "zod";
import { IocType } from "./alert.js";

export const Reputation = z.enum(["malicious", "suspicious", "clean", "unknown"]);
export type Reputation = z.infer<typeof Reputation>;

const EvidenceValue = z.union([z.string().max(512), z.number(), z.boolean(), z.null(), z.array(z.string().max(128)).max(20)]);

export const IndicatorEnrichment = z.object({
  type: IocType,
  value: z.string(),
  verdict: Reputation,
  sources: z.array(z.object({
    name: z.string(),
    verdict: Reputation,
    detail: z.string().max(1024).optional(),
    evidence: z.record(z.string().max(64), EvidenceValue).optional()
      .describe("what the source reported, e.g. score, reports, lastSeen, pulses; kept so the verdict can be checked"),
    confidence: z.number().int().min(0).max(100).optional().describe("the feed's or provider's confidence in this hit, 0 to 100"),
  })),
  tags: z.array(z.string().max(64)).max(50).describe("e.g. private, loopback, tor-exit, scanner, documentation-range"),
  geo: z.object({
    country: z.string().nullable().describe("country name, e.g. United States"),
    countryCode: z.string().length(2).nullable().optional().describe("ISO 3166-1 alpha-2, e.g. US"),
    asn: z.number().int().nullable(),
    org: z.string().nullable().describe("the autonomous system's organisation"),
  }).nullable(),
  cached: z.boolean(),
});
export type IndicatorEnrichment = z.infer<typeof IndicatorEnrichment>;

export const Enrichment = z.object({
  indicators: z.array(IndicatorEnrichment),
  asset: z.object({
    name: z.string().nullable(),
    criticality: z.enum(["low", "medium", "high", "critical"]),
    reason: z.string(),
  }),
  summary: z.object({
    malicious: z.number().int().nonnegative(),
    suspicious: z.number().int().nonnegative(),
    clean: z.number().int().nonnegative(),
    unknown: z.number().int().nonnegative(),
    externalIps: z.number().int().nonnegative(),
    internalIps: z.number().int().nonnegative(),
  }),
  providers: z.array(z.string()).describe("enrichment sources consulted"),
  suppressed: z.object({ by: z.string(), reason: z.string(), until: z.string().nullable() }).nullable()
    .describe("set when a suppression rule matched this alert's fingerprint"),
});
export type Enrichment = z.infer<typeof Enrichment>;
