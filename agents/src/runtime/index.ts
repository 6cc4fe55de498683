// The shared agent runtime's public surface.
export * from "./config.js";
export * from "./errors.js";
export * from "./logger.js";
export * from "./nats.js";
export * from "./provision.js";
export * from "./publish.js";
export * from "./stage.js";
export * from "./agent.js";
export * from "./trace.js";
export * from "./metrics.js";
export * from "./parse.js";
