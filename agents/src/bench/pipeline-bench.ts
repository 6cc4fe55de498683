// End-to-end pipeline bench: a private nats-server (random loopback port, temporary store), the
// four agents in this process, N distinct alerts published on alerts.raw, and every alert followed
// until it is executed or waits for a human approval. Latencies come from the stage timestamps the
// messages carry; throughput from the wall clock between the first publish and the last completion.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { connect, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { DEFAULT_TOPOLOGY, type Timestamps } from "@secops/contracts";
import { llmEnv, parseEnv } from "../runtime/config.js";
import type { AgentName } from "../runtime/provision.js";
import { messageIdFor } from "../enricher/normalize/index.js";
import { INSTALL_HELP, natsServerBinary, startLocalNats, type LocalNats } from "../start/local-nats.js";
import { localNatsAuth } from "../trust/local-credentials.js";
import { alertVariant } from "./alert-variants.js";
import { loadSamples, REPO_ROOT } from "./corpus.js";
import { startBenchFakeLlm, type BenchFakeLlm } from "./fake-llm.js";
import { cpuMsOf, startDeployment, type Deployment, type DeploymentKind, type ProcessMemory, type Replicas } from "./deployment.js";
import { summarize, type Summary } from "./stats.js";

export type LlmMode = { kind: "unreachable" } | { kind: "fake"; delayMs: number };

export interface PipelineOptions {
  alerts: number;
  llm: LlmMode;
  /** Hard cap on the wait for completions; what completed by then is reported. */
  timeoutMs: number;
  /** The agents as `npm start` runs them (default), or the four stages in this process. */
  deployment?: DeploymentKind;
  /** Processes per stage (multi-process deployment only); default 1 each. */
  replicas?: Replicas;
  /** After the burst: alerts sent at a steady rate, to measure the pipeline's own latency when it keeps up. */
  steady?: { ratePerSecond: number; seconds: number };
  /** Publishes in flight at once. */
  publishWindow?: number;
  /** Alerts sent one at a time before the burst, each waited for: latency with nothing queued. */
  idleProbes?: number;
  /** LLM_CONCURRENCY / AGENT_CONCURRENCY overrides; unset means the agents' defaults. */
  env?: { LLM_CONCURRENCY?: string; AGENT_CONCURRENCY?: string };
  root?: string;
  /** Each agent process writes a V8 CPU profile (node --cpu-prof) into this folder when it stops. */
  cpuProfDir?: string;
}

export interface MemoryFigures {
  rssBytes: number;
  heapUsedBytes: number;
}

export const STAGE_SPANS = ["enrich", "investigate", "decide", "execute"] as const;
export type StageSpan = (typeof STAGE_SPANS)[number];
const SPAN_ENDS: Record<StageSpan, [keyof Timestamps, keyof Timestamps]> = {
  enrich: ["received", "enriched"],
  investigate: ["enriched", "investigated"],
  decide: ["investigated", "decided"],
  execute: ["decided", "executed"],
};

export interface PipelineReport {
  llm: string;
  requested: number;
  published: number;
  /** Executed, plus waiting for approval (their journey ends at alerts.decided until a human acts). */
  completed: number;
  executed: number;
  awaitingApproval: number;
  deadLettered: number;
  /** False when the time cap ran out first. */
  complete: boolean;
  durationMs: number;
  alertsPerSecond: number;
  /** received → executed (or → decided for alerts waiting for approval), in milliseconds, under the burst. */
  endToEndMs: Summary;
  /**
   * End-to-end latency of each alert sent alone before the burst, in order. The first ones after
   * start include what a cold pipeline pays (with the LLM unreachable: the retries until the
   * circuit breaker opens).
   */
  idleEndToEndMs: number[];
  stageMs: Record<StageSpan, Summary>;
  analysts: Record<string, number>;
  actions: Record<string, number>;
  /** Execution statuses (success, duplicate, failed...) of the executed alerts. */
  outcomes: Record<string, number>;
  concurrency: { llm: number; agents: Record<AgentName, number> };
  deployment: DeploymentKind;
  replicas: Replicas;
  /** The bench process itself (publisher and watcher; with the in-process deployment also the agents). */
  memory: { atStart: MemoryFigures; beforePublish: MemoryFigures; afterRun: MemoryFigures; peakRssBytes: number };
  /** Every agent process: RSS after the run and its peak, sampled every 200 ms from start to the end of the run. */
  processes: ProcessMemory[];
  /**
   * CPU milliseconds per completed alert of the burst, by process (agents, and the nats-server):
   * unlike the rate, it hardly depends on what else the machine runs.
   */
  cpuMsPerAlert: Record<string, number>;
  /** Alerts at a steady rate after the burst, null when not asked for. */
  steady: SteadyReport | null;
  /** What the agents wrote to stderr, and restarts (empty when all went well). */
  problems: string[];
}

