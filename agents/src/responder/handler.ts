// Executes decisions. Every effect goes through the ledger (claim, act, record), so calling
// `execute` again with the same message, concurrently or after a crash, acts at most once.
// Approved decisions run only when the approval record in KV matches the exact action.
import type { NatsConnection } from "@nats-io/transport-node";
import type { JetStreamClient } from "@nats-io/jetstream";
import { actionDigest, type DecidedMessage, type ActionParameters, type Execution, type Topology } from "@secops/contracts";
import type { Logger } from "../runtime/logger.js";
import { PermanentError, TransientError, classifyError, errorMessage } from "../runtime/errors.js";
import { openResponderBuckets, type ResponderBuckets } from "../state/buckets.js";
import { Ledger, actionIdFor, type ClaimResult, type FreshEntry } from "../state/ledger.js";
import type { ApprovalRecord, Compensation, LedgerEntry } from "../state/records.js";
import { ApprovalError, Approvals, distinctApprovers } from "../state/approvals.js";
import { moduleFor } from "./actions/index.js";
import type { ActionModule } from "./actions/types.js";
import { sweepExpiredBlocks } from "../state/blocklist.js";
import { buildConnectors } from "./connectors/index.js";
import { incidentCasesFor } from "./connectors/incident-cases.js";
import { responderSettings } from "./settings.js";
import { undoAction, type UndoResult } from "./undo.js";
import { loadSigner, type SignerName } from "../trust/signing.js";
import type { ResponderCore } from "./core.js";
import { TrustState } from "../trust/state.js";
import { loadPolicy, type Policy } from "../shared/policy.js";
import { neverBlockRefusal } from "./guard.js";
import { forcedShadow, isReplayNamespace } from "../shared/replay-namespace.js";

export interface ResponderDeps {
  nc: NatsConnection;
  js: JetStreamClient;
  topo: Topology;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  /** Whose key signs the approval outcomes this process publishes (agents/src/trust/signing.ts). */
  signAs?: SignerName;
  /** The policy the responder re-checks the never-block rules against (default: POLICY_FILE, as the decider reads it). */
  policy?: Policy;
}

export type ExecuteOutcome = { kind: "executed"; execution: Execution } | { kind: "pending"; approval: ApprovalRecord };

export interface Responder {
  /** Safe to call again for the same message: a repeat returns the stored outcome, another alert's repeat of the same effect "duplicate". Throws TransientError when a retry later may succeed. */
  execute(msg: DecidedMessage): Promise<ExecuteOutcome>;
  /** Expires due approvals, republishes unpublished approval outcomes, deletes expired blocks. */
  sweep(now?: Date): Promise<{ expiredApprovals: string[]; expiredBlocks: string[] }>;
  approvals: Approvals;
  ledger: Ledger;
  buckets: ResponderBuckets;
  undo(actionId: string, by: string): Promise<UndoResult>;
}

export type { ResponderCore };

export async function createResponder(deps: ResponderDeps): Promise<Responder> {
  const env = deps.env ?? process.env;
  const now = deps.now ?? (() => new Date());
  const settings = responderSettings(env);
  const connectors = buildConnectors(env, { log: deps.log, timeoutMs: settings.connectorTimeoutMs, cases: incidentCasesFor(deps.nc, deps.topo, env) });
  const buckets = await openResponderBuckets(deps.nc, deps.topo);
  const ledger = new Ledger(buckets.ledger, { instance: settings.instance, leaseMs: settings.leaseMs, now });
  const approvals = new Approvals(buckets.approvals, {
    js: deps.js, topo: deps.topo, log: deps.log, now,
    producer: { agent: "responder", version: "0.1.0", instance: settings.instance },
    sign: loadSigner(deps.signAs ?? "responder", env).sign,
    maxPayload: () => deps.nc.info?.max_payload,
  });
  const policy = deps.policy ?? loadPolicy(env.POLICY_FILE);
  const trust = await TrustState.open(deps.nc, deps.topo);
  const core: ResponderCore = { buckets, ledger, approvals, connectors, settings, log: deps.log, now, policy, trust };
  deps.log.info({ connectors: [...new Set([...connectors.values()].flat().map((c) => c.name))] }, "responder connectors");
  // A responder built for a replay namespace runs everything in shadow mode and undoes nothing (shared/replay-namespace.ts).
  const replay = isReplayNamespace(deps.topo.namespace);
  return {
    execute: (msg) => executeWith(core, replay ? forcedShadow(msg) : msg),
    async sweep(at = now()) {
      const expiredApprovals = await approvals.expireDue(at);
      await approvals.republishDecided();
      const expiredBlocks = await sweepExpiredBlocks(buckets.blocklist, at);
      return { expiredApprovals, expiredBlocks };
    },
    approvals, ledger, buckets,
    undo: (actionId, by) => replay
      ? Promise.reject(new PermanentError(`responder for replay namespace ${deps.topo.namespace}: nothing ran, nothing can be undone`))
      : undoAction(core, actionId, by),
  };
}

