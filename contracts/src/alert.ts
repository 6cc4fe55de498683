import { z } from "zod";
import { IsoTime, Severity } from "./common.js";

/** Formats the normalizer recognises (lowercase ids). */
export const AlertFormat = z.enum([
  "wazuh", "suricata", "elastic", "splunk", "defender", "sentinel", "crowdstrike", "guardduty",
  "gcp_scc", "ocsf", "okta", "zeek", "cef", "seed", "webhook",
]);
export type AlertFormat = z.infer<typeof AlertFormat>;

export const AlertCategory = z.enum(["authentication", "malware", "network_scan", "data_exfiltration", "other"]);
export type AlertCategory = z.infer<typeof AlertCategory>;

export const IocType = z.enum(["ip", "domain", "url", "md5", "sha1", "sha256", "email"]);
export type IocType = z.infer<typeof IocType>;

export const Ioc = z.object({
  type: IocType,
  value: z.string().min(1).max(2048),
  role: z.enum(["source", "destination"]).nullable().describe("from the alert's structure; null when it does not say"),
  internal: z.boolean().describe("for IPs: inside RFC 1918/ULA/loopback or a configured internal range; false for other types"),
  from: z.enum(["field", "text"]).describe("a structured field, or free text such as a description or a command line"),
  path: z.string().max(512).optional().describe("where in the raw alert it was found, e.g. details.source_ip"),
});
export type Ioc = z.infer<typeof Ioc>;

export const ContextValue = z.union([z.string().max(4096), z.number(), z.boolean(), z.array(z.string().max(1024)).max(100)]);

/**
 * The canonical alert: what every format is normalized to. OCSF-minded (category, severity,
 * time, observables with type and role) without forcing the whole OCSF model on anyone.
 */
export const CanonicalAlert = z.object({
  format: AlertFormat,
  category: AlertCategory,
  severity: Severity,
  severityOriginal: z.union([z.string(), z.number()]).nullable().describe("the vendor's own severity value, as it came"),
  title: z.string().min(1).max(1024),
  description: z.string().max(16384),
  time: IsoTime,
  source: z.object({
    vendor: z.string().max(256).nullable(),
    product: z.string().max(256).nullable(),
  }),
  host: z.object({ name: z.string().max(512).nullable(), ip: z.string().max(64).nullable() }),
  user: z.object({ name: z.string().max(512).nullable() }),
  assets: z.array(z.string().max(512)).max(200).describe("hosts the alert names as affected (host names or IPs)"),
  iocs: z.array(Ioc).max(500),
  mitre: z.array(z.string().regex(/^T\d{4}(\.\d{3})?$/)).max(50),
  tactics: z.array(z.string().max(128)).max(20),
  sourceId: z.string().max(512).nullable().describe("the vendor's own id for the alert"),
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/).describe("stable hash of what makes two alerts the same activity"),
  context: z.record(z.string(), ContextValue).describe("notable vendor fields (user role, department, process, ...) for analysts and rules"),
  raw: z.unknown().describe("the alert as it came: parsed JSON, or the text line"),
});
export type CanonicalAlert = z.infer<typeof CanonicalAlert>;

/** The format ids, for messages that list what is accepted. */
export const FORMAT_LIST: readonly AlertFormat[] = AlertFormat.options;