export interface SteadyReport {
  ratePerSecond: number;
  seconds: number;
  sent: number;
  completed: number;
  /** The rate actually achieved by the publisher (it may fall behind on a loaded machine). */
  sentPerSecond: number;
  endToEndMs: Summary;
  stageMs: Record<StageSpan, Summary>;
}

interface Completion {
  timestamps: Timestamps;
  analyst: string;
  action: string;
  outcome: string;
  awaitingApproval: boolean;
}

function memoryNow(): MemoryFigures {
  const m = process.memoryUsage();
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed };
}

/** A loopback URL on which nothing listens: the LLM client's connections are refused at once. */
async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

function count(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

function spanMs(t: Timestamps, from: keyof Timestamps, to: keyof Timestamps): number | null {
  const a = t[from], b = t[to];
  if (!a || !b) return null;
  return Date.parse(b) - Date.parse(a);
}

function endToEnd(c: Completion): number | null {
  return spanMs(c.timestamps, "received", c.awaitingApproval ? "decided" : "executed");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Follows the run's alerts on alerts.executed, alerts.decided and alerts.dlq (core subscriptions see JetStream publishes too). */
class CompletionTracker {
  readonly completions = new Map<string, Completion>();
  deadLettered = 0;
  lastCompletionAt = 0;
  readonly #subs: Subscription[] = [];

  constructor(nc: NatsConnection, private readonly sourcePrefix: string) {
    const t = DEFAULT_TOPOLOGY.subjects;
    this.#follow(nc, t.executed, (d) => this.#complete(d, false));
    this.#follow(nc, t.decided, (d) => {
      if ((d.decision as { status?: string } | undefined)?.status === "awaiting_approval") this.#complete(d, true);
    });
    this.#follow(nc, t.dlq, () => { this.deadLettered++; });
  }

  #follow(nc: NatsConnection, subject: string, on: (data: Record<string, unknown>) => void): void {
    const sub = nc.subscribe(subject);
    this.#subs.push(sub);
    void (async () => {
      for await (const m of sub) {
        try { on(m.json<Record<string, unknown>>()); } catch { /* not ours to judge; the pipeline's tests do */ }
      }
    })();
  }

  /** The completions whose source id starts with `prefix`. */
  matching(prefix: string): Completion[] {
    return [...this.completions].filter(([id]) => id.startsWith(prefix)).map(([, c]) => c);
  }

  #complete(d: Record<string, unknown>, awaitingApproval: boolean): void {
    const alert = d.alert as { sourceId?: string | null } | undefined;
    if (!alert?.sourceId?.startsWith(this.sourcePrefix)) return;
    if (this.completions.has(alert.sourceId)) return;
    this.completions.set(alert.sourceId, {
      timestamps: d.timestamps as Timestamps,
      analyst: String((d.investigation as { analyst?: string } | undefined)?.analyst ?? "?"),
      action: String((d.decision as { action?: string } | undefined)?.action ?? "?"),
      outcome: awaitingApproval ? "awaiting_approval" : String((d.execution as { status?: string } | undefined)?.status ?? "?"),
      awaitingApproval,
    });
    this.lastCompletionAt = Date.now();
  }

  stop(): void {
    for (const s of this.#subs) s.unsubscribe();
  }
}

/** Publishes until done or past the deadline (each publish is bounded by the client's own timeout); returns how many went out. */
async function publishAll(nc: NatsConnection, bodies: readonly string[], window: number, deadline: number): Promise<number> {
  const js = jetstream(nc);
  let next = 0;
  let published = 0;
  const worker = async () => {
    while (next < bodies.length && Date.now() < deadline) {
      const body = bodies[next++]!;
      // The same message id rule as `secops publish`: a retried publish is not a second alert.
      await js.publish(DEFAULT_TOPOLOGY.subjects.raw, body, { msgID: messageIdFor(body) });
      published++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, bodies.length) }, worker));
  return published;
}

