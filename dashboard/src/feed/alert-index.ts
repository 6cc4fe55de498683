// The dashboard's in-memory view of the ALERTS stream: one summary per alert, the recent
// dead letters and a raw-message counter. It holds summaries and stream sequence numbers,
// not whole messages: a stage message carries the full alert (raw payload, model thinking)
// and can weigh hundreds of KB, so details are read back from the stream on demand.
import type {
  ActionType, AnyStageMessage, DecidedMessage, DlqMessage, ExecutedMessage, InvestigatedMessage,
} from "@secops/contracts";

export const ALERT_STAGES = ["enriched", "investigated", "awaiting_approval", "decided", "executed", "failed"] as const;
export type AlertStage = (typeof ALERT_STAGES)[number];

export type StageKind = "enriched" | "investigated" | "decided" | "executed";
const STAGE_RANK: Record<StageKind, number> = { enriched: 1, investigated: 2, decided: 3, executed: 4 };

export interface AlertSummary {
  alertId: string;
  title: string;
  format: string;
  category: string;
  /** The analyst's assessed severity once investigated, the alert's own before that. */
  severity: string;
  stage: AlertStage;
  analyst: "llm" | "rules" | null;
  verdict: string | null;
  confidence: number | null;
  action: ActionType | null;
  mode: string | null;
  status: string | null;
  executionStatus: string | null;
  tainted: boolean;
  /** Set when a stage gave up on this alert and dead-lettered it. */
  dlqReason: string | null;
  receivedAt: string;
  updatedAt: string;
  /** received → executed, from the envelope's own timestamps. */
  latencyMs: number | null;
  timestamps: AnyStageMessage["timestamps"];
  /** Stream sequence of the alert's first message: the list's order, newest first. */
  firstSeq: number;
  /** Stream sequence of the last message that changed this summary: clients keep the highest. */
  seq: number;
}

/** Where each stage message of one alert sits in the stream. */
export interface AlertMessageRefs {
  enriched: number | null;
  investigated: number | null;
  decided: number[];
  executed: number | null;
}

export interface DlqEntry {
  seq: number;
  time: string;
  alertId: string | null;
  stage: string;
  subject: string;
  reason: string;
  tried: string[];
  errors: { path: string; message: string }[];
  original: { encoding: "utf8" | "base64"; excerpt: string; bytes: number; truncated: boolean; headers: Record<string, string> };
}

export interface RawReceipt {
  seq: number;
  time: string;
  bytes: number;
  msgId: string | null;
}

export interface FeedStats {
  alerts: number;
  stages: Record<AlertStage, number>;
  inFlight: number;
  awaitingApproval: number;
  executed: number;
  failed: number;
  dlq: number;
  raw: { received: number; bytes: number; last: RawReceipt | null };
  executedByAction: Partial<Record<ActionType, number>>;
  analyst: { llm: number; rules: number };
  latencyMs: { avg: number | null; p95: number | null; samples: number };
  /** Messages on the stream the dashboard could not read: wrong schema or unknown subject. */
  unreadable: number;
  lastSeq: number;
}

interface AlertEntry {
  summary: AlertSummary;
  refs: AlertMessageRefs;
  basis: { rank: number; seq: number };
}

export const DLQ_EXCERPT_BYTES = 2048;
const MAX_DLQ_ERRORS = 50;

export class AlertIndex {
  // Map keeps insertion order: the first key is always the oldest alert, which makes
  // eviction O(1) and "newest first" a reverse walk.
  private readonly alerts = new Map<string, AlertEntry>();
  private readonly dlqEntries: DlqEntry[] = [];
  private dlqTotal = 0;
  private rawReceived = 0;
  private rawBytes = 0;
  private lastRaw: RawReceipt | null = null;
  private unreadableTotal = 0;
  private lastSeqSeen = 0;

  constructor(private readonly maxAlerts: number, private readonly maxDlq = 1000) {
    if (!Number.isInteger(maxAlerts) || maxAlerts < 1) throw new RangeError(`maxAlerts must be a whole number ≥ 1, got ${maxAlerts}`);
  }

