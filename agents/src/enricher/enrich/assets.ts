// Asset criticality: from an inventory file when one is configured (ASSET_INVENTORY_FILE,
// JSON: [{"match": "regex on host name", "criticality": "critical", "reason": "..."}]),
// else from naming conventions that most estates share. The first matching rule wins.
import { readFileSync } from "node:fs";
import { z } from "zod";
import type { CanonicalAlert, Enrichment } from "@secops/contracts";

const Rule = z.object({
  match: z.string().min(1).refine((s) => { try { new RegExp(s, "i"); return true; } catch { return false; } }, "expected a valid regular expression"),
  criticality: z.enum(["low", "medium", "high", "critical"]),
  reason: z.string().min(1),
});
export const AssetInventory = z.array(Rule);
export type AssetRule = z.infer<typeof Rule>;

export const DEFAULT_ASSET_RULES: AssetRule[] = [
  { match: "(^|[.-])(dc|ad|pdc|domain-?controller)\\d*([.-]|$)", criticality: "critical", reason: "domain controller naming" },
  { match: "(finance|payroll|erp|sap|treasury|bank)", criticality: "critical", reason: "finance system naming" },
  { match: "(^|[.-])(prod|prd|db|sql|oracle|backup|vault|hsm|ca)\\d*([.-]|$)", criticality: "high", reason: "production or data-store naming" },
  { match: "(sharepoint|fileserver|nas|financial-docs|hr)", criticality: "high", reason: "sensitive data repository naming" },
  { match: "(fw|firewall|vpn|gw|gateway|router)", criticality: "high", reason: "network infrastructure naming" },
  { match: "(workstation|laptop|desktop|wks|pc)", criticality: "medium", reason: "end-user device naming" },
];

export function loadAssetInventory(path: string | undefined): AssetRule[] {
  if (!path) return DEFAULT_ASSET_RULES;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`ASSET_INVENTORY_FILE ${path}: cannot read JSON (${(e as Error).message}); expected [{"match": "<regex>", "criticality": "low|medium|high|critical", "reason": "..."}]`);
  }
  const r = AssetInventory.safeParse(parsed);
  if (!r.success) {
    throw new Error(`ASSET_INVENTORY_FILE ${path}: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  return r.data;
}

const RANK = { low: 1, medium: 2, high: 3, critical: 4 } as const;

// Rules are few and fixed for a process's life; compile each pattern once, not per alert.
const compiled = new Map<string, RegExp>();
function patternOf(rule: AssetRule): RegExp {
  let re = compiled.get(rule.match);
  if (!re) compiled.set(rule.match, (re = new RegExp(rule.match, "i")));
  return re;
}

/** The most critical asset the alert names: its host, then the affected systems. */
export function assessAsset(alert: CanonicalAlert, rules: AssetRule[]): Enrichment["asset"] {
  const names = [alert.host.name, ...alert.assets].filter((n): n is string => !!n);
  let best: Enrichment["asset"] = { name: names[0] ?? null, criticality: "low", reason: names.length ? "no inventory rule matched" : "the alert names no asset" };
  for (const name of names) {
    const rule = rules.find((r) => patternOf(r).test(name));
    if (rule && RANK[rule.criticality] > RANK[best.criticality]) best = { name, criticality: rule.criticality, reason: rule.reason };
  }
  return best;
}
