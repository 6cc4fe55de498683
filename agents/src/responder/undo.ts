// Runs an action's compensating action through the ledger, under its own key, so that two
// undo requests for the same action (a double click, a retried API call) reverse it once.
import type { Execution } from "@secops/contracts";
import { errorMessage } from "../runtime/errors.js";
import { COMPENSATOR, moduleFor } from "./actions/index.js";
import type { ResponderCore } from "./core.js";
import { assertKey } from "../state/kv.js";
import { UndoError, type UndoResult } from "../state/undo-requests.js";

export { UndoError, type UndoResult };

export async function undoAction(core: ResponderCore, actionId: string, by: string): Promise<UndoResult> {
  try {
    assertKey(actionId, "action id");
  } catch {
    throw new UndoError("unknown", `no action has the id ${JSON.stringify(actionId.slice(0, 80))}`);
  }
  const who = by.trim();
  if (!who || who.length > 200) throw new UndoError("not_undoable", "the name of who undoes the action must be 1-200 characters");
  const cur = await core.ledger.get(actionId);
  if (!cur) throw new UndoError("unknown", `no action has the id ${actionId}`);
  const original = cur.value;
  if (original.mode === "shadow") throw new UndoError("not_undoable", `action ${actionId} ran in shadow mode; nothing changed, nothing to undo`);
  if (original.mode === "undo") throw new UndoError("not_undoable", `${actionId} is itself an undo`);
  if (original.state !== "done" || !original.compensation) {
    throw new UndoError("not_undoable", `action ${actionId} is ${original.state}; only a completed action can be undone`);
  }
  const comp = original.compensation;
  const undoId = `undo-${actionId}`;
  const claim = await core.ledger.claim({ actionId: undoId, alertId: original.alertId, fingerprint: original.fingerprint, action: original.action, target: original.target, mode: "undo" });
  if (claim.kind === "duplicate" && claim.entry.state === "done" && claim.entry.execution) {
    return { undoActionId: undoId, status: "duplicate", execution: { ...claim.entry.execution, status: "duplicate" } };
  }
  if (claim.kind !== "claimed") throw new UndoError("busy", `undo of ${actionId} is ${claim.kind === "busy" ? "running elsewhere" : "recorded as failed"}; try again later`);

  const actionType = COMPENSATOR[comp.kind];
  if (!actionType) throw new UndoError("failed", `unknown compensation ${comp.kind}`);
  const now = core.now();
  const done: string[] = [];
  try {
    done.push(await moduleFor(actionType).compensate(comp, { buckets: core.buckets, now, by: who, actionId }));
    const refs = (comp.ref.connectors ?? {}) as Record<string, Record<string, unknown>>;
    for (const c of core.connectors.get(actionType) ?? []) {
      if (!c.undo || !(c.name in refs)) continue;
      await c.undo(refs[c.name]!, { actionId, by: who });
      done.push(`${c.name}: reversed`);
    }
  } catch (e) {
    const error = errorMessage(e);
    const execution: Execution = {
      actionId: undoId, action: actionType, status: "failed", target: original.target, connector: "undo",
      summary: `undo failed: ${error}`.slice(0, 2000), details: { of: actionId, by: who, done }, undo: null, error,
    };
    await core.ledger.finish(claim, { execution, compensation: null, failed: true, retryable: true });
    throw new UndoError("failed", `undo of ${actionId} failed: ${error}`);
  }
  const execution: Execution = {
    actionId: undoId, action: actionType, status: "success", target: original.target, connector: "undo",
    summary: done.join("; ").slice(0, 2000), details: { of: actionId, by: who, compensation: comp.kind }, undo: null, error: null,
  };
  await core.ledger.finish(claim, { execution, compensation: null });
  await core.ledger.markUndone(actionId, { by: who, at: now.toISOString(), undoActionId: undoId });
  return { undoActionId: undoId, status: "success", execution };
}
