// Where a stage's messages come from, and where its output goes, when a stage has more than one
// input: the investigator reads one durable per priority (alerts.enriched.<severity>, contracts
// PRIORITIES), because nats-server 2.9 gives a consumer one filter subject (tech.md §A.9), and
// the enricher publishes each alert on the subject of its severity.
//
// PriorityMessages keeps a small, bounded hold per priority, filled by pull requests (fetch) of at
// most the room left, and hands the stage loop the oldest message of the highest priority it holds
// each time a handler slot is free: a critical alert published behind 5,000 low ones is the next
// one handled. Held messages are ordinary JetStream deliveries (acks, naks and redeliveries are
// the loop's, unchanged); they get progress signals while held, so a long hold never passes the
// ack wait, and go back (nak) when the loop stops. Replicas share the durables and split the work.
import type { Consumer, ConsumerMessages, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import { enrichedSubject, type Severity, type Topology } from "@secops/contracts";
import { errorMessage } from "./errors.js";
import type { Logger } from "./logger.js";
import { stageInputs, type AgentName } from "./provision.js";

/** What the stage loop reads: messages, a way to stop, and the consumer's status events. */
export interface StageMessages extends AsyncIterable<JsMsg> {
  stop(): void;
  status(): AsyncIterable<{ type: string }>;
}

const isReview = (out: unknown) => Boolean((out as { investigation?: { review?: unknown } }).investigation?.review);

/**
 * The subject a stage's output message goes out on: the enricher's depends on the alert's
 * severity; the investigator's later look at a backlog decision is a record of its own.
 */
export function outputSubjectOf(agent: AgentName, topo: Topology): (out: unknown) => string {
  switch (agent) {
    case "enricher": return (out) => enrichedSubject(topo, (out as { alert: { severity: Severity } }).alert.severity);
    case "investigator": return (out) => (isReview(out) ? topo.subjects.investigatedReview : topo.subjects.investigated);
    case "decider": return () => topo.subjects.decided;
    case "responder": return () => topo.subjects.executed;
  }
}

/** The Nats-Msg-Id of an output that is not the stage's one message per alert (a review), or undefined for the usual id. */
export function outputMessageIdOf(agent: AgentName): ((out: { alertId: string }) => string | undefined) | undefined {
  return agent === "investigator" ? (out) => (isReview(out) ? `${out.alertId}:investigated:review` : undefined) : undefined;
}

export interface OpenStageMessagesOptions {
  js: JetStreamClient;
  topo: Topology;
  agent: AgentName;
  /** Handler slots of the replica: the most messages one priority holds for it. */
  concurrency: number;
  /** How often held messages tell the server they are still wanted (well inside the ack wait). */
  progressEveryMs: number;
  log: Logger;
}

/**
 * The stage's message source: consume() on its one durable, or PriorityMessages over its
 * priority durables. Returns the consumers too (the loop reads the durable's max_deliver).
 */
export async function openStageMessages(o: OpenStageMessagesOptions): Promise<{ messages: StageMessages; consumers: Consumer[] }> {
  const inputs = stageInputs(o.agent, o.topo);
  const consumers = await Promise.all(inputs.map((i) => o.js.consumers.get(o.topo.stream, i.durable)));
  if (consumers.length === 1) return { messages: await consumers[0]!.consume({ max_messages: o.concurrency }), consumers };
  return { messages: new PriorityMessages(consumers, inputs.map((i) => i.durable), o), consumers };
}

/** A pull request waits this long for messages before the next one (the client's minimum is 1 s). */
const FETCH_EXPIRES_MS = 10_000;

export class PriorityMessages implements StageMessages {
  /** Per priority, highest first: messages delivered to this replica that no handler took yet. */
  readonly #held: JsMsg[][];
  readonly #roomWaiters: ((() => void) | null)[];
  readonly #fetches = new Set<ConsumerMessages>();
  readonly #statusQueue: { type: string }[] = [];
  #statusWake: (() => void) | null = null;
  #wake: (() => void) | null = null;
  #stopped = false;
  readonly #progress: NodeJS.Timeout;

  constructor(
    private readonly consumers: Consumer[],
    private readonly durables: string[],
    private readonly o: { concurrency: number; progressEveryMs: number; log: Logger },
  ) {
    this.#held = consumers.map(() => []);
    this.#roomWaiters = consumers.map(() => null);
    this.#progress = setInterval(() => { for (const q of this.#held) for (const m of q) m.working(); }, o.progressEveryMs);
    consumers.forEach((_, i) => { void this.#pull(i); });
  }

  /** Messages held and not yet handed out, per priority (highest first). */
  get held(): number[] {
    return this.#held.map((q) => q.length);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<JsMsg> {
    for (;;) {
      const m = this.#take();
      if (m) {
        yield m;
        continue;
      }
      if (this.#stopped) return;
      await new Promise<void>((r) => { this.#wake = r; });
      this.#wake = null;
    }
  }

  #take(): JsMsg | undefined {
    for (let i = 0; i < this.#held.length; i++) {
      const m = this.#held[i]!.shift();
      if (m) {
        this.#roomWaiters[i]?.();
        return m;
      }
    }
    return undefined;
  }

  /** Keeps priority i's hold filled: a pull request for the room left, again when it ends. */
  async #pull(i: number): Promise<void> {
    const consumer = this.consumers[i]!;
    let failures = 0;
    while (!this.#stopped) {
      const room = this.o.concurrency - this.#held[i]!.length;
      if (room <= 0) {
        await new Promise<void>((r) => { this.#roomWaiters[i] = r; });
        this.#roomWaiters[i] = null;
        continue;
      }
      let batch: ConsumerMessages | null = null;
      try {
        batch = await consumer.fetch({ max_messages: room, expires: FETCH_EXPIRES_MS });
        this.#fetches.add(batch);
        void this.#forwardStatus(batch);
        for await (const m of batch) {
          if (this.#stopped) m.nak(); // another replica takes it
          else {
            this.#held[i]!.push(m);
            this.#wake?.();
          }
        }
        failures = 0;
      } catch (e) {
        if (this.#stopped) break;
        failures++;
        const message = errorMessage(e);
        if (/consumer (not found|deleted)|stream not found/i.test(message)) this.#status({ type: "consumer_not_found" });
        this.o.log.warn({ durable: this.durables[i], err: message }, "pull request for a priority failed; retrying");
        await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * 2 ** Math.min(failures, 5))));
      } finally {
        if (batch) this.#fetches.delete(batch);
      }
    }
  }

  async #forwardStatus(batch: ConsumerMessages): Promise<void> {
    try {
      for await (const s of batch.status()) {
        if (s.type === "consumer_not_found" || s.type === "consumer_deleted" || s.type === "stream_not_found" || s.type === "heartbeats_missed") this.#status(s);
      }
    } catch { /* the batch ended */ }
  }

  #status(s: { type: string }): void {
    this.#statusQueue.push(s);
    this.#statusWake?.();
  }

  async *status(): AsyncIterable<{ type: string }> {
    for (;;) {
      const s = this.#statusQueue.shift();
      if (s) {
        yield s;
        continue;
      }
      if (this.#stopped) return;
      await new Promise<void>((r) => { this.#statusWake = r; });
      this.#statusWake = null;
    }
  }

  /** Stops pulling; what is held goes back to the stream for another replica. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#progress);
    for (const b of this.#fetches) b.stop();
    for (const q of this.#held) for (const m of q.splice(0)) m.nak();
    for (const w of this.#roomWaiters) w?.();
    this.#wake?.();
    this.#statusWake?.();
  }
}
