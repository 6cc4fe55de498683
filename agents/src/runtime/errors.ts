/**
 * The two ways a handler can fail. A PermanentError can never succeed (invalid contract,
 * malformed alert): the message goes to the DLQ with the reason and is terminated. A
 * TransientError may succeed later (a server down, a rate limit): the message is nak'd with
 * a delay. Any other exception is treated as transient until the last delivery, then as permanent.
 */
export class PermanentError extends Error {
  constructor(
    message: string,
    readonly details: { errors?: { path: string; message: string }[]; tried?: string[]; alertId?: string | null; traceId?: string | null } = {},
  ) {
    super(message);
    this.name = "PermanentError";
  }
}

export class TransientError extends Error {
  /** `retryAfterMs`: the least wait the cause asks for (a Retry-After, a holder's lease); the retry waits at least that, or the stage's backoff when longer. */
  constructor(message: string, readonly retryAfterMs?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TransientError";
  }
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/**
 * The one error taxonomy every stage and the responder use. Transient: may succeed if tried
 * again later (network, timeouts, 5xx, 429, NATS unavailable or timing out, a lost CAS race).
 * Permanent: will fail the same way every time (a contract or validation error, a 4xx, a
 * deterministic exception such as a stack overflow or a TypeError in our own code). Unknown:
 * anything else; retried like a transient error, with backoff, up to max_deliver.
 */
export type ErrorClass = "transient" | "permanent" | "unknown";

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ECONNABORTED", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);
// @nats-io/nats-core and @nats-io/jetstream error names that mean "the server is away or slow".
const NATS_TRANSIENT = new Set(["TimeoutError", "ConnectionError", "ClosedConnectionError", "DrainingConnectionError", "NoResponders", "NoRespondersError", "RequestError", "JetStreamNotEnabled", "JetStreamStatusError", "JetStreamError", "AbortError"]);
const DETERMINISTIC = new Set(["RangeError", "TypeError", "SyntaxError", "ReferenceError", "URIError", "EvalError"]);

function transientStatus(status: unknown): boolean | null {
  if (typeof status !== "number") return null;
  if (status === 408 || status === 429 || status >= 500) return true;
  if (status >= 400) return false;
  return null;
}

export function classifyError(e: unknown): ErrorClass {
  if (e instanceof PermanentError) return "permanent";
  if (e instanceof TransientError) return "transient";
  // Walk the cause chain: fetch wraps ECONNREFUSED in a TypeError("fetch failed").
  for (let c: unknown = e, depth = 0; c instanceof Error && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    const x = c as Error & { code?: unknown; status?: unknown; retryable?: unknown };
    if (typeof x.retryable === "boolean") return x.retryable ? "transient" : "permanent"; // ConnectorError
    if (typeof x.code === "string" && NETWORK_CODES.has(x.code)) return "transient";
    if (NATS_TRANSIENT.has(x.name)) return "transient";
    if (x.name === "JetStreamApiError" || x.name === "ConsumerNotFoundError" || x.name === "StreamNotFoundError") {
      // 503 no responders / leader election, 408 request timeout; a revision conflict is a lost race.
      const code = typeof x.code === "number" ? x.code : null;
      if (code === 10071 || code === 10164) return "transient";
      // Anything else (a stream or bucket missing, a permission) is an infrastructure problem
      // someone can fix: retried with backoff, never dead-lettered at once.
      return transientStatus(x.status) === true ? "transient" : "unknown";
    }
    const http = transientStatus(x.status);
    if (http !== null) return http ? "transient" : "permanent";
  }
  if (e instanceof Error && DETERMINISTIC.has(e.name)) return "permanent";
  if (e instanceof Error && /maximum call stack size exceeded/i.test(e.message)) return "permanent";
  return "unknown";
}

/** Backoff for a retry: the stage's ladder by delivery, exponential with jitter when there is none, capped. */
export function backoffMs(attempt: number, o: { baseMs?: number; capMs?: number; ladderS?: readonly number[]; random?: () => number } = {}): number {
  const cap = o.capMs ?? 120_000;
  const n = Math.max(1, attempt);
  const raw = o.ladderS?.length ? o.ladderS[Math.min(n - 1, o.ladderS.length - 1)]! * 1000 : (o.baseMs ?? 500) * 2 ** (n - 1);
  // Up to 20 % jitter, so replicas that failed together do not retry together.
  const jitter = 1 + ((o.random ?? Math.random)() * 0.2);
  return Math.min(cap, Math.round(raw * jitter));
}
