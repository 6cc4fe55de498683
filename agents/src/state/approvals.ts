// Pending approvals: a decision that needs a person becomes a record bound to the digest of
// the exact action. Approvers are appended with compare-and-set so concurrent approvals are
// never lost; the same person approving twice counts once. Expired means not executed.
// The outcome goes back on the decided subject as a new DecidedMessage for the responder.
import type { KV } from "@nats-io/kv";
import type { JetStreamClient } from "@nats-io/jetstream";
import { DecidedMessage, Headers, SchemaIds, actionDigest, type Approval, type Topology } from "@secops/contracts";
import { traceparent } from "../runtime/trace.js";
import type { Logger } from "../runtime/logger.js";
import { publishDurably } from "../runtime/publish.js";
import { classifyError, errorMessage } from "../runtime/errors.js";
import { assertKey, createJson, getJson, listJson, updateJson } from "./kv.js";
import { ApprovalRecord, type ApprovalStatus } from "./records.js";
import { approvalIdFor, approvalOutcomeMessageId, isApprovalId } from "../shared/ids.js";


export class ApprovalError extends Error {
  constructor(readonly code: "unknown" | "expired" | "decided" | "invalid", message: string) {
    super(message);
    this.name = "ApprovalError";
  }
}

/** Values kept beyond this size drop the raw alert: the decision does not need it to execute. */
const MAX_STORED_BYTES = 512 * 1024;

/** The suffix a shared credential adds to a typed name: every such name is one person (agents/src/trust). */
export const SHARED_IDENTITY = / \((shared token|nats user [^)]+)\)$/i;

/**
 * Approver names compare case-insensitively: "Alice" and "alice " are one person. Names typed
 * behind one shared credential ("alice (shared token)", "bob (shared token)") are one person too:
 * two names from one tab never make two approvals.
 */
export function approverKey(by: string): string {
  const s = by.trim().toLowerCase();
  const shared = SHARED_IDENTITY.exec(s);
  return shared ? `shared:${shared[1]}` : s;
}

export function distinctApprovers(r: Pick<ApprovalRecord, "approvers">): number {
  return new Set(r.approvers.map((a) => approverKey(a.by))).size;
}

