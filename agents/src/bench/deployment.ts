// How the bench runs the agents: as `npm start` does (each agent its own process, started by
// the launcher's Supervisor, N replicas of a stage as N processes, the correlator beside them),
// or the four stages in the bench's own process (the older, cheaper comparison).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { stageDurables } from "@secops/contracts";
import { agentEnv, natsEnv, parseEnv, topologyOf } from "../runtime/config.js";
import { connectNats } from "../runtime/nats.js";
import { provisionAll, STAGE_POLICY, type AgentName } from "../runtime/provision.js";
import { createLogger } from "../runtime/logger.js";
import { Supervisor } from "../start/supervisor.js";
import { startInProcessPipeline } from "./in-process-pipeline.js";

export const STAGE_AGENTS = ["enricher", "investigator", "decider", "responder"] as const satisfies readonly AgentName[];
export type Replicas = Record<AgentName, number>;
export type DeploymentKind = "processes" | "in-process";

export interface ProcessMemory {
  /** `investigator`, `investigator#2`..., `correlator`, or `bench` for the in-process deployment. */
  name: string;
  pid: number;
  rssBytes: number;
  peakRssBytes: number;
}

/** CPU time a process used so far (user + system), in milliseconds, from /proc (Linux); null when unreadable. */
export function cpuMsOf(pid: number): number | null {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
// USER_HZ: 100 on every Linux the project runs on (sysconf(_SC_CLK_TCK)).
const CLOCK_TICKS = 100;

export interface Deployment {
  kind: DeploymentKind;
  replicas: Replicas;
  /** Stage concurrency per replica. */
  concurrency: Record<AgentName, number>;
  /** Samples every process's RSS (peak kept) until stop. */
  memory(): ProcessMemory[];
  /** CPU milliseconds each process used so far, by name. */
  cpuMs(): Record<string, number>;
  /** Lines agents wrote to stderr (errors, crashes), and restarts after a crash. */
  problems(): string[];
  stop(): Promise<void>;
}

export function parseReplicas(spec: string | undefined): Replicas {
  const out: Replicas = { enricher: 1, investigator: 1, decider: 1, responder: 1 };
  for (const part of (spec ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z]+)=(\d+)$/.exec(part);
    if (!m || !(STAGE_AGENTS as readonly string[]).includes(m[1]!) || Number(m[2]) < 1 || Number(m[2]) > 8) {
      throw new Error(`"${part}": expected stage=N with a stage of ${STAGE_AGENTS.join(", ")} and N from 1 to 8, e.g. investigator=3`);
    }
    out[m[1] as AgentName] = Number(m[2]);
  }
  return out;
}

