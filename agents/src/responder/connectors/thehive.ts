import { z } from "zod";
import type { Severity } from "@secops/contracts";
import type { Incident } from "@secops/contracts";
import { defineConnector, type ConnectorRequest } from "./types.js";
import type { IncidentCases } from "./incident-cases.js";
import { ConnectorError, errorBody, httpCall, joinUrl } from "./http.js";

const SEVERITY: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

interface HiveAlert {
  _id?: unknown;
  status?: unknown;
  caseId?: unknown;
}

/**
 * TheHive 5 (API v1): one alert per action. When the alert belongs to an incident (the
 * correlator's, see incident-cases.ts) that already has a case, the new TheHive alert is merged
 * into that case (POST /api/v1/alert/{id}/merge/{caseId}, thehive4py's merge_into_case) instead of
 * standing alone; when the incident's earlier alert is still a bare TheHive alert, it is promoted
 * to the incident's case first (POST /api/v1/alert/{id}/case) with THEHIVE_INCIDENT_CASE=promote,
 * or left for an analyst to open one with =existing. Both need manageAlert/import. sourceRef is the action id; TheHive keeps
 * (type, source, sourceRef) unique and refuses a second create with 400, so a retried create
 * (its first reply lost) looks the alert up by sourceRef and records it as the outcome.
 * Undo closes the alert with THEHIVE_CLOSE_STATUS, or deletes it with THEHIVE_UNDO=delete.
 */
