// The bench report as aligned plain-text tables, for a terminal or a README.
import type { BenchReport } from "./run.js";
import { ANALYSIS_STEPS } from "./analysis-bench.js";
import { STAGE_SPANS, type PipelineReport } from "./pipeline-bench.js";
import type { Summary } from "./stats.js";
import type { RelayReport } from "./relay-bench.js";

function num(v: number, digits = 0): string {
  return Number.isFinite(v) ? v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "n/a";
}

function mib(bytes: number): string {
  return `${num(bytes / 1024 / 1024, 1)} MiB`;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  // The first column reads left-aligned (names), the figures right-aligned.
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)];
}

function ms(s: Summary, key: "p50" | "p95" | "p99"): string {
  return num(s[key], s[key] < 10 ? 1 : 0);
}

const SPAN_LABEL: Record<(typeof STAGE_SPANS)[number], string> = {
  enrich: "received → enriched", investigate: "enriched → investigated", decide: "investigated → decided", execute: "decided → executed",
};

/** The share of the mean end-to-end time each stage's span takes (queueing included). */
function share(p: { stageMs: PipelineReport["stageMs"]; endToEndMs: Summary }, s: (typeof STAGE_SPANS)[number]): string {
  const e = p.endToEndMs.mean, v = p.stageMs[s].mean;
  return Number.isFinite(e) && e > 0 && Number.isFinite(v) ? `${num((100 * v) / e)}%` : "n/a";
}

/** Target from the issue: each agent process at most 150 MB (MiB here, the stricter reading) under load. */
export const RSS_TARGET_BYTES = 150 * 1024 * 1024;

function deploymentLabel(p: PipelineReport): string {
  if (p.deployment === "in-process") return "four agents in the bench's process";
  const r = Object.entries(p.replicas).map(([a, n]) => `${a} ${n}`).join(", ");
  return `agent processes as npm start runs them (${r}; correlator 1)`;
}

