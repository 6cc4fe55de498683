// Thin wiring every agent process shares: config, connection, provisioning checks, the
// declared stage compiled into the consume loop, health and metrics, and a graceful drain on
// SIGTERM/SIGINT. An agent's main.ts is a declaration (define-stage.ts) and one call here.
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { stageDurables, type Producer, type Topology } from "@secops/contracts";
import { agentEnv, parseEnv, topologyOf, type AgentConfig } from "./config.js";
import { createLogger, type Logger } from "./logger.js";
import { connectNats } from "./nats.js";
import { provisionBuckets, provisionConsumer, provisionStream, STAGE_POLICY, type AgentName } from "./provision.js";
import { StageLoop } from "./stage.js";
import { outputMessageIdOf, outputSubjectOf } from "./priority-messages.js";
import { compileStage, type AnyStage } from "./define-stage.js";
import { AgentMetrics } from "./metrics.js";
import { startHealthServer } from "./health.js";

export const PIPELINE_VERSION = "0.1.0";

export interface AgentRuntime {
  agent: AgentName;
  cfg: AgentConfig;
  env: NodeJS.ProcessEnv;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  topo: Topology;
  log: Logger;
  producer: Producer;
  metrics: AgentMetrics;
}

export interface RunningAgent {
  runtime: AgentRuntime;
  loop: StageLoop;
  healthPort: number | null;
  /** Drains and disconnects. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartAgentOptions {
  /** The stage's declaration (defineStage), exported by its main.ts. */
  stage: AnyStage;
  env?: NodeJS.ProcessEnv;
  /** Installs SIGTERM/SIGINT handlers (process entry points do; in-process tests don't). */
  handleSignals?: boolean;
  log?: Logger;
}

export async function startAgent(o: StartAgentOptions): Promise<RunningAgent> {
  const agent = o.stage.name;
  const env = o.env ?? process.env;
  const cfg = parseEnv(agentEnv, env);
  const instance = cfg.INSTANCE_ID ?? `${hostname()}-${process.pid}-${randomBytes(2).toString("hex")}`;
  const log = o.log ?? createLogger(agent, cfg.LOG_LEVEL, { instance });
  const topo = topologyOf(cfg);
  const nc = await connectNats(cfg, `${agent}:${instance}`, log);
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  // Every replica checks what it depends on; provisioning is idempotent and reads back.
  await provisionStream(jsm, topo, cfg);
  await provisionConsumer(jsm, topo, agent);
  await provisionBuckets(nc, topo, cfg);
  const metrics = new AgentMetrics(agent);
  const runtime: AgentRuntime = {
    agent, cfg, env, nc, js, jsm, topo, log, metrics,
    producer: { agent, version: PIPELINE_VERSION, instance },
  };
  const deps: unknown = await o.stage.setup?.(runtime);
  const handler = compileStage(o.stage, deps, { producer: runtime.producer, subject: outputSubjectOf(agent, topo), messageId: outputMessageIdOf(agent) });
  const loop = new StageLoop({
    agent, js, topo, producer: runtime.producer, log, metrics, handler,
    concurrency: cfg.AGENT_CONCURRENCY ?? STAGE_POLICY[agent].defaultConcurrency,
    maxPayload: () => nc.info?.max_payload,
    nc, jsm, reprovision: () => provisionConsumer(jsm, topo, agent),
  });
  await loop.start();

  let healthPort: number | null = null;
  let closeHealth = async () => {};
  if (cfg.HEALTH_PORT !== undefined) {
    const h = await startHealthServer(cfg.HEALTH_HOST, cfg.HEALTH_PORT, {
      agent, instance,
      natsConnected: () => !nc.isClosed(),
      consuming: () => loop.consuming,
      inflight: () => loop.inflight,
      processed: () => loop.processed,
    }, metrics);
    healthPort = h.port;
    closeHealth = () => new Promise((r) => h.server.close(() => r()));
  }
  log.info({ stream: topo.stream, durable: stageDurables(topo, agent).join(", "), healthPort, concurrency: cfg.AGENT_CONCURRENCY ?? STAGE_POLICY[agent].defaultConcurrency }, `${agent} consuming`);

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      log.info(`${agent} draining`);
      await loop.stop(cfg.SHUTDOWN_TIMEOUT_SECONDS * 1000);
      await o.stage.stop?.(deps);
      await closeHealth();
      // Drain flushes acks; if the server is gone it would wait forever, so it gets a deadline.
      if (!nc.isClosed()) {
        await Promise.race([nc.drain().catch(() => {}), new Promise((r) => setTimeout(r, 5_000))]);
        if (!nc.isClosed()) await nc.close().catch(() => {});
      }
      log.info(`${agent} stopped`);
    })();
    return stopping;
  };
  if (o.handleSignals) {
    for (const sig of ["SIGTERM", "SIGINT"] as const) {
      process.once(sig, () => {
        setTimeout(() => process.exit(1), (cfg.SHUTDOWN_TIMEOUT_SECONDS + 10) * 1000).unref();
        void stop().then(() => process.exit(0), () => process.exit(1));
      });
    }
  }
  return { runtime, loop, healthPort, stop };
}

/** Entry point helper for `node agents/dist/<agent>/main.js`: exits 2 on bad config, 1 on failure. */
export async function runAgentProcess(stage: AnyStage): Promise<void> {
  try {
    await startAgent({ stage, handleSignals: true });
  } catch (e) {
    const name = (e as Error).name;
    process.stderr.write(`${stage.name}: ${(e as Error).message}\n`);
    process.exit(name === "ConfigError" ? 2 : 1);
  }
}
