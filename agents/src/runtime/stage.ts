// The consume loop every agent shares: bounded concurrency, progress signals while a handler
// works, a stage timeout that ends a hung handler, ack after publishing, nak with the stage's
// backoff on transient and unknown faults, dead letters then term on permanent ones and on the
// last delivery (never a nak JetStream would not redeliver), an advisory listener that
// dead-letters what JetStream gave up on anyway, a lost consumer re-provisioned, and a
// graceful drain. Its handler is compiled from the stage's declaration (define-stage.ts);
// agents never see a JsMsg.
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import { Headers, SchemaIds, type DlqMessage, type Producer, type Topology } from "@secops/contracts";
import type { Logger } from "./logger.js";
import { alertLogger } from "./logger.js";
import { PermanentError, TransientError, backoffMs, classifyError, errorMessage, type ErrorClass } from "./errors.js";
import { HEADER_ALLOWANCE, publishDurably, type Publication } from "./publish.js";
import { Semaphore } from "./semaphore.js";
import { deadLetterMessageId } from "../shared/ids.js";
import type { AgentMetrics } from "./metrics.js";
import { STAGE_POLICY, stageInputs, type AgentName } from "./provision.js";
import { openStageMessages, PriorityMessages, type StageMessages } from "./priority-messages.js";

export interface StageContext {
  log: Logger;
  /** Headers of the incoming message (first value of each). */
  headers: Record<string, string>;
  deliveryCount: number;
  streamSequence: number;
  /** Tells the server the handler is still working, so the message is not redelivered. */
  progress: () => void;
}

export interface HandlerResult {
  alertId: string | null;
  traceId: string | null;
  publish: Publication[];
  /** A short line for the log, e.g. the chosen action. */
  note?: string;
}

export type StageHandler = (msg: JsMsg, ctx: StageContext) => Promise<HandlerResult>;

export interface StageLoopOptions {
  agent: AgentName;
  js: JetStreamClient;
  topo: Topology;
  producer: Producer;
  log: Logger;
  metrics: AgentMetrics;
  handler: StageHandler;
  concurrency: number;
  /** How often to send in-progress acks while a handler works. */
  progressEveryMs?: number;
  /** The server's max_payload (it can change on reconnect), so oversize messages fail clearly. */
  maxPayload?: () => number | undefined;
  /** A handler still running after this long is abandoned and its message retried; default the stage's policy. */
  timeoutMs?: number;
  /** The backoff ladder for retries, by delivery; default the stage's policy (tests shorten it). */
  retryDelaysSeconds?: readonly number[];
  /** Recreates the durable when it went missing (deleted, or lost with a server's store). */
  reprovision?: () => Promise<void>;
  /** For the max-deliveries advisory listener: the connection and a manager to read the message back. */
  nc?: NatsConnection;
  jsm?: JetStreamManager;
}

/** A handler that did not finish within the stage timeout: it is abandoned and its message retried. */
export class StageTimeoutError extends TransientError {
  constructor(agent: string, ms: number) {
    super(`the ${agent} handler did not finish within ${Math.round(ms / 1000)} s (stage timeout); the message will be retried`);
    this.name = "StageTimeoutError";
  }
}

/** The alert id of a message the handler failed on: its Alert-Id header, or its body's alertId. */
export function alertIdOf(m: { data: Uint8Array }, hdrs: Record<string, string>): string | null {
  if (hdrs[Headers.alertId]) return hdrs[Headers.alertId]!;
  try {
    const id = (JSON.parse(new TextDecoder().decode(m.data)) as { alertId?: unknown }).alertId;
    return typeof id === "string" ? id.slice(0, 200) : null;
  } catch {
    return null;
  }
}



export function headersOf(m: JsMsg): Record<string, string> {
  const out: Record<string, string> = {};
  if (!m.headers) return out;
  for (const [k, v] of m.headers) if (v[0] !== undefined) out[k] = v[0];
  return out;
}