/** Resident set size of a process in bytes, from /proc (Linux); null when it cannot be read. */
export function rssOf(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

function concurrencyOf(env: NodeJS.ProcessEnv): Record<AgentName, number> {
  const cfg = parseEnv(agentEnv, env);
  return Object.fromEntries(STAGE_AGENTS.map((a) => [a, cfg.AGENT_CONCURRENCY ?? STAGE_POLICY[a].defaultConcurrency])) as Record<AgentName, number>;
}

/** Waits until every stage durable has a pull request open from each of its replicas. */
async function waitUntilConsuming(nc: NatsConnection, env: NodeJS.ProcessEnv, replicas: Replicas, timeoutMs: number, crashed: () => string | null): Promise<void> {
  const topo = topologyOf(parseEnv(natsEnv, env));
  const jsm = await jetstreamManager(nc);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = crashed();
    if (why) throw new Error(why);
    // The investigator reads one durable per priority: each must have the pull requests open.
    const waitingOn = async (d: string) => (await jsm.consumers.info(topo.stream, d).catch(() => null))?.num_waiting ?? 0;
    const waiting = await Promise.all(STAGE_AGENTS.map(async (a) => Math.min(...(await Promise.all(stageDurables(topo, a).map(waitingOn))))));
    if (STAGE_AGENTS.every((a, i) => waiting[i]! >= replicas[a])) return;
    if (Date.now() > deadline) throw new Error(`the agents did not all consume within ${Math.round(timeoutMs / 1000)} s (pull requests open: ${STAGE_AGENTS.map((a, i) => `${a} ${waiting[i]}/${replicas[a]}`).join(", ")})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

class Sampler {
  readonly #peak = new Map<string, number>();
  readonly #last = new Map<string, number>();
  readonly #timer: NodeJS.Timeout;
  constructor(private readonly pids: () => { name: string; pid: number | undefined }[]) {
    this.#timer = setInterval(() => this.sample(), 200);
    this.#timer.unref();
  }
  sample(): void {
    for (const { name, pid } of this.pids()) {
      const rss = pid ? rssOf(pid) : null;
      if (rss === null) continue;
      this.#last.set(name, rss);
      this.#peak.set(name, Math.max(rss, this.#peak.get(name) ?? 0));
    }
  }
  read(): ProcessMemory[] {
    this.sample();
    return this.pids().filter((p) => p.pid && this.#last.has(p.name)).map((p) => ({ name: p.name, pid: p.pid!, rssBytes: this.#last.get(p.name)!, peakRssBytes: this.#peak.get(p.name)! }));
  }
  stop(): void { clearInterval(this.#timer); }
}

/**
 * The launcher's process model: provisioning once up front as `npm start` does, then each agent
 * (and each replica) its own node process from agents/dist, the correlator too, logs in `logDir`.
 */
async function startProcesses(env: NodeJS.ProcessEnv, replicas: Replicas, root: string, logDir: string, cpuProfDir?: string): Promise<Deployment> {
  const log = createLogger("bench", "silent");
  const cfg = parseEnv(natsEnv, env);
  const nc = await connectNats(cfg, "secops-start", log, { maxReconnectAttempts: 0 });
  const problems: string[] = [];
  let fatal: string | null = null;
  const supervisor = new Supervisor(logDir, (line) => { if (problems.length < 50) problems.push(line); }, (name, why) => { fatal = `${name} cannot run (${why}); see ${join(logDir, `${name}.log`)}`; });
  const names: string[] = [];
  try {
    await provisionAll(nc, await jetstreamManager(nc), topologyOf(cfg), cfg);
    const services: { name: string; agent: string }[] = [];
    for (const a of STAGE_AGENTS) for (let k = 1; k <= replicas[a]; k++) services.push({ name: k === 1 ? a : `${a}#${k}`, agent: a });
    services.push({ name: "correlator", agent: "correlator" });
    for (const s of services) {
      names.push(s.name);
      supervisor.start({ name: s.name, entry: join(root, "agents", "dist", s.agent, "main.js"), env: { ...env, INSTANCE_ID: `bench-${s.name}` },
        ...(cpuProfDir ? { execArgv: ["--cpu-prof", `--cpu-prof-dir=${cpuProfDir}`, `--cpu-prof-name=${s.name.replace("#", "-")}.${Date.now()}.cpuprofile`] } : {}) });
    }
    await waitUntilConsuming(nc, env, replicas, 60_000, () => fatal);
  } catch (e) {
    await supervisor.stopAll(10_000);
    await nc.close().catch(() => {});
    throw e;
  }
  await nc.close().catch(() => {});
  const sampler = new Sampler(() => names.map((name) => ({ name, pid: supervisor.pid(name) })));
  return {
    kind: "processes", replicas, concurrency: concurrencyOf(env),
    memory: () => sampler.read(),
    cpuMs: () => Object.fromEntries(names.map((n) => [n, supervisor.pid(n)] as const).map(([n, pid]) => [n, pid ? cpuMsOf(pid) : null]).filter((e): e is [string, number] => e[1] !== null)),
    problems: () => [...problems, ...names.filter((n) => supervisor.restarts(n) > 0).map((n) => `${n} was restarted ${supervisor.restarts(n)} time(s) after it died`), ...(fatal ? [fatal] : [])],
    async stop() {
      sampler.stop();
      await supervisor.stopAll(15_000);
    },
  };
}

async function startInProcess(env: NodeJS.ProcessEnv): Promise<Deployment> {
  const pipeline = await startInProcessPipeline(env);
  const sampler = new Sampler(() => [{ name: "bench (4 agents in one process)", pid: process.pid }]);
  return {
    kind: "in-process", replicas: { enricher: 1, investigator: 1, decider: 1, responder: 1 }, concurrency: concurrencyOf(env),
    memory: () => sampler.read(),
    cpuMs: () => { const u = process.cpuUsage(); return { "bench (4 agents in one process)": (u.user + u.system) / 1000 }; },
    problems: () => [],
    async stop() {
      sampler.stop();
      await pipeline.stop();
    },
  };
}

export async function startDeployment(kind: DeploymentKind, env: NodeJS.ProcessEnv, o: { replicas: Replicas; root: string; logDir: string; cpuProfDir?: string }): Promise<Deployment> {
  return kind === "processes" ? startProcesses(env, o.replicas, o.root, o.logDir, o.cpuProfDir) : startInProcess(env);
}
