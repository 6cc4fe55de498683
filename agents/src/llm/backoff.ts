// How long to wait before retrying a 429 or 5xx: the server's Retry-After when it gives one,
// else the pipeline's one backoff (shared/retry.ts), from 0.5 s up to 8 s.
import { backoffDelayMs as backoff } from "../shared/retry.js";

export function backoffDelayMs(retryNumber: number, random: () => number = Math.random): number {
  return backoff(retryNumber, { baseMs: 500, capMs: 8_000, random });
}

/** Reads `retry-after-ms` or `retry-after` (seconds or an HTTP date); null when absent or unusable. */
export function retryAfterMs(headers: Headers | undefined, now: number = Date.now()): number | null {
  if (!headers) return null;
  const ms = Number(headers.get("retry-after-ms") ?? "");
  if (headers.get("retry-after-ms") && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get("retry-after");
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
