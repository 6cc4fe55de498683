// Process entry point of the enricher: alerts.raw → alerts.enriched. Run N of them to scale.
import { fileURLToPath } from "node:url";
import { Kvm } from "@nats-io/kv";
import { runAgentProcess, type AgentRuntime } from "../runtime/agent.js";
import type { StageHandler } from "../runtime/stage.js";
import { traceparent } from "../runtime/trace.js";
import { enrichRawAlert } from "./handler.js";
import { enrichIndicators } from "./enrich/index.js";
import { enrichmentSetup } from "./enrich/setup.js";
import { findSuppression } from "../responder/suppressions.js";

export async function createEnricherHandler(rt: AgentRuntime): Promise<StageHandler> {
  const setup = enrichmentSetup(rt.env);
  const { providers, assetRules, feeds } = setup;
  const kvm = new Kvm(rt.nc);
  const cache = await kvm.open(rt.topo.buckets.enrichmentCache);
  const suppressions = await kvm.open(rt.topo.buckets.suppressions);
  const internalRanges = rt.cfg.INTERNAL_RANGES.split(",").map((s) => s.trim()).filter(Boolean);
  rt.log.info({ feeds: feeds.files, indicators: feeds.size }, "threat-intel feeds loaded");
  setup.start({ cache, log: rt.log, instance: rt.producer.instance });

  return async (m, ctx) => {
    const msg = await enrichRawAlert(
      { data: m.data, headers: ctx.headers, receivedAt: new Date(Math.floor(m.info.timestampNanos / 1e6)).toISOString() },
      {
        producer: rt.producer,
        internalRanges,
        enrich: (alert, suppression) => enrichIndicators(alert, { providers, assetRules, cache, log: ctx.log, suppression, timeoutMs: setup.timeoutMs }),
        findSuppression: (fp) => findSuppression(suppressions, fp, new Date()),
      },
    );
    return {
      alertId: msg.alertId,
      traceId: msg.traceId,
      note: `${msg.alert.format}/${msg.alert.category} ${msg.alert.iocs.length} iocs`,
      publish: [{
        subject: rt.topo.subjects.enriched,
        data: msg,
        msgId: `${msg.alertId}:enriched`,
        headers: { traceparent: traceparent(msg.traceId), "Alert-Id": msg.alertId },
      }],
    };
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runAgentProcess({ agent: "enricher", createHandler: createEnricherHandler });
}