function targetOf(mod: ActionModule, p: ActionParameters, msg: DecidedMessage): string | null {
  return mod.target(p as never, msg);
}

function refused(msg: DecidedMessage, status: "failed" | "skipped", error: string, target: string | null = null): ExecuteOutcome {
  const d = msg.decision;
  let actionId: string;
  try {
    actionId = actionIdFor(msg.alert.fingerprint, d.action, target ?? targetOf(moduleFor(d.action), d.parameters, msg));
  } catch {
    actionId = actionIdFor(msg.alert.fingerprint, d.action, null);
  }
  return {
    kind: "executed",
    execution: { actionId, action: d.action, status, target, connector: "none", summary: error.slice(0, 2000), details: { decisionStatus: d.status, mode: d.mode }, undo: null, error },
  };
}

/** `msg` has been validated against the contract at the boundary (the stage runtime, or the caller). */
async function executeWith(core: ResponderCore, msg: DecidedMessage): Promise<ExecuteOutcome> {
  const d = msg.decision;
  if (d.action !== d.parameters.action) return refused(msg, "failed", `decision action ${d.action} does not match its parameters (${d.parameters.action})`);

  switch (d.status) {
    case "awaiting_approval":
      try {
        return { kind: "pending", approval: await core.approvals.createPendingApproval(msg) };
      } catch (e) {
        // A decision nobody may approve is a failure to report, not a message to retry.
        if (e instanceof ApprovalError) return refused(msg, "failed", e.message);
        throw e;
      }
    case "rejected":
      return refused(msg, "skipped", `not executed: rejected by ${d.approval?.rejectedBy?.by ?? "an approver"}`);
    case "expired":
      return refused(msg, "skipped", `not executed: the approval expired${d.approval ? ` at ${d.approval.expiresAt}` : ""}`);
    case "approved": {
      const checked = await checkApproval(core, msg);
      if (typeof checked === "string") {
        core.log.warn({ alertId: msg.alertId, problem: checked }, "approved decision refused");
        return refused(msg, "failed", checked);
      }
      // The record that was checked is the one whose approvers are named: one KV read, not two.
      return run(core, msg, "approved", checked.approvers.map((a) => a.by).join(", "), distinctApprovers(checked));
    }
    case "ready":
      if (d.mode === "shadow") return run(core, msg, "shadow", "responder");
      if (d.mode !== "auto") return refused(msg, "failed", `a decision in ${d.mode} mode cannot be ready; it must go through awaiting_approval`);
      if (d.tainted) return refused(msg, "failed", "the alert carried a prompt-injection attempt; its decision cannot run automatically");
      return run(core, msg, "auto", "responder");
  }
}

/** Why an approved decision must not run, or the approval record when it holds. Fails closed. */
async function checkApproval(core: ResponderCore, msg: DecidedMessage): Promise<string | ApprovalRecord> {
  const a = msg.decision.approval;
  if (!a) return "the decision says approved but carries no approval";
  const record = await core.approvals.get(a.id);
  if (!record) return `no approval ${a.id} exists; an approved decision must come from the approval service`;
  const digest = actionDigest(msg.decision.parameters);
  if (record.digest !== digest || a.digest !== digest) {
    return `the action differs from what was approved (approved digest ${record.digest}, decision digest ${a.digest}, action digest ${digest})`;
  }
  if (record.alertId !== msg.alertId) return `approval ${a.id} belongs to alert ${record.alertId}, not ${msg.alertId}`;
  if (record.status !== "approved") return `approval ${a.id} is ${record.status}, not approved`;
  if (distinctApprovers(record) < record.approversRequired) return `approval ${a.id} has ${distinctApprovers(record)} of ${record.approversRequired} required different approvers`;
  if (!record.decidedAt || Date.parse(record.decidedAt) > Date.parse(record.expiresAt)) return `approval ${a.id} was granted after it expired at ${record.expiresAt}`;
  return record;
}

