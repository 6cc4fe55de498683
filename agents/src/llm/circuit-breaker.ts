/**
 * Closed → open after `failureThreshold` consecutive failures (or `invalidThreshold` consecutive
 * answers that did not validate even after a repair: a model that only answers nonsense costs two
 * calls per alert and helps nobody) → half-open after `cooldownMs`,
 * when exactly one probe call is let through: its success closes the breaker, its failure opens it
 * again for another cool-down. While open, callers are told at once so they can fall back to the
 * rules analyst instead of waiting out a timeout per alert.
 */
export type BreakerState = "closed" | "open" | "half_open";

export interface CircuitBreakerOptions {
  failureThreshold: number;
  /** Consecutive invalid answers that open the breaker; defaults to failureThreshold. */
  invalidThreshold?: number;
  cooldownMs: number;
  now?: () => number;
}

export class CircuitBreaker {
  private consecutiveFailures = 0;
  private consecutiveInvalid = 0;
  private openedAt: number | null = null;
  /** What opened the breaker last, for the message callers see while it is open. */
  openedBy: "failures" | "invalid answers" | null = null;
  private probeInFlight = false;
  private readonly now: () => number;

  constructor(private readonly opts: CircuitBreakerOptions) {
    this.now = opts.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.openedAt === null) return "closed";
    return this.now() - this.openedAt >= this.opts.cooldownMs ? "half_open" : "open";
  }

  /** Milliseconds until a probe is allowed; 0 when calls may go through. */
  get retryInMs(): number {
    if (this.openedAt === null) return 0;
    return Math.max(0, this.opts.cooldownMs - (this.now() - this.openedAt));
  }

  /**
   * Asks to make a call. Returns false while open, and while half-open once the single probe is
   * already out. A caller that got true must report the outcome with `succeeded` or `failed`.
   */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === "closed") return true;
    if (state === "open" || this.probeInFlight) return false;
    this.probeInFlight = true;
    return true;
  }

  succeeded(): void {
    this.consecutiveFailures = 0;
    this.consecutiveInvalid = 0;
    this.openedAt = null;
    this.probeInFlight = false;
  }

  failed(): void {
    this.consecutiveFailures += 1;
    const wasProbe = this.probeInFlight;
    this.probeInFlight = false;
    if (wasProbe || this.consecutiveFailures >= this.opts.failureThreshold) { this.openedAt = this.now(); this.openedBy = "failures"; }
  }

  /**
   * The server answered, but with nothing usable (no valid JSON even after the repair). Server
   * failures and invalid answers are counted apart: either run of them opens the breaker, and a
   * good answer resets both. A half-open probe that answers nonsense opens it again.
   */
  invalidAnswer(): void {
    this.consecutiveFailures = 0;
    this.consecutiveInvalid += 1;
    const wasProbe = this.probeInFlight;
    this.probeInFlight = false;
    if (wasProbe || this.consecutiveInvalid >= (this.opts.invalidThreshold ?? this.opts.failureThreshold)) { this.openedAt = this.now(); this.openedBy = "invalid answers"; }
  }

  /** Opens the breaker at once (the start-up probe found the server down); a probe call follows the cool-down as usual. */
  trip(): void {
    this.probeInFlight = false;
    this.openedAt = this.now();
    this.openedBy = "failures";
  }

  /** A call that ended without saying anything about the server or the model (a programming error). */
  released(): void {
    if (this.probeInFlight) {
      // The server answered, so the probe showed it is up.
      this.succeeded();
    }
  }
}