function pipelineLines(p: PipelineReport, relay: RelayReport | null): string[] {
  const ratio = relay && relay.messagesPerSecond > 0 ? ` = ${num((100 * p.alertsPerSecond) / relay.messagesPerSecond)}% of the relay` : "";
  const lines = [
    `${deploymentLabel(p)}, LLM ${p.llm}: ${p.completed}/${p.requested} alerts completed${p.complete ? "" : `  ** INCOMPLETE: the time cap ran out (${p.published} published) **`}` +
      ` (${p.executed} executed, ${p.awaitingApproval} awaiting approval, ${p.deadLettered} dead-lettered)`,
    `  throughput  ${num(p.alertsPerSecond, 1)} alerts/s${ratio}  (${num(p.durationMs / 1000, 1)} s from first publish to last completion)`,
    `  concurrency LLM_CONCURRENCY=${p.concurrency.llm} (start), AGENT_CONCURRENCY enricher=${p.concurrency.agents.enricher} investigator=${p.concurrency.agents.investigator} decider=${p.concurrency.agents.decider} responder=${p.concurrency.agents.responder}`,
    `  analysts    ${Object.entries(p.analysts).map(([k, v]) => `${k} ${v}`).join(", ") || "none"}`,
    `  actions     ${Object.entries(p.actions).map(([k, v]) => `${k} ${v}`).join(", ") || "none"}`,
    `  outcomes    ${Object.entries(p.outcomes).map(([k, v]) => `${k} ${v}`).join(", ") || "none"}`,
    `  idle        one alert at a time before the burst, end to end: ${p.idleEndToEndMs.map((v) => `${num(v)} ms`).join(", ") || "none completed"}`,
    "",
    ...table(["latency under the burst (ms)", "p50", "p95", "p99", "max", "share"], [
      ["end to end", ms(p.endToEndMs, "p50"), ms(p.endToEndMs, "p95"), ms(p.endToEndMs, "p99"), num(p.endToEndMs.max), "100%"],
      ...STAGE_SPANS.map((s) => [`  ${SPAN_LABEL[s]}`, ms(p.stageMs[s], "p50"), ms(p.stageMs[s], "p95"), ms(p.stageMs[s], "p99"), num(p.stageMs[s].max), share(p, s)]),
    ]).map((l) => `  ${l}`),
  ];
  if (p.steady) {
    const st = p.steady;
    lines.push("", `  steady      ${num(st.ratePerSecond)} alerts/s for ${num(st.seconds)} s after the burst (sent at ${num(st.sentPerSecond, 1)}/s): ${st.completed}/${st.sent} completed;` +
      ` pipeline overhead end to end p50 ${ms(st.endToEndMs, "p50")} ms, p99 ${ms(st.endToEndMs, "p99")} ms${p.llm.startsWith("unreachable") ? " (no LLM time: rules analyst)" : ""}`);
    lines.push(...table(["latency at the steady rate (ms)", "p50", "p95", "p99", "max", "share"], [
      ["end to end", ms(st.endToEndMs, "p50"), ms(st.endToEndMs, "p95"), ms(st.endToEndMs, "p99"), num(st.endToEndMs.max), "100%"],
      ...STAGE_SPANS.map((s) => [`  ${SPAN_LABEL[s]}`, ms(st.stageMs[s], "p50"), ms(st.stageMs[s], "p95"), ms(st.stageMs[s], "p99"), num(st.stageMs[s].max), share(st, s)]),
    ]).map((l) => `  ${l}`));
  }
  const cpu = Object.entries(p.cpuMsPerAlert);
  if (cpu.length > 0) {
    const total = cpu.reduce((a, [, v]) => a + (Number.isFinite(v) ? v : 0), 0);
    lines.push("", `  CPU         ms per alert during the burst (user + system; hardly affected by other load): ${cpu.map(([k, v]) => `${k} ${num(v, 2)}`).join(", ")}; total ${num(total, 2)}`);
  }
  lines.push("");
  if (p.deployment === "processes") {
    lines.push(`  memory      RSS of each process, after the run / peak (sampled every 200 ms; target at most ${mib(RSS_TARGET_BYTES)}):`);
    lines.push(`              ${p.processes.map((m) => `${m.name} ${num(m.rssBytes / 1024 / 1024)} / ${num(m.peakRssBytes / 1024 / 1024)} MiB${m.peakRssBytes > RSS_TARGET_BYTES ? " (over)" : ""}`).join(", ") || "not measured"}`);
  } else {
    lines.push(`  memory      RSS ${mib(p.memory.beforePublish.rssBytes)} before → ${mib(p.memory.afterRun.rssBytes)} after (peak ${mib(p.memory.peakRssBytes)});` +
      ` heap used ${mib(p.memory.beforePublish.heapUsedBytes)} → ${mib(p.memory.afterRun.heapUsedBytes)}; process at phase start: RSS ${mib(p.memory.atStart.rssBytes)}`);
  }
  if (p.problems.length > 0) lines.push(`  problems    ${p.problems.slice(0, 10).join("\n              ")}`);
  return lines;
}

