// The enricher stage: alerts.raw → alerts.enriched. Run N of them to scale.
import { fileURLToPath } from "node:url";
import { Kvm } from "@nats-io/kv";
import { EnrichedMessage } from "@secops/contracts";
import { runAgentProcess } from "../runtime/agent.js";
import { RAW_INPUT, defineStage } from "../runtime/define-stage.js";
import { enrichRawAlert } from "./handler.js";
import { enrichIndicators } from "./enrich/index.js";
import { enrichmentSetup } from "./enrich/setup.js";
import { findSuppression } from "../state/suppressions.js";

export const enricherStage = defineStage({
  name: "enricher",
  input: RAW_INPUT,
  output: EnrichedMessage,
  async setup(rt) {
    const setup = enrichmentSetup(rt.env);
    const { providers, assetRules, feeds } = setup;
    const kvm = new Kvm(rt.nc);
    const cache = await kvm.open(rt.topo.buckets.enrichmentCache);
    const suppressions = await kvm.open(rt.topo.buckets.suppressions);
    rt.log.info({ feeds: feeds.files, indicators: feeds.size }, "threat-intel feeds loaded");
    const running = setup.start({ cache, log: rt.log, instance: rt.producer.instance });
    return {
      providers, assetRules, cache, running, timeoutMs: setup.timeoutMs,
      internalRanges: [...rt.cfg.INTERNAL_RANGES],
      findSuppression: (fp: string) => findSuppression(suppressions, fp, new Date()),
    };
  },
  async handle(raw, { deps, log, note }) {
    const { providers, assetRules, cache, timeoutMs } = deps;
    const out = await enrichRawAlert(raw, {
      internalRanges: deps.internalRanges,
      findSuppression: deps.findSuppression,
      enrich: (alert, suppression) => enrichIndicators(alert, { providers, assetRules, cache, log, suppression, timeoutMs }),
    });
    note(`${out.alert.format}/${out.alert.category} ${out.alert.iocs.length} iocs`);
    return out;
  },
  stop: (deps) => deps.running.stop(),
});

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runAgentProcess(enricherStage);
