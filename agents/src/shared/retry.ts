// Retry with exponential backoff, one way for every caller: JetStream publishes during a leader
// election, LLM requests on 429/5xx. The delay doubles from `baseMs` up to `capMs`, with jitter
// on its upper half so that replicas do not retry in lockstep.

export interface BackoffOptions {
  baseMs?: number;
  capMs?: number;
  random?: () => number;
}

/** The wait before retry number `retryNumber` (0 for the first retry). */
export function backoffDelayMs(retryNumber: number, o: BackoffOptions = {}): number {
  const exponential = Math.min(o.capMs ?? 8_000, (o.baseMs ?? 500) * 2 ** retryNumber);
  return Math.round(exponential / 2 + (o.random ?? Math.random)() * (exponential / 2));
}

export interface RetryOptions extends BackoffOptions {
  /** Tries in all, the first included. */
  attempts: number;
  /** Whether this failure may succeed later; default: every failure. */
  retryIf?: (e: unknown) => boolean;
  sleep?: (ms: number) => Promise<void>;
}

/** Runs `fn` until it succeeds or `attempts` tries have failed; throws the last failure. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let last: unknown;
  for (let attempt = 0; attempt < o.attempts; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      last = e;
      if (attempt === o.attempts - 1 || (o.retryIf && !o.retryIf(e))) break;
      await sleep(backoffDelayMs(attempt, o));
    }
  }
  throw last;
}
