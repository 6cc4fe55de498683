// One chaos scenario: real nats-server processes on loopback, the four agents as processes, N
// distinct alerts, a fault injected while they flow, then a drain and a read-back of what
// happened from the stream and the buckets.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { allStageDurables, topology, type Topology } from "@secops/contracts";
import { natsEnv, parseEnv } from "../runtime/config.js";
import { provisionAll } from "../runtime/provision.js";
import { messageIdFor } from "../enricher/normalize/index.js";
import { alertVariant } from "../bench/alert-variants.js";
import { loadSamples } from "../bench/corpus.js";
import { AGENTS, AgentProcesses, type Agent } from "./agents.js";
import { startCluster, startSingle, type NatsTopologyUnderTest } from "./servers.js";
import { startFaultLlm, type FaultLlm, type LlmFault } from "./fault-llm.js";
import { readBack, type ChaosFigures } from "./readback.js";

export const SCENARIOS = {
  "agent-kill": "kill -9 each agent once, restart after 2 s",
  "responder-kill-x3": "kill -9 the responder three times, restart after 2 s",
  "server-sigterm": "nats-server SIGTERM, 2 s down, started again",
  "server-sigkill": "nats-server SIGKILL, 2 s down, started again",
  "cluster-leader": "3-node cluster, stream at R3, the stream leader killed with SIGKILL, started again after 10 s",
  "llm-500": "the LLM answers HTTP 500 to every call",
  "llm-429": "the LLM answers 429 with Retry-After to every call",
  "llm-garbage": "the LLM answers 200 with text that is not the JSON asked for",
  "llm-stall": "the LLM accepts every call and never answers",
} as const;
export type ScenarioName = keyof typeof SCENARIOS;

export interface ScenarioReport extends ChaosFigures {
  scenario: ScenarioName;
  description: string;
  alerts: number;
  /** From the first publish until the last consumer had nothing left (or the run gave up). */
  drainS: number;
  drained: boolean;
  /** Per fault: seconds from the fault's end (restart) to the next alert executed. */
  recoveryS: number[];
  /** cluster-leader: seconds from the kill until the stream had a new leader. */
  newLeaderS: number | null;
  llmCallsPerAlert: number | null;
  agentCrashes: Agent[];
  /** Where the logs are, kept when the scenario failed. */
  logs: string | null;
  ok: boolean;
  /** Set when the scenario could not run at all. */
  error?: string;
}

/** Stops what running scenarios started (their servers and agents), for a suite interrupted by a signal. */
export const runningCleanups = new Set<() => Promise<void>>();

