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
  constructor(message: string, readonly retryAfterMs = 2_000, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TransientError";
  }
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
