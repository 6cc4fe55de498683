import { createJson, getJson, mutateJson } from "../../state/kv.js";
import { ClosureRecord, SuppressionRecord } from "../../state/records.js";
import type { ActionModule } from "./types.js";
import { recordIdFor } from "../../shared/ids.js";

export const closeFalsePositive: ActionModule<"CLOSE_FALSE_POSITIVE"> = {
  action: "CLOSE_FALSE_POSITIVE",
  target: (_p, msg) => msg.alert.fingerprint,
  describe: (p, ctx) => `close as false positive and suppress the activity for ${ctx.settings.suppressionDays} days: ${p.reason}`,
  async apply(p, ctx) {
    const id = recordIdFor("CLS", ctx.actionId);
    const fingerprint = ctx.msg.alert.fingerprint;
    const until = ctx.settings.suppressionDays > 0 ? new Date(ctx.now.getTime() + ctx.settings.suppressionDays * 86400_000).toISOString() : null;
    const closure: ClosureRecord = {
      id, alertId: ctx.msg.alertId, fingerprint, title: ctx.msg.alert.title, reason: p.reason, evidence: p.evidence,
      by: ctx.actor, status: "closed", closedAt: ctx.now.toISOString(), reopenedAt: null, reopenedBy: null, suppressedUntil: until,
    };
    await createJson(ctx.buckets.closures, id, closure);
    const suppression: SuppressionRecord = { fingerprint, by: ctx.actor, reason: p.reason, until, closureId: id, actionId: ctx.actionId, createdAt: ctx.now.toISOString() };
    // Idempotent by action id: a retry finds its own suppression and writes nothing.
    const existing = await getJson(ctx.buckets.suppressions, fingerprint, SuppressionRecord);
    if (existing?.value.actionId !== ctx.actionId) await ctx.buckets.suppressions.put(fingerprint, JSON.stringify(suppression));
    return {
      connector: "kv:closures", localRef: id,
      summary: `alert closed as a false positive (${id}); the activity is suppressed${until ? ` until ${until}` : ""}`,
      details: { closureId: id, fingerprint, suppressedUntil: until },
      compensation: { kind: "reopen", description: `reopen ${id} and lift its suppression`, ref: { closureId: id, fingerprint } },
    };
  },
  async compensate(c, ctx) {
    const id = String(c.ref.closureId);
    const fingerprint = String(c.ref.fingerprint);
    const s = await getJson(ctx.buckets.suppressions, fingerprint, SuppressionRecord);
    // A later closure of the same activity owns the suppression now.
    if (s && s.value.closureId === id) await ctx.buckets.suppressions.delete(fingerprint, { previousSeq: s.revision });
    await mutateJson<ClosureRecord>(ctx.buckets.closures, id, ClosureRecord, (cur) =>
      cur.status === "reopened" ? undefined : { ...cur, status: "reopened", reopenedAt: ctx.now.toISOString(), reopenedBy: ctx.by });
    return `closure ${id} reopened and its suppression lifted`;
  },
};
