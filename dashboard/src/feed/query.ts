// Query-string parsing for the feed's read routes. Bad input gets a 400 that names the
// parameter, what was sent and what is accepted.
import { ALERT_STAGES, type AlertStage } from "./alert-index.js";

export class QueryError extends Error {
  readonly statusCode = 400;
  constructor(message: string) {
    super(message);
    this.name = "QueryError";
  }
}

export function parseLimit(raw: unknown, fallback: number, max: number): number {
  if (raw === undefined || raw === "") return fallback;
  const text = String(raw);
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) {
    throw new QueryError(`limit=${JSON.stringify(text.slice(0, 32))} is not accepted: expected a whole number from 1 to ${max}`);
  }
  return Number(text);
}

export function parseStage(raw: unknown): AlertStage | undefined {
  if (raw === undefined || raw === "") return undefined;
  const text = String(raw);
  if (!(ALERT_STAGES as readonly string[]).includes(text)) {
    throw new QueryError(`stage=${JSON.stringify(text.slice(0, 32))} is not accepted: expected one of ${ALERT_STAGES.join(", ")}`);
  }
  return text as AlertStage;
}
