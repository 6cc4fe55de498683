import { createJson, mutateJson } from "../../state/kv.js";
import { ReviewRecord } from "../../state/records.js";
import type { ActionModule } from "./types.js";
import { recordIdFor } from "../../shared/ids.js";

export const manualReview: ActionModule<"MANUAL_REVIEW"> = {
  action: "MANUAL_REVIEW",
  target: () => null,
  describe: (p) => `queue for manual review: ${p.reason}`,
  async apply(p, ctx) {
    const id = recordIdFor("REV", ctx.actionId);
    const record: ReviewRecord = {
      id, alertId: ctx.msg.alertId, title: ctx.msg.alert.title, severity: ctx.msg.investigation.severity,
      reason: p.reason, questions: p.questions, status: "open", createdAt: ctx.now.toISOString(), dismissedAt: null, dismissedBy: null,
    };
    await createJson(ctx.buckets.reviews, id, record);
    return {
      connector: "kv:reviews", localRef: id,
      summary: `review ${id} queued: ${p.reason}`,
      details: { reviewId: id },
      compensation: { kind: "dismiss_review", description: `dismiss review ${id}`, ref: { reviewId: id } },
    };
  },
  async compensate(c, ctx) {
    const id = String(c.ref.reviewId);
    await mutateJson<ReviewRecord>(ctx.buckets.reviews, id, ReviewRecord, (cur) =>
      cur.status === "dismissed" ? undefined : { ...cur, status: "dismissed", dismissedAt: ctx.now.toISOString(), dismissedBy: ctx.by });
    return `review ${id} dismissed`;
  },
};