export const thehive = defineConnector({
  name: "thehive",
  enabledBy: "THEHIVE_URL",
  env: {
    THEHIVE_URL: z.url({ error: "expected the TheHive base URL, e.g. https://thehive.example.org" }),
    THEHIVE_API_KEY: z.string({ error: "required with THEHIVE_URL: an API key of a user allowed to create alerts" }).min(1),
    THEHIVE_ALERT_TYPE: z.string().min(1).default("secops-pipeline"),
    THEHIVE_SOURCE: z.string().min(1).default("secops"),
    THEHIVE_UNDO: z.enum(["close", "delete"], { error: "expected close (set the alert's status) or delete" }).default("close"),
    THEHIVE_CLOSE_STATUS: z.string().min(1).default("Ignored"),
    THEHIVE_INCIDENT_CASE: z.enum(["promote", "existing"], { error: "expected promote (an incident's first alert becomes its case when a second arrives) or existing (merge only into a case an analyst opened)" }).default("promote"),
  },
  create(cfg, deps) {
    const call = (method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown): ReturnType<typeof httpCall> =>
      httpCall({ connector: "thehive", method, url: joinUrl(cfg.THEHIVE_URL, path), timeoutMs: deps.timeoutMs, headers: { authorization: `Bearer ${cfg.THEHIVE_API_KEY}` }, body });

    /** thehive4py's alert.find: listAlert, filter on the uniqueness triple, first page of one. */
    async function findBySourceRef(sourceRef: string): Promise<HiveAlert | null> {
      const res = await call("POST", "/api/v1/query?name=find-alert-by-sourceref", {
        query: [
          { _name: "listAlert" },
          { _name: "filter", _and: [{ _field: "sourceRef", _value: sourceRef }, { _field: "type", _value: cfg.THEHIVE_ALERT_TYPE }, { _field: "source", _value: cfg.THEHIVE_SOURCE }] },
          { _name: "page", from: 0, to: 1 },
        ],
      });
      const list = res.json<unknown>();
      return Array.isArray(list) && list.length ? (list[0] as HiveAlert) : null;
    }

    /** Creates this action's alert, or finds it when an earlier attempt created it (TheHive's 400 on the uniqueness triple). */
    async function createAlert(req: ConnectorRequest): Promise<{ id: string; again: boolean; caseId?: string }> {
      const p = req.parameters as Extract<ConnectorRequest["parameters"], { action: "CREATE_TICKET" }>;
      let res;
      try {
        res = await call("POST", "/api/v1/alert", {
          type: cfg.THEHIVE_ALERT_TYPE,
          source: cfg.THEHIVE_SOURCE,
          sourceRef: req.actionId,
          title: p.title,
          description: p.description || p.title,
          severity: SEVERITY[p.priority],
          tags: ["secops", `alert:${req.alert.category}`, ...req.alert.mitre.map((t) => `mitre:${t}`)],
          observables: p.assets.map((a) => ({ dataType: "hostname", data: a })),
        });
      } catch (e) {
        if (!(e instanceof ConnectorError) || e.http?.status !== 400) throw e;
        // 400 is also TheHive's "already exists": an earlier attempt created it. Anything else stays an error.
        const existing = await findBySourceRef(req.actionId);
        if (!existing || typeof existing._id !== "string") {
          const b = errorBody<{ type?: string; message?: string }>(e);
          throw new ConnectorError(`thehive: creating the alert failed (400${b?.type ? ` ${b.type}` : ""}): ${b?.message ?? e.message}`, false, e.http);
        }
        return { id: existing._id, again: true, ...(typeof existing.caseId === "string" && existing.caseId ? { caseId: existing.caseId } : {}) };
      }
      const id = res.json<{ _id?: unknown }>()._id;
      if (typeof id !== "string") throw new ConnectorError("thehive: the alert was created but the answer has no _id", false);
      return { id, again: false };
    }

    /** The open incident of the alert; a lookup that fails leaves the alert standing alone, said in the log. */
    async function incidentOf(alertId: string) {
      if (!deps.cases) return null;
      try {
        return await deps.cases.incidentOf(alertId);
      } catch (e) {
        deps.log.warn({ alertId, err: (e as Error).message }, "thehive: cannot read the alert's incident; its alert is not attached to a case");
        return null;
      }
    }

    async function remember(r: { kind: "alert" | "case"; ref: string; incidentId: string | null }, req: ConnectorRequest) {
      await deps.cases?.recordTicket({ connector: "thehive", ...r, alertId: req.alertId, actionId: req.actionId, at: new Date().toISOString() })
        .catch((e: unknown) => deps.log.warn({ err: (e as Error).message }, "thehive: cannot record the alert's TheHive id for its incident"));
    }

    /**
     * The case of the incident, or null when this alert is (so far) the incident's only one at
     * TheHive. An earlier alert that is not in a case yet is promoted to be the incident's case
     * (THEHIVE_INCIDENT_CASE=promote).
     */
    async function incidentCase(incidentId: string, cases: IncidentCases, req: ConnectorRequest, ownId: string, incident: Incident): Promise<string | null> {
      const base = { connector: "thehive" as const, incidentId, alertId: req.alertId, actionId: req.actionId };
      for (let attempt = 0; attempt < 3; attempt++) {
        let rec = await cases.caseOf("thehive", incident, req.alertId);
        if (!rec) {
          rec = await cases.claim({ ...base, kind: "alert", ref: ownId, at: new Date().toISOString() });
          await remember({ kind: "alert", ref: ownId, incidentId }, req);
          if (rec.ref === ownId) return null;
        }
        if (rec.kind === "case") return rec.ref;
        if (rec.ref === ownId) return null;
        // An earlier alert of the incident: its case, if an analyst (or another alert) made one; else promote it.
        const earlier = (await call("GET", `/api/v1/alert/${encodeURIComponent(rec.ref)}`)).json<HiveAlert>();
        let caseId = typeof earlier.caseId === "string" && earlier.caseId ? earlier.caseId : null;
        if (!caseId && cfg.THEHIVE_INCIDENT_CASE === "existing") return null;
        if (!caseId) {
          try {
            const made = (await call("POST", `/api/v1/alert/${encodeURIComponent(rec.ref)}/case`, {})).json<{ _id?: unknown }>();
            if (typeof made._id !== "string") throw new ConnectorError("thehive: the case was created from the alert but the answer has no _id", false);
            caseId = made._id;
          } catch (e) {
            // Another alert of the incident promoted it a moment ago: read which case it became.
            if (!(e instanceof ConnectorError) || e.http?.status !== 400) throw e;
            continue;
          }
        }
        // The record moves from the earlier alert to its case (or names a case another alert recorded first).
        const won = await cases.claim({ ...base, kind: "case", ref: caseId, at: new Date().toISOString() });
        return won.kind === "case" ? won.ref : caseId;
      }
      throw new ConnectorError(`thehive: the case of incident ${incidentId} kept changing; will retry`, true);
    }

    return {
      name: "thehive",
      actions: ["CREATE_TICKET"],
      async perform(req) {
        if (req.parameters.action !== "CREATE_TICKET") throw new Error("thehive handles CREATE_TICKET only");
        const created = await createAlert(req);
        const id = created.id;
        const incident = await incidentOf(req.alertId);
        if (!incident) {
          await remember({ kind: "alert", ref: id, incidentId: null }, req);
          return { ref: { thehiveAlertId: id }, summary: `TheHive alert ${id}${created.again ? " (already created for this action)" : ""}` };
        }
        const caseId = await incidentCase(incident.incidentId, deps.cases!, req, id, incident);
        if (!caseId) return { ref: { thehiveAlertId: id }, summary: `TheHive alert ${id}${created.again ? " (already created for this action)" : ""} (the first of incident ${incident.incidentId})` };
        // A retry finds the alert already in the case (TheHive refuses a second merge of one alert).
        const current = created.caseId ?? (await call("GET", `/api/v1/alert/${encodeURIComponent(id)}`)).json<HiveAlert>().caseId;
        if (current !== caseId) {
          try {
            await call("POST", `/api/v1/alert/${encodeURIComponent(id)}/merge/${encodeURIComponent(caseId)}`);
          } catch (e) {
            if (e instanceof ConnectorError && e.http?.status === 404) {
              // The incident's case is gone (deleted in TheHive): the alert stands on its own rather than failing.
              deps.log.warn({ caseId, incidentId: incident.incidentId, alert: id }, "thehive: the incident's case no longer exists; the alert stays on its own");
              return { ref: { thehiveAlertId: id }, summary: `TheHive alert ${id} (case ${caseId} of incident ${incident.incidentId} no longer exists)` };
            }
            if (e instanceof ConnectorError && (e.http?.status === 403)) throw new ConnectorError(`thehive: adding alert ${id} to case ${caseId} of incident ${incident.incidentId} was refused (403): the API key's profile needs manageAlert/import`, false, e.http);
            throw e;
          }
        }
        return { ref: { thehiveAlertId: id, thehiveCaseId: caseId, incidentId: incident.incidentId }, summary: `TheHive alert ${id} added to case ${caseId} of incident ${incident.incidentId}` };
      },

      async undo(ref, ctx) {
        if (typeof ref.thehiveAlertId !== "string") return;
        if (typeof ref.thehiveCaseId === "string") {
          // Added to the incident's case: the case is the analysts' now, so the undo is said there, not done to it.
          await call("POST", `/api/v1/case/${encodeURIComponent(ref.thehiveCaseId)}/comment`, {
            message: `SecOps: action ${ctx.actionId} was undone by ${ctx.by}; its alert ${ref.thehiveAlertId} no longer stands for a response in this case.`,
          });
          return;
        }
        const path = `/api/v1/alert/${encodeURIComponent(ref.thehiveAlertId)}`;
        let alert: HiveAlert;
        try {
          alert = (await call("GET", path)).json<HiveAlert>();
        } catch (e) {
          if (e instanceof ConnectorError && e.http?.status === 404) return; // deleted already: nothing left to undo
          throw e;
        }
        if (typeof alert.caseId === "string" && alert.caseId) {
          throw new ConnectorError(`thehive: alert ${ref.thehiveAlertId} was imported into case ${alert.caseId}; an analyst owns it now, close the case in TheHive`, false);
        }
        if (cfg.THEHIVE_UNDO === "delete") await call("DELETE", path);
        else if (alert.status !== cfg.THEHIVE_CLOSE_STATUS) await call("PATCH", path, { status: cfg.THEHIVE_CLOSE_STATUS });
      },

      async check() {
        let me: { login?: string; organisation?: string; permissions?: unknown };
        try {
          me = (await call("GET", "/api/v1/user/current")).json();
        } catch (e) {
          if (e instanceof ConnectorError && e.http?.status === 401) throw new ConnectorError("thehive: THEHIVE_API_KEY was refused (401 AuthenticationError)", false, e.http);
          throw e;
        }
        const perms = Array.isArray(me.permissions) ? me.permissions.filter((x): x is string => typeof x === "string") : null;
        const needed = ["manageAlert/create", cfg.THEHIVE_UNDO === "delete" ? "manageAlert/delete" : "manageAlert/update", ...(deps.cases ? ["manageAlert/import"] : [])];
        const lacking = perms ? needed.filter((n) => !perms.includes(n)) : [];
        if (lacking.length) throw new ConnectorError(`thehive: user ${me.login ?? "?"} lacks the permission ${lacking.join(" and ")} (its profile needs it to create and undo alerts)`, false);
        await findBySourceRef("secops-connector-check");
        return `API v1: authenticated as ${me.login ?? "?"} in organisation ${me.organisation ?? "?"}; ${perms ? `has ${needed.join(", ")}` : "permissions not listed"}; alert query answers`;
      },
    };
  },
});