function isUtf8Text(data: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(data);
    return true;
  } catch {
    return false;
  }
}

/**
 * The DLQ entry for a message that can never succeed: the reason and the original, intact when
 * it fits in one NATS message; otherwise its start, with `truncatedFrom` saying how big it was
 * (escaping in JSON can make the entry much bigger than the original).
 */
export function deadLetter(
  m: { data: Uint8Array; subject: string; seq?: number; deliveryCount?: number },
  hdrs: Record<string, string>,
  stage: string,
  producer: Producer,
  reason: string,
  details: PermanentError["details"] = {},
  maxPayload?: number,
): DlqMessage {
  const entry = deadLetterOf(m.data, m, hdrs, stage, producer, reason, details);
  if (!maxPayload || Buffer.byteLength(JSON.stringify(entry)) + HEADER_ALLOWANCE <= maxPayload) return entry;
  let keep = m.data.byteLength;
  for (;;) {
    keep = Math.floor(keep / 2);
    // Cut on a UTF-8 character boundary, so text stays text.
    while (keep > 0 && keep < m.data.byteLength && (m.data[keep]! & 0xc0) === 0x80) keep--;
    const cut = deadLetterOf(m.data.subarray(0, keep), m, hdrs, stage, producer, reason, details);
    cut.original.truncatedFrom = m.data.byteLength;
    if (keep === 0 || Buffer.byteLength(JSON.stringify(cut)) + HEADER_ALLOWANCE <= maxPayload) return cut;
  }
}

function deadLetterOf(
  data: Uint8Array,
  m: { subject: string; seq?: number; deliveryCount?: number },
  hdrs: Record<string, string>,
  stage: string,
  producer: Producer,
  reason: string,
  details: PermanentError["details"],
): DlqMessage {
  const text = isUtf8Text(data);
  return {
    schema: SchemaIds.dlq,
    alertId: details.alertId ?? null,
    traceId: details.traceId ?? null,
    producer,
    at: new Date().toISOString(),
    stage,
    subject: m.subject,
    reason,
    errors: details.errors ?? [],
    tried: details.tried ?? [],
    original: {
      encoding: text ? "utf8" : "base64",
      data: text ? new TextDecoder().decode(data) : Buffer.from(data).toString("base64"),
      headers: hdrs,
      streamSequence: m.seq ?? null,
      deliveryCount: m.deliveryCount ?? null,
    },
  };
}

export class StageLoop {
  #messages: StageMessages | null = null;
  #stopping = false;
  #processed = 0;
  readonly #inflight = new Set<Promise<void>>();
  /** Acks sent whose confirmation is still on its way (their slot is free already). */
  readonly #acking = new Set<Promise<void>>();
  readonly #waiting: JsMsg[] = [];
  #waitTimer: NodeJS.Timeout | null = null;
  /** Resolves when a waiting message took a slot (the loop reads on). */
  #room: (() => void) | null = null;
  readonly #slots: Semaphore;
  #done: Promise<void> = Promise.resolve();

  constructor(private readonly o: StageLoopOptions) {
    this.#slots = new Semaphore(o.concurrency);
    this.#maxDeliver = STAGE_POLICY[o.agent].maxDeliver;
  }

  #lost = false;
  #maxDeliver: number;
  #advisories: Subscription[] = [];

  /** Consuming, and the durable is there: readiness is false while it is lost. */
  get consuming(): boolean {
    return this.#messages !== null && !this.#stopping && !this.#lost;
  }
  get inflight(): number {
    return this.#inflight.size;
  }
  get processed(): number {
    return this.#processed;
  }

  async start(): Promise<void> {
    await this.#subscribe();
    this.#listenForAdvisories();
  }

