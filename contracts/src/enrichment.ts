import { z } from "zod";
import { IocType } from "./alert.js";

export const Reputation = z.enum(["malicious", "suspicious", "clean", "unknown"]);
export type Reputation = z.infer<typeof Reputation>;

export const IndicatorEnrichment = z.object({
  type: IocType,
  value: z.string(),
  verdict: Reputation,
  sources: z.array(z.object({
    name: z.string(),
    verdict: Reputation,
    detail: z.string().max(1024).optional(),
  })),
  tags: z.array(z.string().max(64)).max(50).describe("e.g. private, loopback, tor-exit, scanner, documentation-range"),
  geo: z.object({ country: z.string().nullable(), asn: z.number().int().nullable(), org: z.string().nullable() }).nullable(),
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
