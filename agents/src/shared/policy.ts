/**
 * The response policy: a YAML (or JSON) file a person can read and change (POLICY_FILE), validated
 * with zod so a typo stops the decider with the file, the path in it and what is accepted, instead
 * of silently allowing an action. `agents/policy/default.yaml` documents every setting.
 */
import { sha256Hex } from "./hash.js";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { z } from "zod";
import { ActionType, Severity, canonicalJson } from "@secops/contracts";
import { parseCidr, parseIp } from "./network.js";

export const DEFAULT_POLICY_FILE = fileURLToPath(new URL("../../policy/default.yaml", import.meta.url));

const Mode = z.enum(["auto", "approval", "shadow"], { error: "expected auto, approval or shadow" });
const Approvers = z.number({ error: "expected a number of approvers from 1 to 5" }).int("expected a whole number of approvers").min(1, "expected 1 to 5 approvers").max(5, "expected 1 to 5 approvers");

const ActionPolicy = z.strictObject({
  mode: Mode,
  minConfidence: z.number({ error: "expected a confidence from 0 to 1, e.g. 0.8" }).min(0, "expected 0 to 1").max(1, "expected 0 to 1 (not a percentage)"),
  belowThreshold: z.enum(["approval", "manual_review"], { error: "expected approval or manual_review" }).default("approval"),
  approvers: Approvers.default(1),
});

const Ip = z.string().refine((s) => parseIp(s) !== null, "expected an IPv4 or IPv6 address, e.g. 192.0.2.10");
const Cidr = z.string().refine((s) => parseCidr(s) !== null, "expected a CIDR range, e.g. 10.0.0.0/8 or 2001:db8::/32");
const Domain = z.string().regex(/^(\*\.)?([a-z0-9-]+\.)+[a-z]{2,63}\.?$/i, "expected a domain name, e.g. example.com (a leading *. is allowed)");
const Asn = z.number({ error: "expected an AS number, e.g. 13335" }).int("expected a whole AS number").min(1, "expected an AS number from 1 to 4294967295").max(4294967295, "expected an AS number from 1 to 4294967295");
const CountryCode = z.string().regex(/^[A-Za-z]{2}$/, "expected a two-letter ISO 3166-1 country code, e.g. KP").transform((s) => s.toUpperCase());
const Pattern = z.string().min(1).regex(/^[A-Za-z0-9.*?_-]+$/, "expected a host name or a glob with * and ?, e.g. dc-*.corp.example.com");

/** "30m", "1h", "2d" or seconds: the sliding window of a containment limit, in milliseconds. */
const Window = z.union([
  z.number({ error: "expected a duration such as 1h, 30m, 1d or a number of seconds" }).positive().transform((n) => n * 1000),
  z.string().regex(/^\d+(\.\d+)?\s*(s|m|h|d)$/, "expected a duration such as 1h, 30m, 1d or a number of seconds")
    .transform((s) => Number.parseFloat(s) * ({ s: 1, m: 60, h: 3600, d: 86400 } as const)[s.trim().slice(-1) as "s" | "m" | "h" | "d"] * 1000),
], { error: "expected a duration such as 1h, 30m, 1d or a number of seconds" });
const Limit = z.strictObject({
  max: z.number({ error: "expected the most effects allowed in the window, e.g. 5" }).int("expected a whole number").min(0, "expected 0 or more"),
  per: Window,
});