export function renderReport(r: BenchReport): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`secops bench: Node ${m.node} on ${m.platform}, ${m.cpus} × ${m.cpu}, ${mib(m.totalMemoryBytes)} RAM`);
  out.push(`(figures vary with the machine and its load; latencies are per call, single-threaded, after a warm-up pass)`, "");

  out.push(`1. Normalizer throughput (each fixture alert normalized repeatedly for ~${r.options.offlineBudgetMs} ms per format)`);
  out.push(...table(["format", "alerts", "calls", "alerts/s", "µs p50", "µs p95"], [
    ...r.normalizer.formats.map((f) => [f.format, String(f.alerts), String(f.calls), num(f.alertsPerSecond), num(f.micros.p50, 1), num(f.micros.p95, 1)]),
    [r.normalizer.all.format, String(r.normalizer.all.alerts), String(r.normalizer.all.calls), num(r.normalizer.all.alertsPerSecond), num(r.normalizer.all.micros.p50, 1), num(r.normalizer.all.micros.p95, 1)],
  ]));
  if (r.normalizer.refused.length > 0) out.push(`   (${r.normalizer.refused.length} fixture item(s) refused by the normalizer and not timed: ${r.normalizer.refused.map((x) => x.input).join(", ")})`);
  out.push("");

  out.push(`2. Per-alert analysis, offline, no LLM (${r.analysis.alerts} alerts, ${r.analysis.runs} timed runs)`);
  const stepName: Record<(typeof ANALYSIS_STEPS)[number], string> = {
    iocExtraction: "IoC extraction", enrichment: "enrichment (IP classes, feeds, assets)", rulesInvestigation: "investigation (injection scan + rules analyst)", decision: "decision (default policy)", total: "total",
  };
  out.push(...table(["step", "µs p50", "µs p95", "µs p99"], ANALYSIS_STEPS.map((s) => [stepName[s], num(r.analysis.micros[s].p50, 1), num(r.analysis.micros[s].p95, 1), num(r.analysis.micros[s].p99, 1)])));
  out.push("");

  out.push("3. Investigation prompt per sample alert (system + user message; tokens estimated for Qwen's tokenizer)");
  out.push(...table(["sample", "category", "chars", "system tok", "user tok", "est. tokens"], r.prompts.samples.map((p) => [p.input, p.category, num(p.chars), num(p.systemTokens), num(p.userTokens), num(p.estimatedTokens)])));
  const c = r.prompts.corpusTokens;
  out.push(`   all ${c.count} fixture alerts: est. tokens p50 ${num(c.p50)}, p95 ${num(c.p95)}, max ${num(c.max)}`, "");

  if (r.pipeline.length === 0) out.push("4. End-to-end pipeline: skipped");
  else {
    out.push(`4. End-to-end pipeline: alerts published at once (a burst) through a local nats-server, compared with a raw JetStream relay on the same binary`);
    out.push(`   (cap ${num(r.options.phaseTimeoutMs / 1000)} s per phase; latency under the burst includes the wait in the queue; end to end = received → executed, or → decided when awaiting approval;`);
    out.push(`   share = the stage's mean span over the mean end to end; all phases of one run ran on the same machine minutes apart, so compare their ratios)`);
    if (r.relay) {
      const x = r.relay;
      out.push("", `relay floor: ${x.hops} hops (consume, JSON parse, add a field, publish with Nats-Msg-Id, wait for the stream's ack, ack), ${num(x.messageBytes)}-byte messages, one process:` +
        ` ${x.completed}/${x.messages}${x.complete ? "" : " ** INCOMPLETE **"} in ${num(x.durationMs / 1000, 1)} s = ${num(x.messagesPerSecond)} msgs/s; end to end p50 ${ms(x.endToEndMs, "p50")} ms, p99 ${ms(x.endToEndMs, "p99")} ms`);
    }
    for (const p of r.pipeline) out.push("", ...pipelineLines(p, r.relay));
  }
  if (r.capacity.length > 0) {
    const L = r.capacity[0]!.delayMs;
    out.push("", `5. LLM scheduling: investigations through the client's adaptive concurrency (LLM_CONCURRENCY from 1, MAX per replica) against the fake LLM with K slots, ${num(L)} ms each`);
    out.push("   (ceiling = min(K, replicas × stage concurrency) / L; no NATS; each replica is its own client and limit, as separate processes would be)");
    out.push(...table(["scenario", "alerts", "per s", "ceiling/s", "ratio", "429s", "peak at server", "limit end (lo-hi)", "fallbacks"], r.capacity.map((c) => [
      c.name, String(c.alerts), num(c.investigationsPerSecond, 1), num(c.ceilingPerSecond, 1), `${num(c.ratio * 100)}%`, String(c.rejected429), String(c.peakServerInFlight),
      c.limits.map((l) => `${l.final} (${l.lowest}-${l.highest})`).join(", "), String(c.fallbacks),
    ])).map((l) => `   ${l}`));
  }
  if (r.duplicates) {
    const d = r.duplicates;
    out.push("", `6. LLM economy: a burst of ${d.alerts} alerts, ${d.alerts - d.unique} of them duplicates (same fingerprint), through the investigator with the shared reuse bucket`);
    out.push(...table(["", "LLM calls", "calls/alert", "prompt tok/alert"], [
      ["with duplicate reuse", String(d.llmCalls), num(d.callsPerAlert, 2), num(d.promptTokensPerAlert)],
      ["without (LLM_REUSE_WINDOW_SECONDS=0)", String(d.withoutReuse.llmCalls), num(d.withoutReuse.llmCalls / d.alerts, 2), num(d.withoutReuse.promptTokensPerAlert)],
    ]).map((l) => `   ${l}`));
    out.push(`   ${d.reused} alerts reused an earlier investigation; a copy arriving while its first is with the LLM waits for that answer (a claim in the reuse bucket)`);
  }
  out.push("", r.ok ? "bench complete" : "bench INCOMPLETE: a pipeline phase did not finish within its time cap (exit code 1)");
  return out.join("\n");
}