/** Sends `bodies` at `ratePerSecond` (each publish awaited in its own slot, so a slow ack does not slow the schedule). */
async function publishSteady(nc: NatsConnection, bodies: readonly string[], ratePerSecond: number, deadline: number): Promise<{ sent: number; ms: number }> {
  const js = jetstream(nc);
  const started = Date.now();
  const pending: Promise<unknown>[] = [];
  let sent = 0;
  for (let k = 0; k < bodies.length && Date.now() < deadline; k++) {
    const due = started + (k * 1000) / ratePerSecond;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    const body = bodies[k]!;
    pending.push(js.publish(DEFAULT_TOPOLOGY.subjects.raw, body, { msgID: messageIdFor(body) }).then(() => { sent++; }, () => {}));
  }
  await Promise.all(pending);
  return { sent, ms: Date.now() - started };
}

function stageSummaries(done: readonly Completion[]): Record<StageSpan, Summary> {
  return Object.fromEntries(STAGE_SPANS.map((s) => [s, summarize(done.map((c) => spanMs(c.timestamps, ...SPAN_ENDS[s])).filter((v): v is number => v !== null))])) as Record<StageSpan, Summary>;
}

export async function benchPipeline(o: PipelineOptions): Promise<PipelineReport> {
  if (!Number.isInteger(o.alerts) || o.alerts < 1) throw new Error(`the number of alerts must be a whole number of at least 1, got ${o.alerts}`);
  const bin = natsServerBinary(process.env);
  if (!bin) throw new Error(INSTALL_HELP);
  const root = o.root ?? REPO_ROOT;
  const kind = o.deployment ?? "processes";
  const samples = loadSamples(root);
  const atStart = memoryNow();
  let peakRssBytes = atStart.rssBytes;
  const sampler = setInterval(() => { peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss); }, 100);
  const dir = mkdtempSync(join(tmpdir(), "secops-bench-"));
  let nats: LocalNats | null = null;
  let fake: BenchFakeLlm | null = null;
  let deployment: Deployment | null = null;
  let nc: NatsConnection | null = null;
  let tracker: CompletionTracker | null = null;
  try {
    nats = await startLocalNats(bin, dir, 0);
    fake = o.llm.kind === "fake" ? await startBenchFakeLlm({ delayMs: o.llm.delayMs }) : null;
    // A clean environment: nothing from the caller's shell (connector URLs, a real LLM) leaks in.
    // Agent processes log at info, as `npm start` runs them (to files); in this process, silent.
    const env: NodeJS.ProcessEnv = {
      NATS_URL: nats.url, LOG_LEVEL: kind === "processes" ? "info" : "silent", DATA_DIR: dir, SHUTDOWN_TIMEOUT_SECONDS: "5",
      LLM_API_URL: fake?.url ?? (await refusedUrl()),
      ...(o.env?.LLM_CONCURRENCY ? { LLM_CONCURRENCY: o.env.LLM_CONCURRENCY } : {}),
      ...(o.env?.AGENT_CONCURRENCY ? { AGENT_CONCURRENCY: o.env.AGENT_CONCURRENCY } : {}),
    };
    deployment = await startDeployment(kind, env, { replicas: o.replicas ?? { enricher: 1, investigator: 1, decider: 1, responder: 1 }, root, logDir: join(dir, "logs"), ...(o.cpuProfDir ? { cpuProfDir: o.cpuProfDir } : {}) });
    const llmConcurrency = parseEnv(llmEnv, env).LLM_CONCURRENCY;

    const runId = randomBytes(4).toString("hex");
    // Probes get their own run id and variant numbers after the burst's: probe and burst alerts never share an id, address or host.
    const burstPrefix = `BENCH-${runId}-`;
    const bodies = Array.from({ length: o.alerts }, (_, k) => alertVariant(samples, runId, k).body);
    // The local server has authentication on: the bench watches as the CLI's generated user.
    nc = await connect({ servers: nats.url, name: "secops-bench", noAsyncTraces: true, ...localNatsAuth([nats.url], "cli", dir) });
    const t = tracker = new CompletionTracker(nc, `BENCH-${runId}`);
    await nc.flush();
    const deadline = Date.now() + o.timeoutMs;

    const idleEndToEndMs: number[] = [];
    for (let j = 0; j < (o.idleProbes ?? 5) && Date.now() < deadline; j++) {
      const probe = alertVariant(samples, `${runId}p`, o.alerts + j);
      await publishAll(nc, [probe.body], 1, deadline);
      while (!t.completions.has(probe.sourceId) && t.deadLettered === 0 && Date.now() < deadline) await sleep(5);
      const c = t.completions.get(probe.sourceId);
      const ms = c ? endToEnd(c) : null;
      if (ms !== null) idleEndToEndMs.push(ms);
    }

    const beforePublish = memoryNow();
    const natsPid = nats.child.pid;
    const cpuNow = (): Record<string, number> => ({ ...deployment!.cpuMs(), ...(natsPid && cpuMsOf(natsPid) !== null ? { "nats-server": cpuMsOf(natsPid)! } : {}) });
    const cpuBefore = cpuNow();
    const started = Date.now();
    const published = await publishAll(nc, bodies, o.publishWindow ?? 32, deadline);
    while (t.matching(burstPrefix).length + t.deadLettered < published && Date.now() < deadline) await sleep(20);
    const afterRun = memoryNow();
    peakRssBytes = Math.max(peakRssBytes, afterRun.rssBytes);
    const done = t.matching(burstPrefix);
    const durationMs = (done.length > 0 ? t.lastCompletionAt : Date.now()) - started;
    const cpuAfter = cpuNow();
    const cpuMsPerAlert = Object.fromEntries(Object.entries(cpuAfter).filter(([k]) => k in cpuBefore).map(([k, v]) => [k, done.length > 0 ? (v - cpuBefore[k]!) / done.length : Number.NaN]));

    let steady: SteadyReport | null = null;
    if (o.steady && done.length === o.alerts) {
      const prefix = `BENCH-${runId}s-`;
      const n = Math.max(1, Math.round(o.steady.ratePerSecond * o.steady.seconds));
      const steadyBodies = Array.from({ length: n }, (_, k) => alertVariant(samples, `${runId}s`, o.alerts + 100 + k).body);
      const steadyDeadline = Date.now() + o.steady.seconds * 1000 + 30_000;
      const sentRun = await publishSteady(nc, steadyBodies, o.steady.ratePerSecond, steadyDeadline);
      while (t.matching(prefix).length < sentRun.sent && Date.now() < steadyDeadline) await sleep(20);
      const sdone = t.matching(prefix);
      steady = {
        ratePerSecond: o.steady.ratePerSecond, seconds: o.steady.seconds, sent: sentRun.sent, completed: sdone.length,
        sentPerSecond: sentRun.ms > 0 ? sentRun.sent / (sentRun.ms / 1000) : Number.NaN,
        endToEndMs: summarize(sdone.map(endToEnd).filter((v): v is number => v !== null)),
        stageMs: stageSummaries(sdone),
      };
    }
    return {
      llm: o.llm.kind === "fake" ? `fake LLM answering after ${o.llm.delayMs} ms` : "unreachable (rules analyst)",
      requested: o.alerts,
      published,
      completed: done.length,
      executed: done.filter((c) => !c.awaitingApproval).length,
      awaitingApproval: done.filter((c) => c.awaitingApproval).length,
      deadLettered: t.deadLettered,
      complete: done.length === o.alerts,
      durationMs,
      alertsPerSecond: durationMs > 0 ? done.length / (durationMs / 1000) : Number.NaN,
      endToEndMs: summarize(done.map(endToEnd).filter((v): v is number => v !== null)),
      idleEndToEndMs,
      stageMs: stageSummaries(done),
      analysts: count(done.map((c) => c.analyst)),
      actions: count(done.map((c) => (c.awaitingApproval ? `${c.action} (awaiting approval)` : c.action))),
      outcomes: count(done.map((c) => c.outcome)),
      concurrency: { llm: llmConcurrency, agents: deployment.concurrency },
      deployment: kind,
      replicas: deployment.replicas,
      memory: { atStart, beforePublish, afterRun, peakRssBytes },
      processes: deployment.memory(),
      cpuMsPerAlert,
      steady,
      problems: deployment.problems(),
    };
  } finally {
    clearInterval(sampler);
    tracker?.stop();
    // Each step is attempted even when one before it fails: a bench must not leave a server behind.
    await nc?.close().catch(() => {});
    await deployment?.stop().catch(() => {});
    await fake?.close().catch(() => {});
    await nats?.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}