/**
 * The answer when the ledger already holds this effect. For the same alert it is a redelivery
 * (for instance a replica died after acting but before publishing): the stored outcome is the
 * answer, unchanged, so the record says what happened. For another alert it is a duplicate.
 */
function duplicateOf(entry: LedgerEntry, msg: DecidedMessage): ExecuteOutcome {
  const prior = entry.execution;
  if (entry.alertId === msg.alertId && entry.state !== "claimed" && prior) return { kind: "executed", execution: prior };
  const execution: Execution = {
    actionId: entry.actionId,
    action: prior?.action ?? (entry.action as Execution["action"]),
    status: "duplicate",
    target: entry.target,
    connector: prior?.connector ?? "ledger",
    summary: `already handled at ${entry.finishedAt ?? entry.claimedAt}${entry.validUntil ? `, in force until ${entry.validUntil}` : ""}: ${prior?.summary ?? "(no outcome)"}`.slice(0, 2000),
    details: { original: prior, firstAlertId: entry.alertId, undone: entry.undone, validUntil: entry.validUntil ?? null },
    undo: prior?.undo ?? null,
    error: prior?.error ?? null,
  };
  return { kind: "executed", execution };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Claims the effect; a claim held by a live holder is asked again after a short, growing pause
 * (a holder usually finishes in milliseconds), then handed back as a TransientError whose delay
 * is capped by the holder's lease.
 */
async function claimEffect(core: ResponderCore, fresh: FreshEntry): Promise<Exclude<ClaimResult, { kind: "busy" }>> {
  let last: Extract<ClaimResult, { kind: "busy" }> | null = null;
  for (let attempt = 0; attempt < 6; attempt++) {
    const r = await core.ledger.claim(fresh);
    if (r.kind !== "busy") return r;
    last = r;
    await pause(Math.min(r.retryAfterMs, 50 * 2 ** attempt));
  }
  throw new TransientError(`action ${last!.entry.actionId} is being executed by ${last!.entry.claimedBy}; retrying shortly`, last!.retryAfterMs);
}

type StepResult = { summary: string; ref: Record<string, unknown> };

async function run(core: ResponderCore, msg: DecidedMessage, mode: "auto" | "shadow" | "approved", actor: string, approvers = 0): Promise<ExecuteOutcome> {
  const d = msg.decision;
  const mod = moduleFor(d.action);
  let target: string | null;
  try {
    target = targetOf(mod, d.parameters, msg);
  } catch (e) {
    return refused(msg, "failed", `invalid target: ${errorMessage(e)}`);
  }
  // The never-block rules, checked again on the responder's own (responder/guard.ts).
  const refusal = mode === "shadow" ? null : neverBlockRefusal(msg, core.policy, approvers);
  if (refusal) {
    const reason = `refused by the responder (${refusal.rule}): ${refusal.reason}; the decider should have stopped this`;
    core.log.warn({ alertId: msg.alertId, rule: refusal.rule, reason }, "security: the decider let a never-block rule through");
    await core.trust.recordEvent({ kind: "execution", alertId: msg.alertId, reason, reviewId: null }).catch((e: Error) => core.log.error({ err: e.message }, "could not record the security event"));
    return refused(msg, "failed", reason, target);
  }
  const effectId = actionIdFor(msg.alert.fingerprint, d.action, target);
  // Shadow runs have their own key: recording "would have done" must not block the real action later.
  const baseKey = mode === "shadow" ? `shadow-${effectId}` : effectId;
  const settings = { suppressionDays: core.settings.suppressionDays };
  const got = await claimEffect(core, { actionId: baseKey, alertId: msg.alertId, fingerprint: msg.alert.fingerprint, action: d.action, target, mode });
  if (got.kind === "duplicate") return duplicateOf(got.entry, msg);
  const { claim, resumed } = got;
  const key = claim.key;
  const base = { actionId: key, action: d.action, target };
  const now = core.now();
  if (mode === "shadow") {
    const lifetime = mod.lifetimeMs?.(d.parameters as never, settings) ?? null;
    const execution: Execution = {
      ...base, status: "shadow", connector: "shadow",
      summary: `shadow mode, nothing changed: would ${mod.describe(d.parameters as never, { settings })}`.slice(0, 2000),
      details: { wouldRun: [ "local", ...(core.connectors.get(d.action) ?? []).map((c) => c.name)], parameters: d.parameters },
      undo: null, error: null,
    };
    await core.ledger.finish(claim, { execution, compensation: null, validUntil: lifetime === null ? null : new Date(now.getTime() + lifetime).toISOString() });
    return { kind: "executed", execution };
  }

  claim.startHeartbeat();
  let compensation: Compensation | null = null;
  // Connector calls already done under this key (an earlier attempt that failed or died) are not
  // made again: not every target API deduplicates (TheHive refuses a second alert with the same sourceRef).
  const connectorResults: Record<string, StepResult> = {
    ...((claim.entry.execution?.details.connectors ?? {}) as Record<string, StepResult>),
    ...(claim.entry.steps ?? {}),
  };
  try {
    // Idempotent by action id: a resumed claim finds the record it already wrote and writes nothing.
    const effect = await mod.apply(d.parameters as never, { buckets: core.buckets, settings, now, actionId: key, msg, actor });
    compensation = effect.compensation;
    for (const c of core.connectors.get(d.action) ?? []) {
      if (connectorResults[c.name]) continue;
      if (claim.lost) throw new TransientError(`the claim on ${key} was taken over by another replica`);
      const req = {
        actionId: key, alertId: msg.alertId, parameters: d.parameters, localRef: effect.localRef,
        alert: {
          title: msg.alert.title, severity: msg.investigation.severity, category: msg.alert.category, fingerprint: msg.alert.fingerprint,
          format: msg.alert.format, time: msg.alert.time, mitre: msg.alert.mitre, host: msg.alert.host.name,
        },
      };
      // Outcome unknown (an earlier attempt died mid-call): read the target's own state first.
      const found = resumed && c.find ? await c.find(req) : null;
      const res = found ?? await c.perform(req);
      connectorResults[c.name] = res;
      await core.ledger.recordStep(claim, c.name, res);
    }
    compensation = { ...effect.compensation, ref: { ...effect.compensation.ref, connectors: Object.fromEntries(Object.entries(connectorResults).map(([n, r]) => [n, r.ref])) } };
    const execution: Execution = {
      ...base, status: "success",
      connector: [effect.connector, ...Object.keys(connectorResults)].join("+"),
      summary: [effect.summary, ...Object.values(connectorResults).map((r) => r.summary)].join("; ").slice(0, 2000),
      details: { ...effect.details, mode, by: actor, connectors: connectorResults, ...(resumed ? { resumed: true } : {}) },
      undo: { action: compensation.kind, description: compensation.description },
      error: null,
    };
    if (!(await core.ledger.finish(claim, { execution, compensation, validUntil: effect.validUntil ?? null }))) {
      const cur = await core.ledger.get(key);
      if (cur) return duplicateOf(cur.value, msg);
    }
    return { kind: "executed", execution };
  } catch (e) {
    if (e instanceof TransientError && /^could not record /.test(e.message)) {
      // The outcome could not be written even after retries: the claim stays ours, and the
      // redelivery resumes it (its effects are found in place, not applied again).
      core.ledger.release(claim);
      throw e;
    }
    const cls = classifyError(e);
    const retryable = cls !== "permanent";
    const error = errorMessage(e);
    const execution: Execution = {
      ...base, status: "failed", connector: Object.keys(connectorResults).join("+") || "local",
      summary: `failed: ${error}`.slice(0, 2000),
      details: { mode, by: actor, connectors: connectorResults, retryable, errorClass: cls },
      undo: compensation ? { action: compensation.kind, description: compensation.description } : null,
      error,
    };
    if (retryable) {
      // Not a final outcome: the next delivery takes the key over and reconciles before acting.
      core.log.warn({ alertId: msg.alertId, actionId: key, err: error, errorClass: cls }, "action failed; will retry");
      await core.ledger.finish(claim, { execution, compensation, failed: true, retryable: true }).catch(() => core.ledger.release(claim));
      throw new TransientError(`action ${key} failed and will be retried: ${error}`, undefined, { cause: e });
    }
    await core.ledger.finish(claim, { execution, compensation, failed: true, retryable: false });
    core.log.error({ alertId: msg.alertId, actionId: key, err: error }, "action failed");
    return { kind: "executed", execution };
  }
}
