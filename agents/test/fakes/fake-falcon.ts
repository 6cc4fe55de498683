/**
 * FAKE CrowdStrike Falcon API, for connector tests. Written from falconpy (the Hosts service
 * class: QueryDevicesByFilter GET /devices/queries/devices/v1, GetDeviceDetailsV2 GET
 * /devices/entities/devices/v2?ids=, PerformActionV2 POST /devices/entities/devices-actions/v2
 * with action_name contain | lift_containment; OAuth2 POST /oauth2/token with a form
 * client_id/client_secret answering 201) and CrowdStrike's FQL documentation. FQL string equality
 * minds the case here, as CrowdStrike's host-lookup sample warns: `hostname:'ws-1'` does not find
 * WS-1. `field:['a','b']` is "any of". Errors are `{meta, errors: [{code, message}], resources: []}`.
 */
import { bearerOf, startHttpFake, type FakeAnswer, type HttpFake } from "./http-fake.js";

export interface FalconDevice {
  device_id: string;
  hostname: string;
  status: "normal" | "containment_pending" | "contained" | "lift_containment_pending";
}

export interface FakeFalcon extends HttpFake {
  devices: FalconDevice[];
}

const fail = (status: number, message: string): FakeAnswer => ({ status, body: { meta: { query_time: 0.001, trace_id: "fake" }, errors: [{ code: status, message }], resources: [] } });
const ok = (status: number, resources: unknown[]): FakeAnswer => ({ status, body: { meta: { query_time: 0.001, trace_id: "fake" }, errors: [], resources } });

/** The FQL subset: `hostname:'v'` and `hostname:['a','b']`, exact and case-sensitive. */
function parseFql(filter: string): string[] | string {
  const one = /^hostname:'((?:[^'\\]|\\.)*)'$/.exec(filter);
  if (one) return [one[1]!.replace(/\\(.)/g, "$1")];
  const many = /^hostname:\[\s*('(?:[^'\\]|\\.)*'(?:\s*,\s*'(?:[^'\\]|\\.)*')*)\s*\]$/.exec(filter);
  if (many) return [...many[1]!.matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((m) => m[1]!.replace(/\\(.)/g, "$1"));
  return `Invalid filter: ${filter}`;
}

export async function startFakeFalcon(o: { clientId?: string; clientSecret?: string; devices?: { device_id: string; hostname: string }[] } = {}): Promise<FakeFalcon> {
  const devices: FalconDevice[] = (o.devices ?? [{ device_id: "5a2f0c8e9b1d4e7f8a3b6c9d0e1f2a3b", hostname: "WS-CS-1" }]).map((d) => ({ ...d, status: "normal" }));
  const token = "cs-token";
  const base = await startHttpFake((req) => {
    if (req.path === "/oauth2/token" && req.method === "POST") {
      const form = new URLSearchParams(req.body);
      if (form.get("client_id") !== (o.clientId ?? "cid") || form.get("client_secret") !== (o.clientSecret ?? "csecret")) return fail(403, "Failed to issue access token - Not Authorized");
      return { status: 201, body: { access_token: token, token_type: "bearer", expires_in: 1799 } };
    }
    if (bearerOf(req) !== token) return fail(401, "access denied, invalid bearer token");
    if (req.path === "/devices/queries/devices/v1" && req.method === "GET") {
      const filter = req.query.get("filter");
      if (!filter) return ok(200, devices.slice(0, Number(req.query.get("limit") ?? 100)).map((d) => d.device_id));
      const names = parseFql(filter);
      if (typeof names === "string") return fail(400, names);
      return ok(200, devices.filter((d) => names.includes(d.hostname)).map((d) => d.device_id));
    }
    if (req.path === "/devices/entities/devices/v2" && req.method === "GET") {
      const ids = req.query.getAll("ids");
      return ok(200, devices.filter((d) => ids.includes(d.device_id)));
    }
    if (req.path === "/devices/entities/devices-actions/v2" && req.method === "POST") {
      const action = req.query.get("action_name");
      const ids = ((req.json ?? {}) as { ids?: unknown }).ids;
      if (!Array.isArray(ids) || ids.length === 0) return fail(400, "ids is required");
      if (action !== "contain" && action !== "lift_containment") return fail(400, `Invalid action_name: ${String(action)}`);
      const found = devices.filter((d) => ids.includes(d.device_id));
      if (found.length !== ids.length) return fail(404, "Device not found");
      for (const d of found) d.status = action === "contain" ? "containment_pending" : "lift_containment_pending";
      return ok(202, found.map((d) => ({ id: d.device_id, path: "" })));
    }
    return fail(404, `${req.method} ${req.path} not found`);
  });
  return Object.assign(base, { devices });
}
