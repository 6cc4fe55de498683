/** How long to wait before retrying a 429 or 5xx: the server's Retry-After when it gives one. */
const BASE_MS = 500;
const CAP_MS = 8_000;

export function backoffDelayMs(retryNumber: number, random: () => number = Math.random): number {
  const exponential = Math.min(CAP_MS, BASE_MS * 2 ** retryNumber);
  // Full jitter on the upper half keeps replicas from retrying in lockstep.
  return Math.round(exponential / 2 + random() * (exponential / 2));
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