function validName(by: string): string {
  const s = by.trim();
  // Control characters would let a name forge log lines or terminal output.
  if (!s || s.length > 200 || [...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) throw new ApprovalError("invalid", "the approver name must be 1-200 printable characters");
  return s;
}

function validComment(c: string | null | undefined): string | null {
  if (c === undefined || c === null || c === "") return null;
  if (c.length > 2000) throw new ApprovalError("invalid", "the comment is longer than 2000 characters");
  return c;
}

export interface ApprovalsDeps {
  js: JetStreamClient;
  topo: Topology;
  log: Logger;
  now: () => Date;
  producer: { agent: string; version: string; instance: string };
  /** Signs an outcome before it is stored and published (agents/src/trust/signing.ts). */
  sign?: (m: DecidedMessage) => DecidedMessage;
  /** The server's max_payload, checked before publishing an outcome. */
  maxPayload?: () => number | undefined;
}

export class Approvals {
  constructor(readonly kv: KV, private readonly deps: ApprovalsDeps) {}

  async get(id: string): Promise<ApprovalRecord | null> {
    try {
      // Stryker disable next-line StringLiteral: the message is dropped: get answers null for an id that is no key
      assertKey(id, "approval id");
    } catch {
      return null;
    }
    return (await getJson(this.kv, id, ApprovalRecord))?.value ?? null;
  }

  async list(status?: ApprovalStatus): Promise<ApprovalRecord[]> {
    const all = (await listJson(this.kv, ApprovalRecord)).map((e) => e.value);
    return status ? all.filter((r) => r.status === status) : all;
  }

  /** Idempotent: a redelivered decision finds the record it created before. */
  async createPendingApproval(decided: DecidedMessage): Promise<ApprovalRecord> {
    const d = decided.decision;
    const digest = actionDigest(d.parameters);
    if (!d.approval) throw new ApprovalError("invalid", "the decision awaits approval but carries no approval (id, digest, role, expiry); refusing to guess them");
    if (d.approval.digest !== digest) {
      throw new ApprovalError("invalid", `the decision's approval digest ${d.approval.digest} does not match its parameters (${digest}); refusing to ask anyone to approve it`);
    }
    const now = this.deps.now();
    // The decider proposes the id (APR-…, shared/ids.ts approvalIdFor).
    const proposedId = isApprovalId(d.approval.id) ? d.approval.id : null;
    const id = proposedId ?? approvalIdFor(decided.alertId, digest);
    // The decider sets the expiry from the policy (approval.expiresAfterMinutes); there is no other source.
    const expiresMs = Date.parse(d.approval.expiresAt);
    if (!Number.isFinite(expiresMs)) throw new ApprovalError("invalid", `the approval's expiry ${JSON.stringify(d.approval.expiresAt.slice(0, 40))} is not an ISO 8601 time`);
    const expiresAt = new Date(expiresMs).toISOString();
    let stored: DecidedMessage = decided;
    if (Buffer.byteLength(JSON.stringify(decided)) > MAX_STORED_BYTES) stored = { ...decided, alert: { ...decided.alert, raw: "(raw alert dropped: too large to keep with the approval)" } };
    const record: ApprovalRecord = {
      id, alertId: decided.alertId, status: "pending", digest, action: d.action, parameters: d.parameters, reason: d.reason,
      requiredRole: d.approval.requiredRole,
      approversRequired: Math.max(1, d.approval.approversRequired),
      createdAt: now.toISOString(), expiresAt, approvers: [], rejectedBy: null, decidedAt: null, published: false, decided: stored,
    };
    if ((await createJson(this.kv, id, record)) !== null) return record;
    const existing = await this.get(id);
    // Stryker disable next-line ConditionalExpression,StringLiteral: a record deleted between create and read: without the check reading its digest throws too
    if (!existing) throw new Error(`approval ${id} exists but cannot be read`);
    if (existing.digest !== digest) throw new ApprovalError("invalid", `approval ${id} already exists for a different action`);
    return existing;
  }

  /**
   * Adds an approval. The record becomes approved once enough different people approved;
   * before that it stays pending. Errors name why nothing changed (unknown id, expired, decided).
   */
  async approve(id: string, by: string, comment?: string | null): Promise<ApprovalRecord> {
    const who = validName(by);
    const note = validComment(comment);
    return this.transition(id, (r, now) => {
      if (r.approvers.some((a) => approverKey(a.by) === approverKey(who))) return r; // the same person counts once
      const approvers = [...r.approvers, { by: who, at: now.toISOString(), comment: note }];
      const done = distinctApprovers({ approvers }) >= r.approversRequired;
      return { ...r, approvers, status: done ? "approved" : "pending", decidedAt: done ? now.toISOString() : null };
    });
  }

  async reject(id: string, by: string, comment?: string | null): Promise<ApprovalRecord> {
    const who = validName(by);
    const note = validComment(comment);
    return this.transition(id, (r, now) => ({ ...r, status: "rejected", rejectedBy: { by: who, at: now.toISOString(), comment: note }, decidedAt: now.toISOString() }));
  }

  /** Marks every pending approval past its expiry as expired and publishes that; returns their ids. */
  async expireDue(now: Date = this.deps.now()): Promise<string[]> {
    const expired: string[] = [];
    // Stryker disable next-line StringLiteral: equivalent: the re-read below skips every record that is not pending
    for (const r of await this.list("pending")) {
      if (Date.parse(r.expiresAt) > now.getTime()) continue;
      const cur = await getJson(this.kv, r.id, ApprovalRecord);
      if (!cur || cur.value.status !== "pending") continue;
      let next: ApprovalRecord = { ...cur.value, status: "expired", decidedAt: now.toISOString() };
      if (this.deps.sign) next = { ...next, signature: this.deps.sign(this.outcomeOf(next)).signature };
      if ((await updateJson(this.kv, r.id, next, cur.revision)) !== null) {
        await this.publishOutcome(next);
        expired.push(r.id);
      }
    }
    return expired;
  }

  /** Publishes outcomes a crash left unpublished (the message id makes a repeat harmless). */
  async republishDecided(): Promise<number> {
    let n = 0;
    for (const r of await this.list()) {
      if (r.status !== "pending" && !r.published) {
        // One outcome that can never go out (over max_payload, logged) must not hold up the others.
        await this.publishOutcome(r).then(() => n++, () => undefined);
      }
    }
    return n;
  }

  private async transition(id: string, change: (r: ApprovalRecord, now: Date) => ApprovalRecord): Promise<ApprovalRecord> {
    for (let attempt = 0; attempt < 20; attempt++) {
      let cur: Awaited<ReturnType<typeof getJson<ApprovalRecord>>>;
      try {
        // Stryker disable next-line StringLiteral: the message is only matched by /not a valid id/ and replaced by the ApprovalError below
        cur = await getJson(this.kv, assertKey(id, "approval id"), ApprovalRecord);
      } catch (e) {
        if (e instanceof Error && /not a valid id/.test(e.message)) throw new ApprovalError("unknown", `no approval has the id ${JSON.stringify(id.slice(0, 80))}`);
        throw e;
      }
      if (!cur) throw new ApprovalError("unknown", `no approval has the id ${id}`);
      const now = this.deps.now();
      const r = cur.value;
      if (r.status === "pending" && Date.parse(r.expiresAt) <= now.getTime()) {
        let expired: ApprovalRecord = { ...r, status: "expired", decidedAt: now.toISOString() };
        if (this.deps.sign) expired = { ...expired, signature: this.deps.sign(this.outcomeOf(expired)).signature };
        if ((await updateJson(this.kv, id, expired, cur.revision)) === null) continue;
        await this.publishOutcome(expired);
        throw new ApprovalError("expired", `approval ${id} expired at ${r.expiresAt}; the action will not run`);
      }
      if (r.status !== "pending") {
        // Stryker disable next-line OptionalChaining: equivalent: reject() sets the status and rejectedBy together
        const who = r.status === "rejected" ? ` by ${r.rejectedBy?.by}` : r.status === "approved" ? ` by ${r.approvers.map((a) => a.by).join(", ")}` : "";
        throw new ApprovalError(r.status === "expired" ? "expired" : "decided", `approval ${id} is already ${r.status}${who}`);
      }
      let next = change(r, now);
      if (next === r) return r;
      if (next.status !== "pending" && this.deps.sign) next = { ...next, signature: this.deps.sign(this.outcomeOf(next)).signature };
      if ((await updateJson(this.kv, id, next, cur.revision)) === null) continue; // a concurrent approver won: re-read and re-apply
      // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent: publishOutcome itself returns for a pending record
      if (next.status !== "pending") await this.publishOutcome(next);
      return next;
    }
    throw new Error(`approval ${id} kept changing under concurrent updates; try again`);
  }

  /** The Approval block of the contract, as carried by the outcome decision. */
  static approvalOf(r: ApprovalRecord): Approval {
    return {
      id: r.id, digest: r.digest, requiredRole: r.requiredRole, approversRequired: r.approversRequired,
      expiresAt: r.expiresAt, approvers: r.approvers, rejectedBy: r.rejectedBy,
    };
  }

  /** The outcome as a decided message, carrying the record's signature when it has one. */
  private outcomeOf(r: ApprovalRecord): DecidedMessage {
    const orig = r.decided;
    const { signature: _decidersSignature, ...unsigned } = orig;
    return DecidedMessage.parse({
      ...unsigned,
      producer: this.deps.producer,
      timestamps: { ...orig.timestamps, decided: r.decidedAt ?? this.deps.now().toISOString() },
      decision: { ...orig.decision, status: r.status, approval: Approvals.approvalOf(r) },
      ...(r.signature ? { signature: r.signature } : {}),
    });
  }

  private async publishOutcome(r: ApprovalRecord): Promise<void> {
    // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent: every caller passes a decided record (transition, expireDue, republishDecided filter)
    if (r.status === "pending") return;
    const orig = r.decided;
    const msg = this.outcomeOf(r);
    // Retried with backoff, deduplicated by the message id, and checked against max_payload. The
    // record is already decided: when the stream stays away past the retries, the sweep
    // republishes it (published stays false), so the caller is not failed for it.
    try {
      await publishDurably(this.deps.js, {
        subject: this.deps.topo.subjects.decided, data: msg, msgId: approvalOutcomeMessageId(orig.alertId, r.status, r.id),
        headers: { [Headers.traceparent]: traceparent(orig.traceId), [Headers.alertId]: orig.alertId, [Headers.schema]: SchemaIds.decided },
      }, 4, this.deps.maxPayload?.());
    } catch (e) {
      if (classifyError(e) === "permanent") {
        this.deps.log.error({ alertId: orig.alertId, approvalId: r.id, err: errorMessage(e) }, "approval outcome cannot be published");
        throw e;
      }
      this.deps.log.warn({ alertId: orig.alertId, approvalId: r.id, err: errorMessage(e) }, "approval outcome not published yet; the sweep will republish it");
      return;
    }
    for (let i = 0; i < 10; i++) {
      const cur = await getJson(this.kv, r.id, ApprovalRecord);
      // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent: the CAS below marks it (again), or the next turn finds it marked
      if (!cur || cur.value.published) return;
      if ((await updateJson(this.kv, r.id, { ...cur.value, published: true }, cur.revision)) !== null) return;
    }
    this.deps.log.warn({ approvalId: r.id }, "approval outcome published but not marked; the sweep will republish it (deduplicated)");
  }
}
