/**
 * FAKE TheHive 5, for connector tests. Written from thehive4py 2.x (endpoints/alert.py: create,
 * get, update (PATCH), delete, find via POST /api/v1/query with listAlert + filter + page;
 * query/filters.py for the filter shapes; endpoints/user.py for /api/v1/user/current) and TheHive's
 * documented uniqueness rule: (type, source, sourceRef) identifies an alert, and a second create
 * with the same triple is refused with 400, not 409 (TheHive-Project/TheHive#1302, #1094).
 * Errors are `{type, message}` as TheHive sends them; the API key is a bearer token.
 * Cases (thehive4py endpoints/alert.py promote_to_case and merge_into_case, endpoints/case.py
 * create_comment): POST /api/v1/alert/{id}/case makes a case of an alert, POST
 * /api/v1/alert/{id}/merge/{caseId} adds an alert to a case, both answer the case and need
 * manageAlert/import (StrangeBee docs, "merge alerts"); an alert already in a case is refused with
 * 400 (TheHive-Project/TheHive#1738, "Prevent multiple merge of an alert").
 */
import { bearerOf, startHttpFake, type FakeAnswer, type HttpFake } from "./http-fake.js";

export interface HiveAlert {
  _id: string;
  _type: "Alert";
  type: string;
  source: string;
  sourceRef: string;
  title: string;
  description: string;
  severity: number;
  tags: string[];
  status: string;
  caseId?: string;
  observables: { dataType: string; data: string }[];
}

export interface HiveCase {
  _id: string;
  _type: "Case";
  number: number;
  title: string;
  severity: number;
  alertIds: string[];
  comments: string[];
}

export interface FakeTheHive extends HttpFake {
  alerts: HiveAlert[];
  cases: HiveCase[];
  dropNextCreateReply(): void;
}

export const HIVE_ALERT_STATUSES = ["New", "InProgress", "Imported", "FalsePositive", "Duplicated", "Ignored", "Other"];
const DATA_TYPES = ["hostname", "ip", "domain", "fqdn", "url", "hash", "mail", "filename", "other"];

const err = (status: number, type: string, message: string): FakeAnswer => ({ status, body: { type, message } });

type Filter = { _field?: string; _value?: unknown; _and?: Filter[]; _or?: Filter[]; _not?: Filter };

function matches(a: HiveAlert, f: Filter): boolean {
  if (f._and) return f._and.every((x) => matches(a, x));
  if (f._or) return f._or.some((x) => matches(a, x));
  if (f._not) return !matches(a, f._not);
  if (f._field) return (a as unknown as Record<string, unknown>)[f._field] === f._value;
  return true;
}