export const Policy = z.strictObject({
  version: z.string({ error: "expected a version string naming this policy, e.g. \"2025-05-01\"" }).min(1),
  actions: z.strictObject({
    CREATE_TICKET: ActionPolicy,
    BLOCK_IP: ActionPolicy,
    ISOLATE_HOST: ActionPolicy,
    CLOSE_FALSE_POSITIVE: ActionPolicy,
    MANUAL_REVIEW: ActionPolicy,
  }, { error: "expected an entry for each of CREATE_TICKET, BLOCK_IP, ISOLATE_HOST, CLOSE_FALSE_POSITIVE and MANUAL_REVIEW" }),
  network: z.strictObject({
    internalRanges: z.array(Cidr).default([]),
    allowlist: z.strictObject({
      ips: z.array(Ip).default([]),
      cidrs: z.array(Cidr).default([]),
      domains: z.array(Domain).default([]),
      // Optional rather than defaulted, so policies built in code before these existed still type-check.
      asns: z.array(Asn).optional(),
    }).default({ ips: [], cidrs: [], domains: [] }),
    highRiskCountries: z.array(CountryCode).optional(),
  }),
  criticalAssets: z.strictObject({
    names: z.array(z.string().min(1)).default([]),
    patterns: z.array(Pattern).default([]),
    fromEnrichment: z.boolean({ error: "expected true or false" }).default(true),
    approvers: Approvers.default(2),
  }),
  falsePositive: z.strictObject({
    approvalAtOrAbove: Severity.default("high"),
  }).default({ approvalAtOrAbove: "high" }),
  block: z.strictObject({
    defaultDurationHours: z.number({ error: "expected a number of hours" }).positive("expected more than 0 hours").max(8760, "expected at most 8760 hours (a year)"),
  }),
  /** Blast radius: at most `max` automatic effects of an action per sliding window, shared by replicas; beyond it, approvals. */
  limits: z.partialRecord(ActionType, Limit).default({}),
  /** The incident correlator's rules: validated by agents/src/correlator/rules.ts, not here. */
  incidents: z.unknown().optional(),
  approval: z.strictObject({
    expiresAfterMinutes: z.number({ error: "expected a number of minutes" }).int("expected whole minutes").positive("expected more than 0 minutes").max(10080, "expected at most 10080 minutes (a week)"),
    role: z.string().min(1, "expected the role allowed to approve, e.g. responder"),
  }),
});
export type Policy = z.infer<typeof Policy>;

export class PolicyError extends Error {
  constructor(readonly file: string, readonly problems: string[]) {
    super(`invalid policy file ${file}:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "PolicyError";
  }
}

/**
 * The policy file's path and text: the documented default when `path` is undefined or empty.
 * The decider, the correlator and replay all read the file through here, with one error.
 */
export function readPolicyFile(path?: string): { file: string; text: string } {
  const file = path && path.trim() !== "" ? path : DEFAULT_POLICY_FILE;
  try {
    return { file, text: readFileSync(file, "utf8") };
  } catch (e) {
    throw new PolicyError(file, [`cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
}

/** Loads and validates a policy file; the documented default when `path` is undefined or empty. */
export function loadPolicy(path?: string): Policy {
  const { file, text } = readPolicyFile(path);
  return parsePolicy(text, file);
}

export function parsePolicy(text: string, file = "(inline policy)"): Policy {
  let document: unknown;
  try {
    document = file.toLowerCase().endsWith(".json") ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (e) {
    const what = file.toLowerCase().endsWith(".json") ? "JSON" : "YAML";
    const where = e instanceof YAMLParseError && e.linePos ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : "";
    throw new PolicyError(file, [`is not valid ${what}${where}: ${(e as Error).message.split("\n")[0]}`]);
  }
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    throw new PolicyError(file, ["expected a mapping with version, actions, network, criticalAssets, block and approval"]);
  }
  const result = Policy.safeParse(document);
  if (!result.success) {
    throw new PolicyError(file, result.error.issues.map((i) => {
      const at = i.path.length ? i.path.join(".") : "(top level)";
      const message = i.code === "unrecognized_keys" ? `unknown setting(s) ${i.keys.join(", ")}; check the spelling against agents/policy/default.yaml` : i.message;
      return `${at}: ${message}`;
    }));
  }
  return result.data;
}

/** The version recorded on every decision: the file's own name for itself plus a digest of its content. */
export function policyVersion(policy: Policy): string {
  return `${policy.version}#${sha256Hex(canonicalJson(policy)).slice(0, 12)}`;
}