  get size(): number {
    return this.alerts.size;
  }

  get lastSeq(): number {
    return this.lastSeqSeen;
  }

  private saw(seq: number): void {
    if (seq > this.lastSeqSeen) this.lastSeqSeen = seq;
  }

  recordRaw(receipt: RawReceipt): void {
    this.saw(receipt.seq);
    this.rawReceived++;
    this.rawBytes += receipt.bytes;
    this.lastRaw = receipt;
  }

  recordUnreadable(seq: number): void {
    this.saw(seq);
    this.unreadableTotal++;
  }

  /** Applies one stage message; returns the new summary, or null when nothing visible changed. */
  applyStage(kind: StageKind, msg: AnyStageMessage, seq: number, time: string): AlertSummary | null {
    this.saw(seq);
    let entry = this.alerts.get(msg.alertId);
    if (!entry) {
      entry = { summary: summarize(kind, msg, seq, seq, time, null), refs: { enriched: null, investigated: null, decided: [], executed: null }, basis: { rank: 0, seq: 0 } };
      this.alerts.set(msg.alertId, entry);
      this.evict();
    }
    if (kind === "decided") {
      if (!entry.refs.decided.includes(seq)) entry.refs.decided.push(seq);
    } else {
      entry.refs[kind] = seq;
    }
    // Each stage message carries everything before it, so the summary is built from the
    // furthest one; a later decided (approved after awaiting) supersedes an earlier one.
    const rank = STAGE_RANK[kind];
    if (rank < entry.basis.rank || (rank === entry.basis.rank && seq < entry.basis.seq)) return null;
    entry.basis = { rank, seq };
    entry.summary = summarize(kind, msg, entry.summary.firstSeq, seq, time, entry.summary.dlqReason);
    return entry.summary;
  }

  /** Records a dead letter; returns the entry and, when it names a known alert, its updated summary. */
  applyDlq(msg: DlqMessage, seq: number, time: string): { entry: DlqEntry; summary: AlertSummary | null } {
    this.saw(seq);
    const entry = dlqEntry(msg, seq, time);
    this.dlqTotal++;
    this.dlqEntries.push(entry);
    if (this.dlqEntries.length > this.maxDlq) this.dlqEntries.shift();
    const alert = msg.alertId ? this.alerts.get(msg.alertId) : undefined;
    if (!alert || alert.summary.stage === "executed") return { entry, summary: null };
    alert.summary = { ...alert.summary, stage: "failed", dlqReason: msg.reason, updatedAt: time, seq };
    return { entry, summary: alert.summary };
  }

  list(opts: { limit: number; stage?: AlertStage }): AlertSummary[] {
    const out: AlertSummary[] = [];
    const entries = [...this.alerts.values()];
    for (let i = entries.length - 1; i >= 0 && out.length < opts.limit; i--) {
      const s = entries[i]!.summary;
      if (!opts.stage || s.stage === opts.stage) out.push(s);
    }
    return out;
  }

  get(alertId: string): { summary: AlertSummary; refs: AlertMessageRefs } | null {
    const e = this.alerts.get(alertId);
    return e ? { summary: e.summary, refs: { ...e.refs, decided: [...e.refs.decided] } } : null;
  }

  dlq(limit: number): DlqEntry[] {
    return this.dlqEntries.slice(-limit).reverse();
  }