/** `dataTypes`: the observable types the instance knows (an admin can remove some in TheHive). */
export async function startFakeTheHive(o: { apiKey?: string; permissions?: string[]; dataTypes?: string[] } = {}): Promise<FakeTheHive> {
  const dataTypes = o.dataTypes ?? DATA_TYPES;
  const key = o.apiKey ?? "hive-key";
  const permissions = o.permissions ?? ["manageAlert/create", "manageAlert/update", "manageAlert/delete", "manageAlert/import", "manageCase/create"];
  const alerts: HiveAlert[] = [];
  const cases: HiveCase[] = [];
  let seq = 4096;
  let dropNext = false;
  const base = await startHttpFake((req) => {
    if (bearerOf(req) !== key) return err(401, "AuthenticationError", "Authentication failure");
    if (req.path === "/api/v1/user/current" && req.method === "GET") {
      return { status: 200, body: { _id: "~8", login: "secops@thehive.local", name: "SecOps", organisation: "SOC", profile: "analyst", permissions } };
    }
    if (req.path === "/api/v1/alert" && req.method === "POST") {
      if (!permissions.includes("manageAlert/create")) return err(403, "AuthorizationError", "Your are not authorized to create alert");
      const b = (req.json ?? {}) as Partial<HiveAlert> & { observables?: { dataType?: string; data?: string }[] };
      const missing = ["type", "source", "sourceRef", "title", "description"].filter((k) => typeof (b as Record<string, unknown>)[k] !== "string" || !(b as Record<string, string>)[k]);
      if (missing.length) return err(400, "AttributeCheckingError", `Attribute check failed: ${missing.map((m) => `${m} is missing`).join(", ")}`);
      if (b.severity !== undefined && ![1, 2, 3, 4].includes(b.severity)) return err(400, "AttributeCheckingError", `Attribute check failed: severity ${String(b.severity)} is not in 1..4`);
      for (const ob of b.observables ?? []) {
        if (!dataTypes.includes(String(ob.dataType))) return err(400, "BadRequestError", `Observable type ${String(ob.dataType)} not found`);
      }
      if (alerts.some((a) => a.type === b.type && a.source === b.source && a.sourceRef === b.sourceRef)) {
        return err(400, "CreateError", `Alert ${b.type}:${b.source}:${b.sourceRef} already exists`);
      }
      const alert: HiveAlert = {
        _id: `~${seq++}`, _type: "Alert", type: b.type!, source: b.source!, sourceRef: b.sourceRef!, title: b.title!, description: b.description!,
        severity: b.severity ?? 2, tags: b.tags ?? [], status: "New", observables: (b.observables ?? []) as HiveAlert["observables"],
      };
      alerts.push(alert);
      if (dropNext) {
        dropNext = false;
        return { status: 201, drop: true };
      }
      return { status: 201, body: alert };
    }
    if (req.path === "/api/v1/query" && req.method === "POST") {
      const q = (req.json as { query?: { _name?: string; from?: number; to?: number }[] } | undefined)?.query;
      if (!Array.isArray(q) || q[0]?._name !== "listAlert") return err(400, "BadRequestError", "the fake answers queries that start with listAlert");
      let out = alerts.slice();
      for (const step of q.slice(1)) {
        if (step._name === "filter") out = out.filter((a) => matches(a, step as Filter));
        else if (step._name === "page") out = out.slice(step.from ?? 0, step.to ?? out.length);
        else if (step._name !== "sort") return err(400, "BadRequestError", `unknown query step ${String(step._name)}`);
      }
      return { status: 200, body: out };
    }
    const promote = /^\/api\/v1\/alert\/([^/]+)\/case$/.exec(req.path);
    const merge = /^\/api\/v1\/alert\/([^/]+)\/merge\/([^/]+)$/.exec(req.path);
    if ((promote || merge) && req.method === "POST") {
      if (!permissions.includes("manageAlert/import")) return err(403, "AuthorizationError", "Your are not authorized to import alert");
      const id = decodeURIComponent((promote ?? merge)![1]!);
      const alert = alerts.find((a) => a._id === id);
      if (!alert) return err(404, "NotFoundError", `Alert ${id} not found`);
      if (alert.caseId) return err(400, "BadRequestError", `The alert ${id} has already been imported in case ${alert.caseId}`);
      let c: HiveCase | undefined;
      if (promote) {
        c = { _id: `~${seq++}`, _type: "Case", number: cases.length + 1, title: alert.title, severity: alert.severity, alertIds: [], comments: [] };
        cases.push(c);
      } else {
        const caseId = decodeURIComponent(merge![2]!);
        c = cases.find((x) => x._id === caseId);
        if (!c) return err(404, "NotFoundError", `Case ${caseId} not found`);
      }
      c.alertIds.push(alert._id);
      alert.caseId = c._id;
      alert.status = "Imported";
      return { status: promote ? 201 : 200, body: c };
    }
    const comment = /^\/api\/v1\/case\/([^/]+)\/comment$/.exec(req.path);
    if (comment && req.method === "POST") {
      const c = cases.find((x) => x._id === decodeURIComponent(comment[1]!));
      if (!c) return err(404, "NotFoundError", `Case ${comment[1]} not found`);
      const message = (req.json as { message?: unknown } | undefined)?.message;
      if (typeof message !== "string" || !message) return err(400, "AttributeCheckingError", "Attribute check failed: message is missing");
      c.comments.push(message);
      return { status: 201, body: { _id: `~${seq++}`, _type: "Comment", message } };
    }
    const m = /^\/api\/v1\/alert\/([^/]+)$/.exec(req.path);
    if (m) {
      const id = decodeURIComponent(m[1]!);
      const i = alerts.findIndex((a) => a._id === id);
      if (i < 0) return err(404, "NotFoundError", `Alert ${id} not found`);
      const alert = alerts[i]!;
      if (req.method === "GET") return { status: 200, body: alert };
      if (req.method === "PATCH") {
        if (!permissions.includes("manageAlert/update")) return err(403, "AuthorizationError", "Your are not authorized to update alert");
        const status = (req.json as { status?: string } | undefined)?.status;
        if (status !== undefined && !HIVE_ALERT_STATUSES.includes(status)) return err(400, "BadRequestError", `Alert status ${status} not found`);
        if (status) alert.status = status;
        return { status: 204 };
      }
      if (req.method === "DELETE") {
        if (!permissions.includes("manageAlert/delete")) return err(403, "AuthorizationError", "Your are not authorized to delete alert");
        alerts.splice(i, 1);
        return { status: 204 };
      }
    }
    return err(404, "NotFoundError", `${req.method} ${req.path} not found`);
  });
  return Object.assign(base, {
    alerts,
    cases,
    dropNextCreateReply() {
      dropNext = true;
    },
  });
}