  async #subscribe(): Promise<void> {
    // consume() on the stage's durable, or the investigator's priorities (priority-messages.ts).
    const { messages, consumers } = await openStageMessages({
      js: this.o.js, topo: this.o.topo, agent: this.o.agent, concurrency: this.o.concurrency, log: this.o.log,
      progressEveryMs: this.o.progressEveryMs ?? Math.max(1_000, (STAGE_POLICY[this.o.agent].ackWaitSeconds * 1000) / 3),
    });
    // The durable's own max_deliver decides which delivery is the last (it may differ from the policy).
    const info = await consumers[0]!.info(true).catch(() => null);
    if (info && info.config.max_deliver && info.config.max_deliver > 0) this.#maxDeliver = info.config.max_deliver;
    // A replica holds its slots, at most `concurrency` waiting with progress signals, and one pull
    // batch of `concurrency` unread, so replicas share the work. (A smaller batch shortens the
    // unsignalled wait but costs a pull request per few messages: +40% nats-server CPU per alert
    // at a batch of 2 in the bench.)
    this.#messages = messages;
    void (async () => {
      for await (const s of messages.status()) {
        if (s.type === "consumer_not_found" || s.type === "consumer_deleted" || s.type === "stream_not_found") {
          this.o.log.error({ status: s.type, durable: this.#durableNames() }, "the consumer is gone: not ready until it is provisioned again");
          if (!this.#lost && messages === this.#messages) {
            this.#lost = true;
            void this.#recover();
          }
        } else if (s.type === "heartbeats_missed") {
          this.o.log.warn({ status: s.type }, "consumer status");
        }
      }
    })().catch(() => {});
    const previous = this.#done;
    this.#done = Promise.all([previous, this.#loop(messages)]).then(() => undefined);
  }

  /** Re-provisions a lost durable and consumes from it again, with backoff, until it works or the loop stops. */
  async #recover(): Promise<void> {
    for (let attempt = 1; !this.#stopping; attempt++) {
      try {
        if (!this.o.reprovision) return; // nothing to recreate it with: stay not ready, say so
        await this.o.reprovision();
        const old = this.#messages;
        await this.#subscribe();
        old?.stop();
        this.#lost = false;
        this.o.log.warn({ durable: this.#durableNames(), attempt }, "consumer provisioned again; consuming");
        return;
      } catch (e) {
        const wait = backoffMs(attempt, { baseMs: 500, capMs: 15_000 });
        this.o.log.warn({ err: errorMessage(e), attempt, retryInMs: wait }, "could not provision the consumer again; will retry");
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /**
   * JetStream gives up on a message after max_deliver deliveries; the last delivery dead-letters
   * it itself, but a replica that crashed on it (or could not reach the DLQ) leaves nothing. The
   * advisory says so: the message is read back by its sequence and dead-lettered, under the same
   * message id the loop uses, so one that was dead-lettered already is not written twice.
   */
  #listenForAdvisories(): void {
    const { nc, jsm, topo, agent } = this.o;
    if (!nc || !jsm) return;
    for (const { durable } of stageInputs(agent, topo)) {
      const subject = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${topo.stream}.${durable}`;
      try {
        this.#advisories.push(nc.subscribe(subject, {
          queue: `${durable}-advisories`,
          callback: (err, msg) => {
            if (err) return;
            void this.#deadLetterGivenUp(msg.data).catch((e: unknown) => this.o.log.error({ err: errorMessage(e) }, "could not dead-letter a message JetStream gave up on"));
          },
        }));
      } catch (e) {
        this.o.log.warn({ err: errorMessage(e), subject }, "cannot listen for max-deliveries advisories");
      }
    }
  }

  async #deadLetterGivenUp(data: Uint8Array): Promise<void> {
    const { jsm, topo, agent, log } = this.o;
    const adv = JSON.parse(new TextDecoder().decode(data)) as { stream_seq?: number; deliveries?: number };
    if (typeof adv.stream_seq !== "number") return;
    const m = await jsm!.streams.getMessage(topo.stream, { seq: adv.stream_seq });
    if (!m) return;
    const hdrs: Record<string, string> = {};
    if (m.header) for (const [k, v] of m.header) if (v[0] !== undefined) hdrs[k] = v[0];
    const alertId = alertIdOf(m, hdrs);
    const reason = `JetStream gave up after ${adv.deliveries ?? this.#maxDeliver} deliveries (max_deliver) with no outcome recorded: the ${agent} crashed or could not finish on it`;
    const entry = deadLetter({ data: m.data, subject: m.subject, seq: m.seq, deliveryCount: adv.deliveries }, hdrs, agent, this.o.producer, reason, { alertId }, this.o.maxPayload?.());
    const ack = await publishDurably(this.o.js, { subject: topo.subjects.dlq, data: entry, msgId: deadLetterMessageId(agent, m.seq) }, 6, this.o.maxPayload?.());
    this.o.metrics.messages.inc({ agent, outcome: ack.duplicate ? "dlq_duplicate" : "dlq_advisory" });
    alertLogger(log, alertId, null).warn({ seq: m.seq, duplicate: ack.duplicate }, ack.duplicate ? "max-deliveries advisory: already dead-lettered" : "max-deliveries advisory: sent to alerts.dlq");
  }

  /**
   * Messages delivered while every slot is busy wait here, in order, and get a progress signal
   * every third of the ack wait, so none is redelivered to another replica while it waits (a
   * second LLM call for the same alert); a free slot takes the oldest. At most `concurrency`
   * wait: the client pulls more only as the loop reads, so replicas still share the work (read
   * eagerly, one replica would take up to max_ack_pending). What the client holds unread is at
   * most its pull batch, and moves here as slots free: within one handler's time, so a message
   * can outwait its ack wait unsignalled only while every slot's handler runs longer than that.
   */
  async #loop(messages: StageMessages): Promise<void> {
    if (messages instanceof PriorityMessages) return this.#loopByPriority(messages);
    for await (const m of messages) {
      if (this.#stopping) {
        m.nak(); // give it straight back so another replica takes it
        continue;
      }
      if (this.#slots.tryAcquire()) {
        this.#run(m);
        continue;
      }
      this.#waiting.push(m);
      this.#keepWaitingAlive();
      if (this.#waiting.length >= this.o.concurrency) await new Promise<void>((r) => { this.#room = r; });
    }
  }

  /**
   * A source that chooses the message itself (the investigator's priorities, which hold and
   * signal their own waiting messages): a free slot first, then its choice, so nothing waits
   * here in arrival order ahead of a critical alert.
   */
  async #loopByPriority(messages: PriorityMessages): Promise<void> {
    const it = messages[Symbol.asyncIterator]();
    for (;;) {
      await this.#slots.acquire();
      const next = await it.next();
      if (next.done) {
        this.#slots.release();
        return;
      }
      if (this.#stopping) {
        this.#slots.release();
        next.value.nak(); // give it straight back so another replica takes it
        continue;
      }
      this.#run(next.value);
    }
  }

  #durableNames(): string {
    return stageInputs(this.o.agent, this.o.topo).map((i) => i.durable).join(", ");
  }

  /** Runs a message in the slot the caller holds; when it is done the slot goes to the oldest waiting message, or back. */
  #run(m: JsMsg): void {
    const p = this.#handle(m).finally(() => {
      this.#inflight.delete(p);
      const next = this.#stopping ? undefined : this.#waiting.shift();
      if (next) this.#run(next);
      else this.#slots.release();
      this.#room?.();
      this.#room = null;
    });
    this.#inflight.add(p);
  }

  #keepWaitingAlive(): void {
    if (this.#waitTimer) return;
    const every = this.o.progressEveryMs ?? Math.max(1_000, (STAGE_POLICY[this.o.agent].ackWaitSeconds * 1000) / 3);
    this.#waitTimer = setInterval(() => {
      if (this.#waiting.length === 0) {
        clearInterval(this.#waitTimer!);
        this.#waitTimer = null;
        return;
      }
      for (const w of this.#waiting) w.working();
    }, every);
    this.#waitTimer.unref();
  }

  /** Messages delivered to this replica that wait for a free slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  async #handle(m: JsMsg): Promise<void> {
    const { agent, metrics, log } = this.o;
    const started = process.hrtime.bigint();
    metrics.inflight.inc({ agent });
    const hdrs = headersOf(m);
    const policy = STAGE_POLICY[agent];
    const progressEvery = this.o.progressEveryMs ?? Math.max(1_000, (policy.ackWaitSeconds * 1000) / 3);
    const timer = setInterval(() => m.working(), progressEvery);
    const ctx: StageContext = {
      log,
      headers: hdrs,
      deliveryCount: m.info.deliveryCount,
      streamSequence: m.seq,
      progress: () => m.working(),
    };
    let alertId: string | null = null;
    let traceId: string | null = null;
    const timeoutMs = this.o.timeoutMs ?? policy.stageTimeoutSeconds * 1000;
    let hung: NodeJS.Timeout | null = null;
    try {
      // A hung handler is abandoned at the stage timeout (its progress signals stop with it) and
      // its message retried; whatever it still does later cannot ack or publish for it.
      const result = await Promise.race([
        this.o.handler(m, ctx),
        new Promise<never>((_, reject) => { hung = setTimeout(() => reject(new StageTimeoutError(agent, timeoutMs)), timeoutMs); }),
      ]);
      if (hung) clearTimeout(hung);
      alertId = result.alertId;
      traceId = result.traceId;
      // Every output is in the stream before the input is acked (at least once); several outputs go out together.
      const acks = await Promise.all(result.publish.map((p) => publishDurably(this.o.js, p, 4, this.o.maxPayload?.())));
      acks.forEach((ack, i) => {
        if (!ack.duplicate) return;
        const p = result.publish[i]!;
        // The server already had a message with this id: a redelivery (fine), or two different
        // alerts that got the same id (a real repeat lost). Either way it is counted and said.
        metrics.duplicates.inc({ agent, subject: p.subject });
        alertLogger(log, alertId, traceId).warn({ seq: m.seq, subject: p.subject, msgId: p.msgId, delivery: m.info.deliveryCount }, "publish was a duplicate: the stream already had this message id");
      });
      // A plain ack while running: its output is in the stream already, and an ack lost with the
      // connection only means a redelivery the message ids and the ledger absorb. While stopping,
      // the ack is confirmed (outside the slot; stop() waits for it), so a drain that returns has
      // really finished. (Confirming every ack cost a request per message and stage.)
      const note = result.note;
      const acked = this.#stopping ? m.ackAck({ timeout: 5_000 }).catch(() => m.ack()) : Promise.resolve(m.ack());
      const confirm = acked.then(() => {
        this.#processed++;
        metrics.messages.inc({ agent, outcome: "ok" });
        alertLogger(log, alertId, traceId).info({ seq: m.seq, delivery: m.info.deliveryCount, note }, `${agent} done`);
      }).finally(() => this.#acking.delete(confirm));
      this.#acking.add(confirm);
    } catch (e) {
      if (hung) clearTimeout(hung);
      clearInterval(timer);
      const cls: ErrorClass = classifyError(e);
      const permanent = cls === "permanent";
      const lastTry = m.info.deliveryCount >= this.#maxDeliver;
      if (e instanceof PermanentError) {
        alertId = e.details.alertId ?? alertId;
        traceId = e.details.traceId ?? traceId;
      }
      alertId ??= alertIdOf(m, hdrs);
      const alog = alertLogger(log, alertId, traceId);
      if (permanent || lastTry) {
        const reason = permanent ? errorMessage(e) : `gave up after ${m.info.deliveryCount} deliveries: ${errorMessage(e)}`;
        await this.#deadLetterAndTerm(m, hdrs, reason, e instanceof PermanentError ? { ...e.details, alertId, traceId } : { alertId, traceId }, lastTry && !permanent, alog);
      } else {
        // The stage's backoff for every transient (and unknown) failure; a cause that asks for
        // longer (a Retry-After, a holder's lease) gets at least that.
        const delay = Math.max(e instanceof TransientError ? e.retryAfterMs ?? 0 : 0, backoffMs(m.info.deliveryCount, { ladderS: this.o.retryDelaysSeconds ?? policy.retryDelaysSeconds }));
        m.nak(delay);
        metrics.messages.inc({ agent, outcome: "retry" });
        alog.warn({ seq: m.seq, delivery: m.info.deliveryCount, retryInMs: delay, errorClass: cls, err: errorMessage(e) }, "transient failure; will retry");
      }
    } finally {
      clearInterval(timer);
      metrics.inflight.dec({ agent });
      metrics.duration.observe({ agent }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /**
   * Dead-letters a message and terms it. On its last delivery a nak would be final (JetStream
   * does not redeliver past max_deliver), so a failing DLQ publish is retried, holding the
   * message with progress signals, until it goes out or the loop stops; a message left unacked
   * then is dead-lettered by the max-deliveries advisory listener.
   */
  async #deadLetterAndTerm(m: JsMsg, hdrs: Record<string, string>, reason: string, details: PermanentError["details"], last: boolean, alog: Logger): Promise<void> {
    const { agent, metrics } = this.o;
    const entry = deadLetter({ data: m.data, subject: m.subject, seq: m.seq, deliveryCount: m.info.deliveryCount }, hdrs, agent, this.o.producer, reason, details, this.o.maxPayload?.());
    const delivery = m.info.deliveryCount;
    for (let attempt = 1; ; attempt++) {
      try {
        await publishDurably(this.o.js, { subject: this.o.topo.subjects.dlq, data: entry, msgId: deadLetterMessageId(agent, m.seq) }, 4, this.o.maxPayload?.());
        m.term(); // no reason argument: nats-server 2.9 does not understand "+TERM reason"
        metrics.messages.inc({ agent, outcome: "dlq" });
        alog.warn({ seq: m.seq, delivery, reason }, "sent to alerts.dlq");
        return;
      } catch (dlqError) {
        if (!last && !this.#stopping) {
          // Not the last delivery: JetStream will deliver it again and we try again then.
          m.nak(backoffMs(delivery, { ladderS: this.o.retryDelaysSeconds ?? STAGE_POLICY[agent].retryDelaysSeconds }));
          metrics.messages.inc({ agent, outcome: "retry" });
          alog.error({ err: errorMessage(dlqError), seq: m.seq }, "could not dead-letter; will retry");
          return;
        }
        if (this.#stopping || attempt >= 20) {
          // Never a nak here: left unacked, the max-deliveries advisory dead-letters it.
          alog.error({ err: errorMessage(dlqError), seq: m.seq, delivery }, "could not dead-letter on the last delivery; left to the max-deliveries advisory");
          return;
        }
        m.working();
        await new Promise((r) => setTimeout(r, backoffMs(attempt, { baseMs: 500, capMs: 10_000 })));
      }
    }
  }

  /** Stops taking messages, lets in-flight handlers finish (up to the timeout), then returns. */
  async stop(timeoutMs: number): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#messages?.stop();
    for (const a of this.#advisories) a.unsubscribe();
    // What waited for a slot goes straight back, so another replica takes it now.
    for (const m of this.#waiting.splice(0)) m.nak();
    if (this.#waitTimer) clearInterval(this.#waitTimer);
    this.#room?.();
    const all = Promise.allSettled([...this.#inflight]).then(() => Promise.allSettled([...this.#acking]));
    await Promise.race([all, new Promise((r) => setTimeout(r, timeoutMs))]);
    await Promise.race([this.#done, new Promise((r) => setTimeout(r, 1_000))]);
  }
}
