// The dashboard's in-memory view of the ALERTS stream: one summary per alert, the recent
// dead letters and a raw-message counter. It holds summaries and stream sequence numbers,
// not whole messages: a stage message carries the full alert (raw payload, model thinking)
// and can weigh hundreds of KB, so details are read back from the stream on demand.
import type {
  ActionType, AnyStageMessage, DecidedMessage, DlqMessage, ExecutedMessage, Incident, InvestigatedMessage, IocType, SeveritySource,
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
  /** The analyst's assessed severity once investigated, the vendor's (the alert's own) before that. */
  severity: string;
  /** Whose severity `severity` is; the page labels it so one severity shows everywhere. */
  severitySource: SeveritySource;
  /** The alert's own severity, mapped from the vendor's scale. */
  vendorSeverity: string;
  /** The vendor's own id for the alert (alert.sourceId), e.g. SEC-2026-0104. */
  sourceId: string | null;
  vendor: string | null;
  host: string | null;
  hostIp: string | null;
  user: string | null;
  /** Every indicator the normalizer extracted (at most MAX_SUMMARY_IOCS), for search. */
  iocs: { type: IocType; value: string; internal: boolean }[];
  /** The execution's ledger key: what undo names. */
  actionId: string | null;
  /** Set once the action was undone (read from the ledger). */
  undone: { by: string; at: string; undoActionId: string } | null;
  /** The correlator's incident this alert belongs to (from alerts.incidents). */
  incidentId: string | null;
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
  /** received → executed, from the envelope's own timestamps (includes any wait for a person). */
  latencyMs: number | null;
  /** The pipeline's own time to a decision and its execution: latencyMs minus waitMs. */
  machineMs: number | null;
  /** Time the decision waited for a person (awaiting approval → approved), null when none did. */
  waitMs: number | null;
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
  /** The pipeline's own time (received → executed, minus any wait for a person). */
  machineMs: { avg: number | null; p95: number | null; samples: number };
  /** Time decisions waited for a person's approval, over the alerts that waited. */
  waitMs: { avg: number | null; p95: number | null; samples: number };
  /** Alerts whose action was undone. */
  undone: number;
  incidents: number;
  /** Messages on the stream the dashboard could not read: wrong schema or unknown subject. */
  unreadable: number;
  lastSeq: number;
}

interface AlertEntry {
  summary: AlertSummary;
  refs: AlertMessageRefs;
  basis: { rank: number; seq: number };
  /** When the decider published "awaiting approval": where a person's wait starts. */
  awaitingAt: string | null;
}

