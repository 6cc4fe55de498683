// The correlator's rules: the `incidents:` section of the policy file (agents/policy/default.yaml
// documents each setting). Read here, not by the decider, so each agent validates only what it uses.
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { IncidentEntityType } from "@secops/contracts";
import { PolicyError, readPolicyFile } from "../shared/policy.js";

const Minutes = z.number({ error: "expected a number of minutes" }).int("expected whole minutes").positive("expected more than 0 minutes").max(43_200, "expected at most 43200 minutes (30 days)");

export const IncidentRule = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "expected a short id of lower-case letters, digits, - and _, e.g. same-host"),
  entity: IncidentEntityType,
  windowMinutes: Minutes.optional(),
});
export type IncidentRule = z.infer<typeof IncidentRule>;

export const IncidentRules = z.strictObject({
  enabled: z.boolean({ error: "expected true or false" }).default(true),
  windowMinutes: Minutes.default(60),
  minAlerts: z.number({ error: "expected a number of alerts" }).int().min(1, "expected at least 1 alert").max(100).default(2),
  maxAlerts: z.number({ error: "expected a number of alerts" }).int().min(2).max(1000, "expected at most 1000 alerts per incident").default(500),
  rules: z.array(IncidentRule).min(1, "expected at least one rule, e.g. { id: same-host, entity: host }"),
  ignore: z.strictObject({
    hosts: z.array(z.string().min(1)).default([]),
    users: z.array(z.string().min(1)).default([]),
    ips: z.array(z.string().min(1)).default([]),
  }).default({ hosts: [], users: [], ips: [] }),
});
export type IncidentRules = z.infer<typeof IncidentRules>;

/** What the correlator does when the policy file has no `incidents:` section. */
export const DEFAULT_INCIDENT_RULES: IncidentRules = IncidentRules.parse({
  rules: [
    { id: "same-host", entity: "host" },
    { id: "same-user", entity: "user" },
    { id: "same-external-ip", entity: "ip" },
    { id: "same-hash", entity: "hash" },
  ],
  ignore: { hosts: ["localhost", "unknown", "-"], users: ["SYSTEM", "NT AUTHORITY\\SYSTEM", "root", "unknown", "-", "n/a"], ips: [] },
});

export function parseIncidentRules(text: string, file = "(inline policy)"): IncidentRules {
  let doc: unknown;
  try {
    doc = file.toLowerCase().endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new PolicyError(file, [`is not valid ${file.toLowerCase().endsWith(".json") ? "JSON" : "YAML"}: ${(e as Error).message.split("\n")[0]}`]);
  }
  const section = doc && typeof doc === "object" && !Array.isArray(doc) ? (doc as Record<string, unknown>).incidents : undefined;
  if (section === undefined || section === null) return DEFAULT_INCIDENT_RULES;
  const r = IncidentRules.safeParse(section);
  if (!r.success) {
    throw new PolicyError(file, r.error.issues.map((i) => {
      const at = ["incidents", ...i.path].join(".");
      return `${at}: ${i.code === "unrecognized_keys" ? `unknown setting(s) ${i.keys.join(", ")}; check the spelling against agents/policy/default.yaml` : i.message}`;
    }));
  }
  const ids = r.data.rules.map((x) => x.id);
  const dup = ids.find((id, n) => ids.indexOf(id) !== n);
  if (dup) throw new PolicyError(file, [`incidents.rules: the id ${dup} is used twice; each rule needs its own id`]);
  return r.data;
}

export function loadIncidentRules(path?: string): IncidentRules {
  const { file, text } = readPolicyFile(path);
  return parseIncidentRules(text, file);
}
