// Reads the ALERTS stream (a bounded window of history, then live) through ONE ordered consumer
// and feeds the AlertIndex. The window at start is the last DASHBOARD_HISTORY_HOURS hours and at
// most the newest DASHBOARD_HISTORY_MAX messages (DeliverPolicy.StartTime / StartSequence, both
// on nats-server 2.9 with its single filter subject), not the whole stream: a month of alerts
// would otherwise be replayed and validated at every start. Ordered consumers are ephemeral and recreate themselves after a gap or a
// reconnect (tech.md §A.6); this loop also survives the stream not existing yet or being
// recreated, resuming after the last sequence it applied.
import { DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JsMsg } from "@nats-io/jetstream";
import {
  DecidedMessage, DlqMessage, EnrichedMessage, ExecutedMessage, Headers, Incident, InvestigatedMessage, type AnyStageMessage, type Topology,
} from "@secops/contracts";
import type { Logger } from "pino";
import type { AlertIndex, AlertSummary, DlqEntry, StageKind } from "./alert-index.js";

export interface FeedEvents {
  onAlert(summary: AlertSummary): void;
  onDlq(entry: DlqEntry): void;
  onRaw(): void;
  onIncident?(incident: Incident): void;
}

export interface ReaderHealth {
  running: boolean;
  /** False after missed heartbeats or while (re)creating the consumer. */
  healthy: boolean;
  /** True once the history present at start has been applied. */
  caughtUp: boolean;
  lastError: string | null;
}

const STAGE_SCHEMAS = {
  enriched: EnrichedMessage,
  investigated: InvestigatedMessage,
  decided: DecidedMessage,
  executed: ExecutedMessage,
} as const;

/** How much history to read at start; 0 means no bound of that kind. */
export interface HistoryWindow {
  hours: number;
  maxMessages: number;
}

/** The whole stream: what a reader without a window reads. */
export const WHOLE_STREAM: HistoryWindow = { hours: 0, maxMessages: 0 };

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 10_000;

export class StreamReader {
  private messages: ConsumerMessages | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly state: ReaderHealth = { running: false, healthy: false, caughtUp: false, lastError: null };
  private readonly kindBySubject: Map<string, StageKind | "raw" | "dlq" | "incident">;
  private unreadableLogged = 0;
  /** Messages below this sequence are outside the count window (when a time window chose the start). */
  private floorSeq = 0;

  constructor(
    private readonly js: JetStreamClient,
    private readonly topo: Topology,
    private readonly index: AlertIndex,
    private readonly events: FeedEvents,
    private readonly log: Logger,
    private readonly history: HistoryWindow = WHOLE_STREAM,
  ) {
    const s = topo.subjects;
    this.kindBySubject = new Map<string, StageKind | "raw" | "dlq" | "incident">([
      // Every priority subject (alerts.enriched.<severity>) and the one before the split are "enriched".
      [s.raw, "raw"], [s.enrichedLegacy, "enriched"], [s.enrichedReview, "enriched"], ...topo.priorities.map((p) => [p.subject, "enriched"] as const),
      [s.investigated, "investigated"], [s.investigatedReview, "investigated"],
      [s.decided, "decided"], [s.executed, "executed"], [s.dlq, "dlq"], [s.incidents, "incident"],
    ]);
  }

  health(): ReaderHealth {
    return { ...this.state };
  }