/** What the index keeps per alert for search: bounded, so 100,000 alerts stay around 100 MB. */
export const MAX_SUMMARY_IOCS = 50;
/** How many incidents the index keeps (newest win). */
export const MAX_INCIDENTS = 20_000;

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
  private readonly incidentsById = new Map<string, Incident>();
  /** Undos seen before the alert's execution: applied when it arrives. */
  private readonly pendingUndo = new Map<string, { actionId: string; undone: NonNullable<AlertSummary["undone"]> }>();

  constructor(private readonly maxAlerts: number, private readonly maxDlq = 1000) {
    if (!Number.isInteger(maxAlerts) || maxAlerts < 1) throw new RangeError(`maxAlerts must be a whole number ≥ 1, got ${maxAlerts}`);
  }

  get size(): number {
    return this.alerts.size;
  }

  get lastSeq(): number {
    return this.lastSeqSeen;
  }

  /** Counts a message the index read but that changes no alert summary (e.g. an incident). */
  recordSeen(seq: number): void {
    this.saw(seq);
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
      entry = { summary: summarize(kind, msg, seq, seq, time, null), refs: { enriched: null, investigated: null, decided: [], executed: null }, basis: { rank: 0, seq: 0 }, awaitingAt: null };
      this.alerts.set(msg.alertId, entry);
      this.evict();
    }
    if (kind === "decided") {
      if (!entry.refs.decided.includes(seq)) entry.refs.decided.push(seq);
      const d = (msg as DecidedMessage).decision;
      if (d.status === "awaiting_approval" && !entry.awaitingAt) entry.awaitingAt = msg.timestamps.decided ?? time;
    } else {
      entry.refs[kind] = seq;
    }
    // Each stage message carries everything before it, so the summary is built from the
    // furthest one; a later decided (approved after awaiting) supersedes an earlier one.
    const rank = STAGE_RANK[kind];
    if (rank < entry.basis.rank || (rank === entry.basis.rank && seq < entry.basis.seq)) return null;
    entry.basis = { rank, seq };
    const prev = entry.summary;
    const next = summarize(kind, msg, prev.firstSeq, seq, time, prev.dlqReason, entry.awaitingAt);
    next.incidentId = prev.incidentId;
    next.undone = prev.undone;
    const pending = this.pendingUndo.get(msg.alertId);
    if (pending && pending.actionId === next.actionId) {
      next.undone = pending.undone;
      this.pendingUndo.delete(msg.alertId);
    }
    entry.summary = next;
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

  /**
   * Records that an action was undone (the ledger's `undone`); returns the changed summary.
   * An undo read before the alert's execution message is kept and applied when it arrives.
   */
  applyUndo(alertId: string, actionId: string, undone: NonNullable<AlertSummary["undone"]>): AlertSummary | null {
    const e = this.alerts.get(alertId);
    if (!e || e.summary.actionId !== actionId) {
      this.pendingUndo.set(alertId, { actionId, undone });
      if (this.pendingUndo.size > this.maxAlerts) this.pendingUndo.delete(this.pendingUndo.keys().next().value!);
      return null;
    }
    if (e.summary.undone?.undoActionId === undone.undoActionId) return null;
    e.summary = { ...e.summary, undone };
    return e.summary;
  }

  /** Keeps the newest version of an incident and links its alerts to it; returns the alerts that changed. */
  applyIncident(inc: Incident): AlertSummary[] {
    const prev = this.incidentsById.get(inc.incidentId);
    if (prev && prev.version >= inc.version) return [];
    this.incidentsById.delete(inc.incidentId);
    this.incidentsById.set(inc.incidentId, inc);
    while (this.incidentsById.size > MAX_INCIDENTS) this.incidentsById.delete(this.incidentsById.keys().next().value!);
    const changed: AlertSummary[] = [];
    const now = new Set(inc.status === "open" ? inc.alerts.map((a) => a.alertId) : []);
    for (const id of new Set([...(prev?.alerts.map((a) => a.alertId) ?? []), ...now])) {
      const e = this.alerts.get(id);
      if (!e) continue;
      const want = now.has(id) ? inc.incidentId : e.summary.incidentId === inc.incidentId ? null : e.summary.incidentId;
      if (want !== e.summary.incidentId) {
        e.summary = { ...e.summary, incidentId: want };
        changed.push(e.summary);
      }
    }
    return changed;
  }

  incident(id: string): Incident | null {
    return this.incidentsById.get(id) ?? null;
  }

  /** Incidents, newest change first. */
  incidents(opts: { limit: number; includeMerged?: boolean }): Incident[] {
    const all = [...this.incidentsById.values()].filter((i) => opts.includeMerged || i.status === "open");
    return all.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, opts.limit);
  }

  /** Every summary, oldest first (the stream's order): what search walks. A snapshot array. */
  summaries(): AlertSummary[] {
    return Array.from(this.alerts.values(), (e) => e.summary);
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
    const machine: number[] = [];
    const waits: number[] = [];
    let undone = 0;
    for (const { summary: s } of this.alerts.values()) {
      if (s.machineMs !== null) machine.push(s.machineMs);
      if (s.waitMs !== null) waits.push(s.waitMs);
      if (s.undone) undone++;
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
      machineMs: spread(machine),
      waitMs: spread(waits),
      undone,
      incidents: [...this.incidentsById.values()].filter((i) => i.status === "open").length,
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

function spread(values: number[]): { avg: number | null; p95: number | null; samples: number } {
  if (!values.length) return { avg: null, p95: null, samples: 0 };
  values.sort((a, b) => a - b);
  return {
    avg: Math.round(values.reduce((a, b) => a + b, 0) / values.length),
    p95: values[Math.min(values.length - 1, Math.ceil(values.length * 0.95) - 1)]!,
    samples: values.length,
  };
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

/** Splits end-to-end latency into the pipeline's own time and the time a person took to approve. */
function timingOf(t: AnyStageMessage["timestamps"], dec: DecidedMessage["decision"] | null, awaitingAt: string | null): { latencyMs: number | null; machineMs: number | null; waitMs: number | null } {
  const latencyMs = latencyOf(t);
  const approvers = dec?.approval?.approvers ?? [];
  const approvedAt = approvers.length ? approvers.map((a) => a.at).sort().at(-1)! : null;
  let waitMs: number | null = null;
  if (awaitingAt && approvedAt) {
    const w = Date.parse(approvedAt) - Date.parse(awaitingAt);
    waitMs = Number.isFinite(w) && w >= 0 ? w : null;
  }
  const machineMs = latencyMs === null ? null : Math.max(0, latencyMs - (waitMs ?? 0));
  return { latencyMs, machineMs, waitMs };
}

function summarize(kind: StageKind, msg: AnyStageMessage, firstSeq: number, seq: number, time: string, dlqReason: string | null, awaitingAt: string | null = null): AlertSummary {
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
    severitySource: inv ? "analyst" : "vendor",
    vendorSeverity: msg.alert.severity,
    sourceId: msg.alert.sourceId,
    vendor: msg.alert.source.vendor ?? msg.alert.source.product,
    host: msg.alert.host.name,
    hostIp: msg.alert.host.ip,
    user: msg.alert.user.name,
    iocs: msg.alert.iocs.slice(0, MAX_SUMMARY_IOCS).map((i) => ({ type: i.type, value: i.value, internal: i.internal })),
    actionId: exe?.actionId ?? null,
    undone: null,
    incidentId: null,
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
    ...timingOf(msg.timestamps, dec, awaitingAt),
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
