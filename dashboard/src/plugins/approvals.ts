// Approvals over HTTP: list and read for anyone who can reach the dashboard, approve and
// reject only with the bearer token. The same records and rules as `secops approve|reject`.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApprovalError, Approvals, approverKey, openStateBuckets, type ApprovalRecord } from "@secops/agents/state";
import { PIPELINE_VERSION } from "@secops/agents/runtime";
import { loadSigner } from "@secops/agents/trust";
import type { PluginOptions } from "../context.js";

const decideSchema = {
  params: { type: "object", properties: { id: { type: "string", maxLength: 128 } }, required: ["id"] },
  body: {
    type: ["object", "null"],
    additionalProperties: false,
    properties: {
      by: { type: "string", minLength: 1, maxLength: 128, description: "who decides, when no X-Secops-User header names them" },
      comment: { type: ["string", "null"], maxLength: 2000 },
    },
  },
} as const;

interface DecideRoute {
  Params: { id: string };
  Body: { by?: string; comment?: string | null } | null;
}

const SECOND_PERSON = (n: number) =>
  `counted as one approver: with the shared token every name typed counts as the same person, and this action needs ${n} different people. ` +
  "A second person must approve with their own identity: give each approver a token with DASHBOARD_USERS=alice:<token>:responder,bob:<token>:responder " +
  "(then the shared token no longer writes), or approve with `npx secops approve` under a per-person NATS user (NATS_USER).";

const HTTP_STATUS: Record<ApprovalError["code"], number> = { unknown: 404, expired: 410, decided: 409, invalid: 400 };

/** What the API shows: the record without the stored copy of the whole decided message. */
function view(r: ApprovalRecord) {
  const { decided, ...rest } = r;
  return {
    ...rest,
    approversCount: new Set(r.approvers.map((a) => approverKey(a.by))).size,
    alert: { title: decided.alert.title, severity: decided.investigation.severity, category: decided.alert.category, host: decided.alert.host.name },
    decision: { mode: decided.decision.mode, confidence: decided.decision.confidence, proposedBy: decided.decision.proposedBy, policy: decided.decision.policy },
  };
}

export default async function approvals(app: FastifyInstance, { ctx }: PluginOptions): Promise<void> {
  // The approval records and their rules, from the shared state; the outcome, signed by the
  // dashboard's key, goes back on alerts.decided.
  const { approvals: kv } = await openStateBuckets(ctx.nc, ctx.topo);
  const approvals = new Approvals(kv, {
    js: ctx.js, topo: ctx.topo, log: ctx.log, now: () => new Date(),
    producer: { agent: "dashboard", version: PIPELINE_VERSION, instance: "dashboard" },
    sign: loadSigner("dashboard", ctx.env ?? process.env).sign,
  });

  app.get<{ Querystring: { status?: "pending" | "approved" | "rejected" | "expired" } }>("/api/approvals", {
    schema: { querystring: { type: "object", properties: { status: { type: "string", enum: ["pending", "approved", "rejected", "expired"] } } } },
  }, async (req) => {
    const list = await approvals.list(req.query.status);
    return { approvals: list.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map(view) };
  });

  app.get<{ Params: { id: string } }>("/api/approvals/:id", async (req, reply) => {
    const r = await approvals.get(req.params.id);
    if (!r) return reply.code(404).send({ error: "not_found", message: `no approval has the id ${req.params.id.slice(0, 80)}` });
    return view(r);
  });

  const decide = (verb: "approve" | "reject") => async (req: FastifyRequest<DecideRoute>, reply: FastifyReply) => {
    // An authenticated user header names the person; otherwise the body may, else "api".
    const caller = ctx.callerOf(req);
    const typed = caller !== "api" ? caller : req.body?.by?.trim() || "api";
    // With the shared token a typed name is not an identity: every name from it is one person.
    const person = ctx.isPerson?.(req) ?? false;
    const by = person ? caller : `${typed} (shared token)`;
    const comment = req.body?.comment ?? null;
    // The policy names the role that may decide; enforced when tokens carry roles.
    const roles = ctx.rolesOf?.(req) ?? null;
    if (roles) {
      const record = await approvals.get(req.params.id);
      if (record && !roles.includes(record.requiredRole)) {
        return reply.code(403).send({ error: "forbidden", message: `${verb === "approve" ? "approving" : "rejecting"} ${record.id} needs the role "${record.requiredRole}"; ${by} holds ${roles.join(", ")}` });
      }
    }
    if (!person && verb === "approve") {
      const record = await approvals.get(req.params.id);
      if (record && record.status === "pending" && record.approversRequired > 1 && record.approvers.some((a) => approverKey(a.by) === approverKey(by))) {
        return reply.code(409).send({ error: "second_person_needed", message: SECOND_PERSON(record.approversRequired) });
      }
    }
    try {
      const r = verb === "approve"
        ? await approvals.approve(req.params.id, by, comment)
        : await approvals.reject(req.params.id, by, comment);
      if (!person && r.status === "pending" && r.approversRequired > 1) return { ...view(r), note: SECOND_PERSON(r.approversRequired) };
      return view(r);
    } catch (e) {
      if (e instanceof ApprovalError) return reply.code(HTTP_STATUS[e.code]).send({ error: e.code, message: e.message });
      throw e;
    }
  };

  app.post<DecideRoute>("/api/approvals/:id/approve", { preHandler: ctx.requireAuth, schema: decideSchema }, decide("approve"));
  app.post<DecideRoute>("/api/approvals/:id/reject", { preHandler: ctx.requireAuth, schema: decideSchema }, decide("reject"));
}
