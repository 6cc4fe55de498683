// The agent runtime's public surface (`@secops/agents/runtime`): declaring and running a stage,
// configuration, logging and the NATS connection. Everything else in runtime/ is internal.
export { defineStage, RAW_INPUT, type RawInput, type StageDefinition, type StageHandlerContext } from "./define-stage.js";
export { startAgent, runAgentProcess, PIPELINE_VERSION, type AgentRuntime, type RunningAgent } from "./agent.js";
export { PermanentError, TransientError, errorMessage } from "./errors.js";
export {
  agentEnv, dashboardEnv, llmEnv, natsEnv, parseEnv, parseDashboardUsers, topologyOf, exitOnConfigError, ConfigError,
  type DashboardUser,
} from "./config.js";
export { createLogger, type Logger } from "./logger.js";
export { connectNats } from "./nats.js";