export interface RunOptions {
  alerts: number;
  /** Give up when nothing moved for this long. */
  stallS: number;
  drainTimeoutS: number;
  natsServerBin: string;
  say?: (line: string) => void;
  /** Extra environment for the agents (e.g. shorter leases in tests). */
  agentEnv?: NodeJS.ProcessEnv;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Progress {
  /** `handled`: decisions the responder has finished with (executed, or left waiting for a person). */
  samples: { at: number; executed: number; handled: number; lastSeq: number }[] = [];
  #timer: NodeJS.Timeout | null = null;
  constructor(private readonly jsm: JetStreamManager, private readonly topo: Topology) {}
  start(): void {
    const tick = async () => {
      try {
        const info = await this.jsm.streams.info(this.topo.stream, { subjects_filter: this.topo.all });
        const subjects = info.state.subjects ?? {};
        const c = await this.jsm.consumers.info(this.topo.stream, this.topo.durables.responder);
        const decided = subjects[this.topo.subjects.decided] ?? 0;
        this.samples.push({
          at: Date.now(), executed: subjects[this.topo.subjects.executed] ?? 0,
          handled: Math.max(0, decided - c.num_pending - c.num_ack_pending), lastSeq: info.state.last_seq,
        });
      } catch { /* the server is down: no sample */ }
      this.#timer = setTimeout(() => void tick(), 250);
    };
    void tick();
  }
  stop(): void { if (this.#timer) clearTimeout(this.#timer); this.#timer = null; }
  get executed(): number { return this.samples.at(-1)?.executed ?? 0; }
  get handled(): number { return this.samples.at(-1)?.handled ?? 0; }
  async until(pred: () => boolean, timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!pred() && Date.now() < end) await sleep(100);
  }
  /** Seconds from `since` until the executed count first grew past what it was then. */
  recoverySince(since: number): number | null {
    const before = [...this.samples].reverse().find((s) => s.at <= since)?.executed ?? 0;
    const after = this.samples.find((s) => s.at > since && s.executed > before);
    return after ? (after.at - since) / 1000 : null;
  }
}

async function publishAll(js: JetStreamClient, subject: string, bodies: string[], say: (s: string) => void): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const end = Date.now() + 120_000;
      for (;;) {
        try {
          await js.publish(subject, body, { msgID: messageIdFor(body), timeout: 5_000 });
          break;
        } catch (e) {
          if (Date.now() > end) throw new Error(`publish kept failing for 120 s: ${(e as Error).message}`);
          await sleep(250);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  say(`published ${bodies.length} alerts`);
}

async function drained(jsm: JetStreamManager, topo: Topology): Promise<boolean> {
  try {
    for (const d of allStageDurables(topo)) {
      const i = await jsm.consumers.info(topo.stream, d);
      if (i.num_pending + i.num_ack_pending > 0) return false;
    }
    return true;
  } catch {
    return false;
  }
}

async function untilJetStream(nc: NatsConnection): Promise<JetStreamManager> {
  const end = Date.now() + 60_000;
  for (;;) {
    try {
      return await jetstreamManager(nc, { timeout: 10_000 });
    } catch (e) {
      if (Date.now() > end) throw new Error(`JetStream did not answer within 60 s: ${(e as Error).message}`);
      await sleep(500);
    }
  }
}

export async function runScenario(name: ScenarioName, opts: RunOptions): Promise<ScenarioReport> {
  const say = opts.say ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), `secops-chaos-${name}-`));
  const cluster = name === "cluster-leader";
  const servers: NatsTopologyUnderTest = cluster ? await startCluster(join(dir, "nats"), opts.natsServerBin) : await startSingle(join(dir, "nats"), opts.natsServerBin);
  const ns = `chaos${randomBytes(3).toString("hex")}`;
  const topo = topology(ns);
  let nc: NatsConnection | null = null;
  let llm: FaultLlm | null = null;
  let agents: AgentProcesses | null = null;
  const progressHolder: { p: Progress | null } = { p: null };
  let keepLogs = true;
  let cleanup: (() => Promise<void>) | null = null;
  try {
    nc = await connect({ servers: servers.url.split(","), maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    const js = jetstream(nc, { timeout: 10_000 });
    // A fresh cluster answers JetStream requests only once it has elected its meta leader.
    const jsm = await untilJetStream(nc);
    const natsCfg = parseEnv(natsEnv, { NATS_URL: servers.url, SECOPS_NAMESPACE: ns, STREAM_REPLICAS: String(servers.replicas) });
    await provisionAll(nc, jsm, topo, natsCfg);

    // The block command is a real external effect: a script that appends the address to a file,
    // so a block applied twice shows as two lines whatever the pipeline's own records say.
    const effectLog = join(dir, "effects.log");
    const recorder = join(dir, "record-effect.sh");
    writeFileSync(recorder, `#!/bin/sh\nprintf '%s %s\\n' "$1" "$2" >> "${effectLog}"\n`);
    chmodSync(recorder, 0o755);
    // Its check-before-act, as an operator would configure `nft get element ...`: exit 0 when the
    // address is already in the set, so a block whose outcome was lost is not run again.
    const checker = join(dir, "check-effect.sh");
    writeFileSync(checker, `#!/bin/sh\ngrep -q "^$1 " "${effectLog}" 2>/dev/null\n`);
    chmodSync(checker, 0o755);

    const llmFault: LlmFault | null = name.startsWith("llm-") ? (name.slice(4) as LlmFault) : null;
    if (llmFault) { llm = await startFaultLlm(20); llm.fault = llmFault; }
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NATS_URL: servers.url, SECOPS_NAMESPACE: ns, STREAM_REPLICAS: String(servers.replicas),
      DATA_DIR: join(dir, "data"), LOG_LEVEL: "warn",
      LLM_API_URL: llm?.url ?? "http://127.0.0.1:9/v1",
      // A stall is ended by the client's timeout: 5 s keeps a run short; the breaker then opens.
      LLM_TIMEOUT_SECONDS: "5",
      // The action id goes with each run, so a double is one effect applied twice, not two
      // alerts of different activities that happen to block the same address.
      BLOCK_COMMAND: `${recorder} {actionId} {ip}`,
      BLOCK_CHECK_COMMAND: `${checker} {actionId} {ip}`,
      ...opts.agentEnv,
    };
    agents = new AgentProcesses(env, dir);
    const procs = agents;
    cleanup = async () => { await procs.stopAll(); await servers.stopAll(); };
    runningCleanups.add(cleanup);
    agents.startAll();

    const samples = loadSamples();
    const runId = randomBytes(3).toString("hex");
    const variants = Array.from({ length: opts.alerts }, (_, k) => alertVariant(samples, runId, k));
    const sourceIds = new Set(variants.map((v) => v.sourceId));
    const progress = new Progress(jsm, topo);
    progressHolder.p = progress;
    progress.start();
    const started = Date.now();
    const publishing = publishAll(js, topo.subjects.raw, variants.map((v) => v.body), say);

    // Faults land at a share of the alerts the responder has finished with: many alerts end
    // waiting for approval, so a share of executed ones may never be reached.
    const at = (fraction: number) => progress.until(() => progress.handled >= Math.max(1, Math.floor(opts.alerts * fraction)), opts.drainTimeoutS * 1000);
    const recoveries: number[] = [];
    const faultEnds: number[] = [];
    let newLeaderS: number | null = null;
    const restartAfter = async (agent: Agent, ms: number) => { await agents!.kill(agent); say(`killed ${agent}`); await sleep(ms); agents!.start(agent); faultEnds.push(Date.now()); };

    switch (name) {
      case "agent-kill":
        await at(0.15);
        for (const a of AGENTS) { await restartAfter(a, 2_000); await sleep(1_000); }
        break;
      case "responder-kill-x3":
        for (const f of [0.1, 0.3, 0.5]) { await at(f); await restartAfter("responder", 2_000); }
        break;
      case "server-sigterm":
      case "server-sigkill": {
        await at(0.2);
        const node = servers.nodes[0]!;
        await node.kill(name === "server-sigterm" ? "SIGTERM" : "SIGKILL");
        say(`nats-server stopped (${name === "server-sigterm" ? "SIGTERM" : "SIGKILL"})`);
        await sleep(2_000);
        await node.start();
        faultEnds.push(Date.now());
        break;
      }
      case "cluster-leader": {
        await at(0.2);
        const leaderName = (await jsm.streams.info(topo.stream)).cluster?.leader;
        const node = servers.nodes.find((n) => `chaos-${n.name}` === leaderName);
        if (!node) throw new Error(`could not find the stream leader (${leaderName ?? "none reported"})`);
        const killedAt = Date.now();
        await node.kill("SIGKILL");
        say(`stream leader ${leaderName} killed`);
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline) {
          const l = await jsm.streams.info(topo.stream).then((i) => i.cluster?.leader).catch(() => undefined);
          if (l && l !== leaderName) { newLeaderS = (Date.now() - killedAt) / 1000; break; }
          await sleep(200);
        }
        faultEnds.push(Date.now());
        await sleep(Math.max(0, 10_000 - (Date.now() - killedAt)));
        await node.start();
        say(`${leaderName} started again`);
        break;
      }
      default:
        break; // the LLM faults are on from the start
    }
    await publishing;

    // Drain: every consumer has nothing left, twice in a row; or nothing moved for stallS.
    let isDrained = false;
    const hardEnd = started + opts.drainTimeoutS * 1000;
    let lastMove = Date.now();
    let lastSeq = -1;
    while (Date.now() < hardEnd) {
      if ((await drained(jsm, topo)) && (await sleep(1_000), await drained(jsm, topo))) { isDrained = true; break; }
      const seq = progress.samples.at(-1)?.lastSeq ?? -1;
      if (seq !== lastSeq) { lastSeq = seq; lastMove = Date.now(); }
      if (Date.now() - lastMove > opts.stallS * 1000) { say(`nothing moved for ${opts.stallS} s; giving up the drain`); break; }
      await sleep(500);
    }
    const drainS = (Date.now() - started) / 1000;
    progress.stop();
    for (const t of faultEnds) { const r = progress.recoverySince(t); if (r !== null) recoveries.push(Math.round(r * 10) / 10); }

    const figures = await readBack({ js, jsm, topo, sourceIds, effectLog });
    const crashes = agents.crashed();
    // An agent that exited by itself (not killed by the scenario) is a failure too, even when the rest drained.
    const ok = crashes.length === 0 && isDrained && figures.lost === 0 && figures.doubleEffects === 0 && figures.failedButApplied === 0 && figures.failed === 0 && figures.stuckConsumers.length === 0;
    keepLogs = !ok;
    return {
      scenario: name, description: SCENARIOS[name], alerts: opts.alerts, ...figures,
      drainS: Math.round(drainS * 10) / 10, drained: isDrained, recoveryS: recoveries, newLeaderS,
      llmCallsPerAlert: llm ? Math.round((llm.requests / opts.alerts) * 100) / 100 : null,
      agentCrashes: crashes, logs: ok ? null : dir, ok,
    };
  } finally {
    if (cleanup) runningCleanups.delete(cleanup);
    progressHolder.p?.stop();
    await agents?.stopAll();
    await llm?.close();
    await nc?.close().catch(() => undefined);
    await servers.stopAll();
    // A failed run keeps its logs (the report names the folder); the stores go either way.
    if (process.env.CHAOS_KEEP !== "1") {
      if (keepLogs) {
        rmSync(join(dir, "nats"), { recursive: true, force: true });
        rmSync(join(dir, "data"), { recursive: true, force: true });
      } else {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
}
