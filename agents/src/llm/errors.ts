/**
 * Why an LLM call gave up. The investigator turns the kind into the `fallbackReason` a person
 * reads on the dashboard, and the circuit breaker counts only the kinds that mean "the server is
 * not answering" (a model that answers nonsense is up, and tripping the breaker would not help).
 */
export type LlmFailureKind =
  | "timeout"        // no answer within LLM_TIMEOUT_SECONDS
  | "unreachable"    // connection refused, DNS, reset
  | "rate_limited"   // 429 after every retry
  | "server_error"   // 5xx after every retry
  | "rejected"       // another 4xx: bad model name, bad key, request the server refuses
  | "invalid_output" // answered, but no valid JSON even after the repair attempt
  | "truncated"      // finish_reason "length" on the repair attempt too
  | "circuit_open";  // not tried: the breaker is open

export class LlmError extends Error {
  constructor(
    readonly kind: LlmFailureKind,
    message: string,
    readonly details: { status?: number; attempts?: number; validationErrors?: string[] } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "LlmError";
  }

  /** Failures that say the server is down or overloaded, as opposed to the model answering badly. */
  get countsAgainstServer(): boolean {
    return this.kind === "timeout" || this.kind === "unreachable" || this.kind === "rate_limited" || this.kind === "server_error";
  }
}
