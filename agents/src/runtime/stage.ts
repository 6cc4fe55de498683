// The consume loop every agent shares: bounded concurrency, progress signals while a handler
// works, ack after publishing, nak with a delay on transient faults, dead letters then term on
// permanent ones, and a graceful drain. Its handler is compiled from the stage's declaration
// (define-stage.ts); agents never see a JsMsg.
import type { Consumer, ConsumerMessages, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import { SchemaIds, type DlqMessage, type Producer, type Topology } from "@secops/contracts";
import type { Logger } from "./logger.js";
import { alertLogger } from "./logger.js";
import { PermanentError, TransientError, errorMessage } from "./errors.js";
import { HEADER_ALLOWANCE, publishDurably, type Publication } from "./publish.js";
import { Semaphore } from "./semaphore.js";
import { deadLetterMessageId } from "../shared/ids.js";
import type { AgentMetrics } from "./metrics.js";
import { STAGE_POLICY, type AgentName } from "./provision.js";

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
  #messages: ConsumerMessages | null = null;
  #stopping = false;
  #processed = 0;
  readonly #inflight = new Set<Promise<void>>();
  readonly #slots: Semaphore;
  #done: Promise<void> = Promise.resolve();

  constructor(private readonly o: StageLoopOptions) {
    this.#slots = new Semaphore(o.concurrency);
  }

  get consuming(): boolean {
    return this.#messages !== null && !this.#stopping;
  }
  get inflight(): number {
    return this.#slots.inUse;
  }
  get processed(): number {
    return this.#processed;
  }

  async start(): Promise<void> {
    const consumer: Consumer = await this.o.js.consumers.get(this.o.topo.stream, this.o.topo.durables[this.o.agent]);
    // Small batches: a replica holds at most `concurrency` messages, so replicas share the work.
    this.#messages = await consumer.consume({ max_messages: this.o.concurrency });
    void (async () => {
      for await (const s of this.#messages!.status()) {
        if (s.type === "heartbeats_missed" || s.type === "consumer_not_found" || s.type === "consumer_deleted" || s.type === "stream_not_found") {
          this.o.log.warn({ status: s.type }, "consumer status");
        }
      }
    })().catch(() => {});
    this.#done = this.#loop(this.#messages);
  }

  async #loop(messages: ConsumerMessages): Promise<void> {
    for await (const m of messages) {
      if (this.#stopping) {
        m.nak(); // give it straight back so another replica takes it
        continue;
      }
      await this.#slots.acquire();
      const p = this.#handle(m).finally(() => {
        this.#slots.release();
        this.#inflight.delete(p);
      });
      this.#inflight.add(p);
    }
  }

  async #handle(m: JsMsg): Promise<void> {
    const { agent, metrics, log } = this.o;
    const started = process.hrtime.bigint();
    metrics.inflight.inc({ agent });
    const hdrs = headersOf(m);
    const progressEvery = this.o.progressEveryMs ?? Math.max(1_000, (STAGE_POLICY[agent].ackWaitSeconds * 1000) / 3);
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
    try {
      const result = await this.o.handler(m, ctx);
      alertId = result.alertId;
      traceId = result.traceId;
      for (const p of result.publish) await publishDurably(this.o.js, p, 4, this.o.maxPayload?.());
      // Wait for the server to confirm the ack, so a drain that returns has really finished.
      await m.ackAck({ timeout: 5_000 }).catch(() => m.ack());
      this.#processed++;
      metrics.messages.inc({ agent, outcome: "ok" });
      alertLogger(log, alertId, traceId).info({ seq: m.seq, delivery: m.info.deliveryCount, note: result.note }, `${agent} done`);
    } catch (e) {
      const permanent = e instanceof PermanentError;
      const lastTry = m.info.deliveryCount >= STAGE_POLICY[agent].maxDeliver;
      if (permanent) {
        alertId = e.details.alertId ?? alertId;
        traceId = e.details.traceId ?? traceId;
      }
      const alog = alertLogger(log, alertId, traceId);
      if (permanent || lastTry) {
        const reason = permanent ? e.message : `gave up after ${m.info.deliveryCount} deliveries: ${errorMessage(e)}`;
        try {
          const entry = deadLetter({ data: m.data, subject: m.subject, seq: m.seq, deliveryCount: m.info.deliveryCount }, hdrs, agent, this.o.producer, reason, permanent ? e.details : { alertId, traceId }, this.o.maxPayload?.());
          await publishDurably(this.o.js, { subject: this.o.topo.subjects.dlq, data: entry, msgId: deadLetterMessageId(agent, m.seq) }, 4, this.o.maxPayload?.());
          m.term(); // no reason argument: nats-server 2.9 does not understand "+TERM reason"
          metrics.messages.inc({ agent, outcome: "dlq" });
          alog.warn({ seq: m.seq, reason }, "sent to alerts.dlq");
        } catch (dlqError) {
          m.nak(5_000);
          metrics.messages.inc({ agent, outcome: "retry" });
          alog.error({ err: dlqError, seq: m.seq }, "could not dead-letter; will retry");
        }
      } else {
        const delays = STAGE_POLICY[agent].retryDelaysSeconds;
        const delay = e instanceof TransientError ? e.retryAfterMs : delays[Math.min(m.info.deliveryCount - 1, delays.length - 1)]! * 1000;
        m.nak(delay);
        metrics.messages.inc({ agent, outcome: "retry" });
        alog.warn({ seq: m.seq, delivery: m.info.deliveryCount, retryInMs: delay, err: errorMessage(e) }, "transient failure; will retry");
      }
    } finally {
      clearInterval(timer);
      metrics.inflight.dec({ agent });
      metrics.duration.observe({ agent }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /** Stops taking messages, lets in-flight handlers finish (up to the timeout), then returns. */
  async stop(timeoutMs: number): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#messages?.stop();
    const all = Promise.allSettled([...this.#inflight]);
    await Promise.race([all, new Promise((r) => setTimeout(r, timeoutMs))]);
    await Promise.race([this.#done, new Promise((r) => setTimeout(r, 1_000))]);
  }
}
