// The four agents in one process against one NATS server, each with its own connection, durable
// consumer and concurrency, exactly as their own processes would run them.
import { pino } from "pino";
import { startAgent, type RunningAgent } from "../runtime/agent.js";
import { createEnricherHandler } from "../enricher/main.js";
import { createInvestigatorHandler } from "../investigator/main.js";
import { createDeciderHandler } from "../decider/main.js";
import { createResponderHandler } from "../responder/main.js";

export interface InProcessPipeline {
  agents: RunningAgent[];
  stop(): Promise<void>;
}

export async function startInProcessPipeline(env: NodeJS.ProcessEnv): Promise<InProcessPipeline> {
  const log = pino({ level: env.LOG_LEVEL ?? "silent" });
  const sweeperStops: (() => void)[] = [];
  const agents: RunningAgent[] = [];
  const stop = async () => { await Promise.all(agents.map((a) => a.stop())); };
  try {
    agents.push(await startAgent({ agent: "enricher", env, log, createHandler: createEnricherHandler }));
    agents.push(await startAgent({ agent: "investigator", env, log, createHandler: createInvestigatorHandler }));
    agents.push(await startAgent({ agent: "decider", env, log, createHandler: createDeciderHandler }));
    agents.push(await startAgent({
      agent: "responder", env, log,
      createHandler: async (rt) => { const r = await createResponderHandler(rt); sweeperStops.push(r.stop); return r.handler; },
      onStop: () => sweeperStops.forEach((s) => s()),
    }));
  } catch (e) {
    // The agents that did start hold connections and timers: stop them before reporting.
    await stop().catch(() => {});
    throw e;
  }
  return { agents, stop };
}