  start(): void {
    if (this.loop) return;
    this.state.running = true;
    this.loop = this.run().finally(() => {
      this.state.running = false;
      this.state.healthy = false;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    const m = this.messages;
    this.messages = null;
    if (m) await m.close().catch(() => undefined);
    await this.loop;
  }

  private async run(): Promise<void> {
    let delay = RETRY_MIN_MS;
    while (!this.stopped) {
      try {
        await this.consumeOnce();
        delay = RETRY_MIN_MS;
      } catch (e) {
        if (this.stopped) break;
        const message = (e as Error).message;
        if (message !== this.state.lastError) this.log.warn({ err: message, stream: this.topo.stream }, "dashboard feed: cannot read the stream; retrying");
        this.state.lastError = message;
        this.state.healthy = false;
      }
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        this.wake = () => { clearTimeout(t); resolve(); };
      });
      this.wake = null;
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }

  private async consumeOnce(): Promise<void> {
    const resumeAt = this.index.lastSeq + 1;
    // 2.9 knows only the single filter_subject: the client maps a string to it (tech.md §A.6).
    const consumer = await this.js.consumers.get(this.topo.stream, resumeAt > 1
      ? { filter_subjects: this.topo.all, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: resumeAt }
      : await this.firstStart());
    if (this.stopped) return;
    // Whether there is any history to wait for: an empty stream is caught up at once.
    const info = await consumer.info(true);
    if (info.num_pending === 0) this.state.caughtUp = true;
    const messages = await consumer.consume({ max_messages: 256 });
    if (this.stopped) {
      await messages.close().catch(() => undefined);
      return;
    }
    this.messages = messages;
    this.state.healthy = true;
    this.state.lastError = null;
    void this.watchStatus(messages);
    for await (const m of messages) {
      this.state.healthy = true;
      this.apply(m);
      if (m.info.pending === 0) this.state.caughtUp = true;
    }
  }

  /** Where a first read starts: the history window, or the whole stream when it has no bound. */
  private async firstStart(): Promise<Parameters<JetStreamClient["consumers"]["get"]>[1] & object> {
    const { hours, maxMessages } = this.history;
    this.floorSeq = 0;
    if (maxMessages > 0) {
      const info = await (await this.js.streams.get(this.topo.stream)).info();
      if (info.state.last_seq >= maxMessages) this.floorSeq = info.state.last_seq - maxMessages + 1;
    }
    if (hours > 0) {
      const since = new Date(Date.now() - hours * 3_600_000).toISOString();
      return { filter_subjects: this.topo.all, deliver_policy: DeliverPolicy.StartTime, opt_start_time: since };
    }
    if (this.floorSeq > 0) return { filter_subjects: this.topo.all, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.floorSeq };
    return { filter_subjects: this.topo.all, deliver_policy: DeliverPolicy.All };
  }

  private async watchStatus(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const s of messages.status()) {
        if (s.type === "heartbeats_missed" || s.type === "stream_not_found" || s.type === "consumer_deleted") {
          this.state.healthy = false;
          this.state.lastError = s.type;
        } else if (s.type === "heartbeat" || s.type === "next" || s.type === "ordered_consumer_recreated") {
          if (this.state.lastError === "heartbeats_missed" || s.type === "ordered_consumer_recreated") {
            this.state.healthy = true;
            this.state.lastError = null;
          }
        }
      }
    } catch { /* the iterator ends with the consumer */ }
  }

  /** Decodes one stream message by subject; anything unreadable is counted, never fatal. */
  private apply(m: JsMsg): void {
    const seq = m.seq;
    // Older than the newest DASHBOARD_HISTORY_MAX messages (the time window started earlier).
    if (seq < this.floorSeq) return;
    const time = new Date(Math.floor(m.info.timestampNanos / 1_000_000)).toISOString();
    const kind = this.kindBySubject.get(m.subject);
    if (kind === undefined) return this.unreadable(seq, m.subject, "no stage uses this subject");
    if (kind === "raw") {
      const msgId = m.headers?.get(Headers.msgId) || m.headers?.get(Headers.alertId) || null;
      this.index.recordRaw({ seq, time, bytes: m.data.length, msgId });
      this.events.onRaw();
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(m.string());
    } catch {
      return this.unreadable(seq, m.subject, "not JSON");
    }
    if (kind === "incident") {
      const r = Incident.safeParse(body);
      if (!r.success) return this.unreadable(seq, m.subject, r.error.issues[0]?.message ?? "invalid");
      this.index.recordSeen(seq);
      for (const changed of this.index.applyIncident(r.data)) this.events.onAlert(changed);
      this.events.onIncident?.(r.data);
      return;
    }
    if (kind === "dlq") {
      const r = DlqMessage.safeParse(body);
      if (!r.success) return this.unreadable(seq, m.subject, r.error.issues[0]?.message ?? "invalid");
      const { entry, summary } = this.index.applyDlq(r.data, seq, time);
      this.events.onDlq(entry);
      if (summary) this.events.onAlert(summary);
      return;
    }
    const r = STAGE_SCHEMAS[kind].safeParse(body);
    if (!r.success) {
      const issue = r.error.issues[0];
      return this.unreadable(seq, m.subject, issue ? `${issue.path.join(".")}: ${issue.message}` : "invalid");
    }
    const summary = this.index.applyStage(kind, r.data as AnyStageMessage, seq, time);
    if (summary) this.events.onAlert(summary);
  }

  private unreadable(seq: number, subject: string, why: string): void {
    this.index.recordUnreadable(seq);
    // A flood of bad messages must not flood the log: the count is in /api/stats.
    if (this.unreadableLogged++ < 20) this.log.warn({ seq, subject, why }, "dashboard feed: skipped a message it cannot read");
  }
}
