import { createJson, getJson, mutateJson } from "../../state/kv.js";
import { IsolationRecord } from "../../state/records.js";
import { validHostname } from "../targets.js";
import type { ActionModule } from "./types.js";

export const isolateHost: ActionModule<"ISOLATE_HOST"> = {
  action: "ISOLATE_HOST",
  target: (p) => validHostname(p.host),
  describe: (p) => `isolate host ${p.host}`,
  async apply(p, ctx) {
    const host = validHostname(p.host);
    const record: IsolationRecord = {
      host, ip: p.ip, reason: p.reason, alertId: ctx.msg.alertId, actionId: ctx.actionId,
      status: "isolated", isolatedAt: ctx.now.toISOString(), releasedAt: null, releasedBy: null,
    };
    if ((await createJson(ctx.buckets.isolations, host, record)) === null) {
      // Known host: isolate it again if it was released; a host already isolated stays as it is.
      await mutateJson<IsolationRecord>(ctx.buckets.isolations, host, IsolationRecord, (cur) => (cur.status === "isolated" ? undefined : record));
    }
    const stored = (await getJson(ctx.buckets.isolations, host, IsolationRecord))?.value ?? record;
    return {
      connector: "kv:isolations", localRef: host,
      summary: `host ${host} isolated`,
      details: { host, since: stored.isolatedAt, byAction: stored.actionId },
      compensation: { kind: "release", description: `release host ${host} from isolation`, ref: { host } },
    };
  },
  async compensate(c, ctx) {
    const host = String(c.ref.host);
    await mutateJson<IsolationRecord>(ctx.buckets.isolations, host, IsolationRecord, (cur) =>
      cur.status === "released" ? undefined : { ...cur, status: "released", releasedAt: ctx.now.toISOString(), releasedBy: ctx.by });
    return `host ${host} released`;
  },
};
