import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(name: string, level: string = process.env.LOG_LEVEL ?? "info", base: Record<string, unknown> = {}): Logger {
  return pino({ name, level, base: { agent: name, ...base }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** A logger for one alert: every line carries the alert id and trace id. */
export function alertLogger(log: Logger, alertId: string | null, traceId: string | null): Logger {
  return log.child({ alertId, traceId });
}
