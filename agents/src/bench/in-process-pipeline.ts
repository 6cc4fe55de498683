// The four agents in one process against one NATS server, each with its own connection, durable
// consumer and concurrency, exactly as their own processes would run them.
import { pino } from "pino";
import { startAgent, type RunningAgent } from "../runtime/agent.js";
import { PIPELINE_STAGES } from "../stages.js";

export interface InProcessPipeline {
  agents: RunningAgent[];
  stop(): Promise<void>;
}

export async function startInProcessPipeline(env: NodeJS.ProcessEnv): Promise<InProcessPipeline> {
  const log = pino({ level: env.LOG_LEVEL ?? "silent" });
  const agents: RunningAgent[] = [];
  const stop = async () => { await Promise.all(agents.map((a) => a.stop())); };
  try {
    for (const stage of PIPELINE_STAGES) agents.push(await startAgent({ stage, env, log }));
  } catch (e) {
    // The agents that did start hold connections and timers: stop them before reporting.
    await stop().catch(() => {});
    throw e;
  }
  return { agents, stop };
}