  stats(): FeedStats {
    const stages = Object.fromEntries(ALERT_STAGES.map((s) => [s, 0])) as Record<AlertStage, number>;
    const executedByAction: Partial<Record<ActionType, number>> = {};
    const analyst = { llm: 0, rules: 0 };
    const latencies: number[] = [];
    for (const { summary: s } of this.alerts.values()) {
      stages[s.stage]++;
      if (s.analyst) analyst[s.analyst]++;
      if (s.stage === "executed" && s.action) executedByAction[s.action] = (executedByAction[s.action] ?? 0) + 1;
      if (s.latencyMs !== null) latencies.push(s.latencyMs);
    }
    latencies.sort((a, b) => a - b);
    const avg = latencies.length ? Math.round(latencies.reduce((a, b) => a + b, 0) / latencies.length) : null;
    const p95 = latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.95) - 1)]! : null;
    return {
      alerts: this.alerts.size,
      stages,
      inFlight: stages.enriched + stages.investigated + stages.decided,
      awaitingApproval: stages.awaiting_approval,
      executed: stages.executed,
      failed: stages.failed,
      dlq: this.dlqTotal,
      raw: { received: this.rawReceived, bytes: this.rawBytes, last: this.lastRaw },
      executedByAction,
      analyst,
      latencyMs: { avg, p95, samples: latencies.length },
      unreadable: this.unreadableTotal,
      lastSeq: this.lastSeqSeen,
    };
  }

  private evict(): void {
    while (this.alerts.size > this.maxAlerts) {
      const oldest = this.alerts.keys().next();
      if (oldest.done) return;
      this.alerts.delete(oldest.value);
    }
  }
}

function stageOf(kind: StageKind, msg: AnyStageMessage): AlertStage {
  switch (kind) {
    case "executed":
      return (msg as ExecutedMessage).execution.status === "failed" ? "failed" : "executed";
    case "decided":
      return (msg as DecidedMessage).decision.status === "awaiting_approval" ? "awaiting_approval" : "decided";
    default:
      return kind;
  }
}

function latencyOf(t: AnyStageMessage["timestamps"]): number | null {
  if (!t.executed) return null;
  const ms = Date.parse(t.executed) - Date.parse(t.received);
  return Number.isFinite(ms) && ms >= 0 ? ms : null;
}

function summarize(kind: StageKind, msg: AnyStageMessage, firstSeq: number, seq: number, time: string, dlqReason: string | null): AlertSummary {
  const inv = "investigation" in msg ? (msg as InvestigatedMessage).investigation : null;
  const dec = "decision" in msg ? (msg as DecidedMessage).decision : null;
  const exe = "execution" in msg ? (msg as ExecutedMessage).execution : null;
  const stage = stageOf(kind, msg);
  return {
    alertId: msg.alertId,
    title: msg.alert.title,
    format: msg.alert.format,
    category: msg.alert.category,
    severity: inv?.severity ?? msg.alert.severity,
    stage: stage !== "executed" && dlqReason ? "failed" : stage,
    analyst: inv?.analyst ?? null,
    verdict: inv?.verdict ?? null,
    confidence: inv?.confidence ?? null,
    action: exe?.action ?? dec?.action ?? null,
    mode: dec?.mode ?? null,
    status: dec?.status ?? null,
    executionStatus: exe?.status ?? null,
    tainted: (dec?.tainted ?? false) || (inv?.injection.detected ?? false),
    dlqReason: stage === "executed" ? null : dlqReason,
    receivedAt: msg.timestamps.received,
    updatedAt: msg.timestamps[kind] ?? time,
    latencyMs: latencyOf(msg.timestamps),
    timestamps: msg.timestamps,
    firstSeq,
    seq,
  };
}

function dlqEntry(msg: DlqMessage, seq: number, time: string): DlqEntry {
  const data = Buffer.from(msg.original.data, "utf8");
  const truncated = data.length > DLQ_EXCERPT_BYTES;
  return {
    seq,
    time: msg.at || time,
    alertId: msg.alertId,
    stage: msg.stage,
    subject: msg.subject,
    reason: msg.reason,
    tried: msg.tried.slice(0, MAX_DLQ_ERRORS),
    errors: msg.errors.slice(0, MAX_DLQ_ERRORS),
    original: {
      encoding: msg.original.encoding,
      // Cutting inside a multi-byte character yields U+FFFD, which is fine for an excerpt.
      excerpt: truncated ? data.subarray(0, DLQ_EXCERPT_BYTES).toString("utf8") : msg.original.data,
      bytes: data.length,
      truncated,
      headers: msg.original.headers,
    },
  };
}
