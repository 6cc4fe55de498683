// The enrichment sources a process uses, from its configuration. Shared by the enricher
// agent and the offline `secops triage` command, so both enrich the same way.
import { fileURLToPath } from "node:url";
import { enricherEnv, parseEnv } from "../../runtime/config.js";
import { ipClassification } from "./ip-classification.js";
import { ThreatIntelFeeds } from "./feeds.js";
import { loadAssetInventory, type AssetRule } from "./assets.js";
import type { EnrichmentProvider } from "./provider.js";

export const DEMO_FEED_DIR = fileURLToPath(new URL("../../../intel", import.meta.url));

export interface EnrichmentSetup {
  providers: EnrichmentProvider[];
  assetRules: AssetRule[];
  feeds: ThreatIntelFeeds;
}

export function enrichmentSetup(env: NodeJS.ProcessEnv): EnrichmentSetup {
  const cfg = parseEnv(enricherEnv, env);
  const feeds = ThreatIntelFeeds.fromDirectory(cfg.THREAT_INTEL_DIR ?? DEMO_FEED_DIR);
  return { providers: [ipClassification, feeds], assetRules: loadAssetInventory(cfg.ASSET_INVENTORY_FILE), feeds };
}
