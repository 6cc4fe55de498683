// The bench with tiny numbers: the report has every figure, the counts add up and the pipeline
// phases really ran. No timing thresholds: speed belongs to the machine, not to the test.
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { beforeAll, describe, expect, it } from "vitest";
import { runBench, type BenchReport } from "../../src/bench/run.js";
import { renderReport } from "../../src/bench/report.js";
import { parseBenchArgs, UsageError } from "../../src/bench/main.js";
import { alertVariant, documentationIp } from "../../src/bench/alert-variants.js";
import { fixturesDir, loadCorpus, loadSamples } from "../../src/bench/corpus.js";
import { startBenchFakeLlm } from "../../src/bench/fake-llm.js";
import { percentile, summarize } from "../../src/bench/stats.js";
import { ANALYSIS_STEPS } from "../../src/bench/analysis-bench.js";
import { STAGE_SPANS } from "../../src/bench/pipeline-bench.js";

const ALERTS = 20;
const benchDirs = () => readdirSync(tmpdir()).filter((d) => d.startsWith("secops-bench-"));

describe("bench report with 20 alerts", () => {
  let report: BenchReport;
  let dirsBefore: string[];

  beforeAll(async () => {
    dirsBefore = benchDirs();
    // Two investigator processes and a short steady phase: the multi-process deployment as npm start runs it, with replicas.
    report = await runBench({
      alerts: ALERTS, llmDelayMs: 20, phaseTimeoutMs: 60_000, offline: { budgetMs: 5, minRounds: 2 }, capacitySeconds: 0.1,
      replicas: { enricher: 1, investigator: 2, decider: 1, responder: 1 }, steady: { ratePerSecond: 20, seconds: 1 },
    });
  }, 150_000);

  it("reports the duplicate burst: reuse makes fewer LLM calls than alerts, and no more than without it", () => {
    const d = report.duplicates!;
    expect(d.alerts).toBe(ALERTS);
    expect(d.withoutReuse.llmCalls).toBe(d.alerts);
    expect(d.llmCalls + d.reused).toBe(d.alerts);
  });

  it("runs every LLM capacity scenario through the LLM, within each replica's bounds, never past the server's slots", () => {
    expect(report.capacity.map((c) => c.name)).toEqual(["K=8, fixed at 8 (the ideal, for comparison)", "K=8 (429 beyond), 1 replica", "K=1 (queues), 1 replica", "K=64, 1 replica × 4", "K=64, 2 replicas × 4", "K=64, 3 replicas × 4"]);
    for (const c of report.capacity) {
      expect(c.llmAnalysed, c.name).toBe(c.alerts);
      expect(c.fallbacks, c.name).toBe(0);
      expect(c.limits, c.name).toHaveLength(c.replicas);
      for (const l of c.limits) expect(l.highest, c.name).toBeLessThanOrEqual(c.maxPerReplica);
      expect(c.peakServerInFlight, c.name).toBeLessThanOrEqual(c.slots);
    }
  });

  it("times the normalizer for every fixture format", () => {
    const fixtureFormats = readdirSync(fixturesDir(), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(report.normalizer.formats.map((f) => f.format)).toEqual(fixtureFormats);
    const corpus = loadCorpus();
    expect(report.normalizer.all.alerts + report.normalizer.refused.length).toBe(corpus.length);
    for (const f of report.normalizer.formats) {
      expect(f.alerts, f.format).toBeGreaterThan(0);
      expect(f.calls, f.format).toBeGreaterThanOrEqual(2 * f.alerts);
      expect(f.micros.count).toBe(f.calls);
      expect(f.micros.p50, f.format).toBeGreaterThan(0);
      expect(f.micros.p95).toBeGreaterThanOrEqual(f.micros.p50);
      expect(f.alertsPerSecond, f.format).toBeGreaterThan(0);
    }
    expect(report.normalizer.all.calls).toBe(report.normalizer.formats.reduce((n, f) => n + f.calls, 0));
  });

  it("times each analysis step once per run", () => {
    expect(report.analysis.alerts).toBe(report.normalizer.all.alerts);
    expect(report.analysis.runs).toBeGreaterThanOrEqual(2 * report.analysis.alerts);
    for (const step of ANALYSIS_STEPS) {
      expect(report.analysis.micros[step].count, step).toBe(report.analysis.runs);
      expect(report.analysis.micros[step].p50, step).toBeGreaterThan(0);
    }
    expect(report.analysis.micros.total.max).toBeGreaterThanOrEqual(report.analysis.micros.enrichment.max);
  });

  it("reports the prompt size of every sample alert", () => {
    expect(report.prompts.samples.map((p) => p.input)).toEqual(loadSamples().map((s) => s.file));
    for (const p of report.prompts.samples) {
      expect(p.chars).toBe(p.systemChars + p.userChars);
      expect(p.systemTokens).toBeGreaterThan(100);
      expect(p.userTokens).toBeGreaterThan(20);
      expect(p.estimatedTokens).toBeGreaterThan(p.systemTokens + p.userTokens);
    }
    expect(report.prompts.corpusTokens.count).toBe(report.normalizer.all.alerts);
  });

  it("measures the raw relay on the same server: every message through every hop", () => {
    const r = report.relay!;
    expect(r).toMatchObject({ hops: 5, messages: ALERTS, completed: ALERTS, complete: true, messageBytes: 4096 });
    expect(r.messagesPerSecond).toBeGreaterThan(0);
    expect(r.endToEndMs.count).toBe(ALERTS);
  });

  it("runs the agent processes with their replicas, the in-process comparison and the fake LLM phase", () => {
    expect(report.pipeline.map((p) => [p.deployment, Object.keys(p.analysts)])).toEqual([["processes", ["rules"]], ["in-process", ["rules"]], ["processes", ["llm"]]]);
    const multi = report.pipeline[0]!;
    expect(multi.replicas.investigator).toBe(2);
    // Every agent process, each replica its own, and the correlator, with its memory read.
    expect(multi.processes.map((p) => p.name).sort()).toEqual(["correlator", "decider", "enricher", "investigator", "investigator#2", "responder"]);
    for (const p of multi.processes) {
      expect(p.pid, p.name).not.toBe(process.pid);
      expect(p.peakRssBytes, p.name).toBeGreaterThanOrEqual(p.rssBytes);
      expect(p.rssBytes, p.name).toBeGreaterThan(10 * 1024 * 1024);
    }
    expect(new Set(multi.processes.map((p) => p.pid)).size).toBe(multi.processes.length);
    expect(multi.problems).toEqual([]);
    expect(multi.steady).toMatchObject({ ratePerSecond: 20, seconds: 1, sent: 20, completed: 20 });
    expect(multi.steady!.endToEndMs.count).toBe(20);
    expect(report.pipeline[1]!.processes.map((p) => p.pid)).toEqual([process.pid]);
  });

  it("takes every alert through the pipeline, with the rules analyst and with the fake LLM", () => {
    for (const p of report.pipeline) {
      expect(p.published).toBe(ALERTS);
      expect(p.completed).toBe(ALERTS);
      expect(p.complete).toBe(true);
      expect(p.executed + p.awaitingApproval).toBe(ALERTS);
      expect(p.deadLettered).toBe(0);
      expect(Object.values(p.analysts).reduce((a, b) => a + b, 0)).toBe(ALERTS);
      expect(Object.values(p.actions).reduce((a, b) => a + b, 0)).toBe(ALERTS);
      // The samples cycle, so each run blocks, isolates and tickets.
      expect(Object.keys(p.actions)).toEqual(expect.arrayContaining(["BLOCK_IP", "CREATE_TICKET"]));
      expect(Object.values(p.outcomes).reduce((a, b) => a + b, 0)).toBe(ALERTS);
      expect(p.outcomes.success).toBeGreaterThan(0);
      // The idle probes are extra alerts, each timed alone, and not counted in the burst.
      expect(p.idleEndToEndMs).toHaveLength(5);
      for (const ms of p.idleEndToEndMs) expect(ms).toBeGreaterThan(0);
      expect(p.endToEndMs.count).toBe(ALERTS);
      expect(p.endToEndMs.p50).toBeGreaterThan(0);
      expect(p.endToEndMs.p99).toBeGreaterThanOrEqual(p.endToEndMs.p50);
      for (const s of STAGE_SPANS.slice(0, 3)) expect(p.stageMs[s].count, s).toBe(ALERTS);
      expect(p.stageMs.execute.count).toBe(p.executed);
      expect(p.alertsPerSecond).toBeGreaterThan(0);
      expect(p.durationMs).toBeGreaterThan(0);
      expect(p.memory.beforePublish.rssBytes).toBeGreaterThan(0);
      expect(p.memory.afterRun.heapUsedBytes).toBeGreaterThan(0);
      expect(p.memory.peakRssBytes).toBeGreaterThanOrEqual(p.memory.atStart.rssBytes);
      expect(p.concurrency.llm).toBeGreaterThan(0);
      expect(Object.keys(p.concurrency.agents).sort()).toEqual(["decider", "enricher", "investigator", "responder"]);
    }
    expect(report.ok).toBe(true);
  });

  it("removes its temporary store", () => {
    // Only new folders count: another bench on the same machine may remove its own meanwhile.
    expect(benchDirs().filter((d) => !dirsBefore.includes(d))).toEqual([]);
  });

  it("renders every section, and JSON round-trips", () => {
    const text = renderReport(report);
    for (const heading of ["1. Normalizer throughput", "2. Per-alert analysis", "3. Investigation prompt", "4. End-to-end pipeline", "relay floor: 5 hops", "% of the relay", "investigator 2", "steady      20 alerts/s", "share", "investigator#2", "sample_alert1.json", "unreachable (rules analyst)", "fake LLM answering after 20 ms", "bench complete"]) {
      expect(text).toContain(heading);
    }
    expect(JSON.parse(JSON.stringify(report)).pipeline[2].completed).toBe(ALERTS);
  });
});

describe("bench helpers", () => {
  it("makes variants with their own id, addresses and hosts", () => {
    const samples = loadSamples();
    const variants = Array.from({ length: 50 }, (_, k) => alertVariant(samples, "t", k));
    expect(new Set(variants.map((v) => v.sourceId)).size).toBe(50);
    expect(new Set(variants.map((v) => v.body)).size).toBe(50);
    const scan = variants.filter((v) => v.sample === "sample_alert4.json").map((v) => (JSON.parse(v.body) as { details: { source_ip: string }; raw_log: string }));
    expect(new Set(scan.map((s) => s.details.source_ip)).size).toBe(scan.length);
    // The raw log names the same address as the structured field.
    for (const s of scan) expect(s.raw_log).toContain(`src=${s.details.source_ip},`);
    expect(documentationIp(0)).toBe("192.0.2.1");
    expect(documentationIp(254)).toBe("198.51.100.1");
    expect(documentationIp(762)).toBe("192.0.2.1");
  });

  it("nearest-rank percentiles return measured values", () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 95)).toBe(4);
    expect(summarize([]).count).toBe(0);
    expect(Number.isNaN(summarize([]).p50)).toBe(true);
    expect(summarize([5, 1, 3])).toMatchObject({ min: 1, p50: 3, max: 5, mean: 3 });
  });

  it("rejects bad options with what is accepted", () => {
    expect(() => parseBenchArgs(["--alerts", "0"], {})).toThrow(UsageError);
    expect(() => parseBenchArgs(["--alerts", "12x"], {})).toThrow(/--alerts "12x": expected a whole number from 1 to 100000/);
    expect(() => parseBenchArgs(["--fast"], {})).toThrow(/unknown or incomplete option: --fast/);
    const ok = parseBenchArgs(["--alerts", "7", "--json", "--llm-delay-ms=0"], { LLM_CONCURRENCY: "3" });
    expect(ok.json).toBe(true);
    expect(ok.options).toMatchObject({ alerts: 7, llmAlerts: 7, llmDelayMs: 0, phaseTimeoutMs: 120_000, env: { LLM_CONCURRENCY: "3" }, replicas: { enricher: 1, investigator: 1, decider: 1, responder: 1 }, steady: { ratePerSecond: 100, seconds: 10 }, skipInProcess: false });
    expect(parseBenchArgs([], {}).options).toMatchObject({ alerts: 2000, llmAlerts: 500 });
    expect(parseBenchArgs(["--replicas", "investigator=3,enricher=2", "--steady-s", "0", "--no-in-process"], {}).options).toMatchObject({ replicas: { enricher: 2, investigator: 3, decider: 1, responder: 1 }, steady: { seconds: 0 }, skipInProcess: true });
    expect(() => parseBenchArgs(["--replicas", "investigator"], {})).toThrow(/--replicas "investigator": "investigator": expected stage=N/);
    expect(() => parseBenchArgs(["--replicas", "llm=2"], {})).toThrow(/expected stage=N with a stage of enricher, investigator, decider, responder/);
    expect(() => parseBenchArgs(["--replicas", "investigator=9"], {})).toThrow(/N from 1 to 8/);
  });

  it("the fake LLM answers like Qwen3 with thinking off, after its delay", async () => {
    const fake = await startBenchFakeLlm({ delayMs: 50 });
    try {
      const started = Date.now();
      const r = await fetch(`${fake.url}/chat/completions`, {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ messages: [{ role: "user", content: "category: malware\nhost: wks-1 10.0.0.5" }] }),
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(45);
      const body = await r.json() as { choices: { message: { content: string } }[] };
      const content = body.choices[0]!.message.content;
      expect(content.startsWith("<think>\n\n</think>\n\n")).toBe(true);
      expect(JSON.parse(content.slice(content.indexOf("{")))).toMatchObject({ recommendedAction: "ISOLATE_HOST", recommendedTarget: "wks-1" });
      expect(fake.answered).toBe(1);
      const bad = await fetch(`${fake.url}/chat/completions`, { method: "POST", body: "{not json" });
      expect(bad.status).toBe(400);
    } finally {
      await fake.close();
    }
  });
});
