import { z } from "zod";
import type { Severity } from "@secops/contracts";
import { defineConnector } from "./types.js";
import { ConnectorError, errorBody, httpCall, joinUrl } from "./http.js";

const SEVERITY: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

interface HiveAlert {
  _id?: unknown;
  status?: unknown;
  caseId?: unknown;
}

/**
 * TheHive 5 (API v1): one alert per action. sourceRef is the action id; TheHive keeps
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
  },
  create(cfg, deps) {
    const call = (method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown) =>
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

    return {
      name: "thehive",
      actions: ["CREATE_TICKET"],
      async perform(req) {
        if (req.parameters.action !== "CREATE_TICKET") throw new Error("thehive handles CREATE_TICKET only");
        const p = req.parameters;
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
          return { ref: { thehiveAlertId: existing._id }, summary: `TheHive alert ${existing._id} (already created for this action)` };
        }
        const id = res.json<{ _id?: unknown }>()._id;
        if (typeof id !== "string") throw new ConnectorError("thehive: the alert was created but the answer has no _id", false);
        return { ref: { thehiveAlertId: id }, summary: `TheHive alert ${id}` };
      },

      async undo(ref) {
        if (typeof ref.thehiveAlertId !== "string") return;
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
        const needed = ["manageAlert/create", cfg.THEHIVE_UNDO === "delete" ? "manageAlert/delete" : "manageAlert/update"];
        const lacking = perms ? needed.filter((n) => !perms.includes(n)) : [];
        if (lacking.length) throw new ConnectorError(`thehive: user ${me.login ?? "?"} lacks the permission ${lacking.join(" and ")} (its profile needs it to create and undo alerts)`, false);
        await findBySourceRef("secops-connector-check");
        return `API v1: authenticated as ${me.login ?? "?"} in organisation ${me.organisation ?? "?"}; ${perms ? `has ${needed.join(", ")}` : "permissions not listed"}; alert query answers`;
      },
    };
  },
});
