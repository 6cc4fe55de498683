/**
 * How many LLM calls one replica keeps in flight, learned from the server instead of configured.
 *
 * A single-slot LM Studio queues a second request (its latency doubles) and a 64-slot vLLM
 * answers 64 at the latency of one; a fixed number is wrong for one of them. This is additive
 * increase, multiplicative decrease (AIMD, as TCP congestion control):
 *
 * - Increase: while calls are waiting for a slot (demand exceeds the limit), each answered request
 *   adds 1 to the window below the slow-start threshold (doubling per round trip), and 1/window
 *   above it (one per round trip).
 * - Decrease on overload: a 429 or 503 multiplies the window by `overloadFactor`; a request whose
 *   latency exceeds `latencyTolerance` × the no-load latency (the server queued it) multiplies it
 *   by `latencyFactor`. The no-load latency is measured by a request that had the server to
 *   itself: the first request goes alone, and any later request sent alone re-measures it (so a
 *   slower model raises it); in between it is the lowest latency seen. At most one decrease per round trip: signals from requests
 *   sent before the last decrease describe the old window and are ignored.
 *
 * The limit is the window rounded down, always within [min, max]. Lowering it never cancels a
 * call: calls in flight finish, and no new one starts until the count is below the limit.
 */
export interface AdaptiveConcurrencyOptions {
  min: number;
  max: number;
  /** Where the window starts; within [min, max]. */
  initial: number;
  /** A latency this many times the recent minimum counts as queueing at the server. */
  latencyTolerance?: number;
  overloadFactor?: number;
  latencyFactor?: number;
  now?: () => number;
  /** Called whenever the limit changes, with the reason. */
  onChange?: (limit: number, reason: "increase" | "overload" | "latency") => void;
}

/** A permit for one request; the client reports how it went. */
export interface RequestTicket {
  readonly startedAt: number;
  /** Requests of this replica in flight when it was sent, itself included. */
  readonly alongside: number;
}

export class AdaptiveConcurrency {
  private window: number;
  private slowStartThreshold: number;
  private active = 0;
  /** Calls waiting for a slot, highest priority first, in arrival order within a priority. */
  private readonly waiting: { priority: number; admit: () => void }[] = [];
  private noLoadMs: number | null = null;
  /** Exponentially weighted mean latency of answered requests, for the backlog estimate. */
  private meanLatencyMs: number | null = null;
  private sending = 0;
  private lastDecreaseAt = -Infinity;
  private readonly now: () => number;
  private readonly o: Required<Omit<AdaptiveConcurrencyOptions, "onChange" | "now">>;
  /** Lowest and highest limit ever set; for the bench and tests. */
  lowest: number;
  highest: number;

  constructor(private readonly opts: AdaptiveConcurrencyOptions) {
    const { min, max, initial } = opts;
    for (const [name, v] of [["min", min], ["max", max], ["initial", initial]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`concurrency ${name} must be a whole number ≥ 1, got ${v}`);
    }
    if (min > max) throw new RangeError(`concurrency min (${min}) is above max (${max})`);
    if (initial < min || initial > max) throw new RangeError(`initial concurrency ${initial} is outside [${min}, ${max}]`);
    this.o = {
      min, max, initial,
      latencyTolerance: opts.latencyTolerance ?? 2,
      overloadFactor: opts.overloadFactor ?? 0.9,
      latencyFactor: opts.latencyFactor ?? 0.9,
    };
    this.now = opts.now ?? (() => performance.now());
    this.window = initial;
    this.slowStartThreshold = max;
    this.lowest = initial;
    this.highest = initial;
  }

  get limit(): number {
    if (this.noLoadMs === null) return this.o.min; // the first request measures the no-load latency, alone when min is 1
    return Math.min(this.o.max, Math.max(this.o.min, Math.floor(this.window)));
  }

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /**
   * How long a call asked for now would wait for a slot: the calls queued ahead of it, served
   * `limit` at a time, at the recent mean latency. 0 before any answer (nothing is known yet).
   */
  get expectedWaitMs(): number {
    if (this.meanLatencyMs === null || this.waiting.length === 0 && this.active < this.limit) return 0;
    return Math.ceil((this.waiting.length + 1) / this.limit) * this.meanLatencyMs;
  }

  /**
   * Runs `fn` when a slot is free, before every waiting call of a lower `priority`; `fn` reports
   * each HTTP request through the ticket functions.
   */
  async run<T>(fn: () => Promise<T>, priority = 0): Promise<T> {
    if (this.active < this.limit && this.waiting.length === 0) this.active += 1;
    else {
      await new Promise<void>((admit) => {
        const at = this.waiting.findIndex((w) => w.priority < priority);
        this.waiting.splice(at === -1 ? this.waiting.length : at, 0, { priority, admit });
      });
    }
    try {
      return await fn();
    } finally {
      this.active -= 1;
      this.admit();
    }
  }

  /** Call when a request is sent. */
  begin(): RequestTicket {
    this.sending += 1;
    return { startedAt: this.now(), alongside: this.sending };
  }

  /** The server answered the request. */
  answered(ticket: RequestTicket): void {
    this.sending -= 1;
    const latency = this.now() - ticket.startedAt;
    this.meanLatencyMs = this.meanLatencyMs === null ? latency : this.meanLatencyMs * 0.8 + latency * 0.2;
    const baseline = this.noLoadMs;
    if (ticket.alongside === 1 || baseline === null || latency < baseline) {
      this.noLoadMs = latency;
      if (baseline === null) { this.changed("increase"); this.admit(); return; }
    } else if (latency > baseline * this.o.latencyTolerance && latency - baseline > 1) {
      this.decrease(ticket, this.o.latencyFactor, "latency");
      return;
    }
    // Only grow when the limit is what holds calls back; an idle replica learns nothing.
    if (this.waiting.length === 0) return;
    const before = this.limit;
    this.window = Math.min(this.o.max, this.window + (this.window < this.slowStartThreshold ? 1 : 1 / this.window));
    if (this.limit !== before) this.changed("increase");
    this.admit();
  }

  /** The server said it is overloaded (429, 503). */
  overloaded(ticket: RequestTicket): void {
    this.sending -= 1;
    this.decrease(ticket, this.o.overloadFactor, "overload");
  }

  private decrease(ticket: RequestTicket, factor: number, reason: "overload" | "latency"): void {
    if (ticket.startedAt <= this.lastDecreaseAt) return;
    this.lastDecreaseAt = this.now();
    const before = this.limit;
    // At least one less; and a 429 to the n-th request in flight says the server holds fewer than n,
    // which ends slow start's overshoot in one step instead of a run of refusals.
    const carried = reason === "overload" ? ticket.alongside - 1 : Infinity;
    this.window = Math.max(this.o.min, Math.min(this.window * factor, this.window - 1, carried));
    this.slowStartThreshold = Math.max(this.o.min, this.window);
    if (this.limit !== before) this.changed(reason);
  }

  /** The request failed in a way that says nothing about load (timeout, refused, bad answer). */
  abandoned(_ticket: RequestTicket): void {
    this.sending -= 1;
  }

  private admit(): void {
    while (this.active < this.limit && this.waiting.length > 0) {
      this.active += 1;
      this.waiting.shift()!.admit();
    }
  }

  private changed(reason: "increase" | "overload" | "latency"): void {
    const l = this.limit;
    if (l < this.lowest) this.lowest = l;
    if (l > this.highest) this.highest = l;
    this.opts.onChange?.(l, reason);
  }
}
