/**
 * FAKE Microsoft Defender for Endpoint API and its Entra token endpoint, for connector tests.
 * Written from learn.microsoft.com/defender-endpoint/api: "List machines API" ($filter on
 * computerDnsName, $top; computerDnsName holds the FQDN; 404 when there are no machines), "OData
 * queries with Microsoft Defender for Endpoint" (eq, and `startswith(computerDnsName,'…')`), "Isolate
 * machine API" / "Release device from isolation API" (201 with a MachineAction; 400
 * ActiveRequestAlreadyExists while one is pending), "List MachineActions API" ($filter on machineId
 * and type; requestorComment), "Create an app to access Microsoft Defender for Endpoint without a
 * user" (client-credentials token from login.microsoftonline.com/<tenant>/oauth2/v2.0/token).
 * Errors are `{error: {code, message}}`; token errors `{error, error_description}` as Entra sends them.
 */
import { bearerOf, startHttpFake, type FakeAnswer, type FakeRequest, type HttpFake } from "./http-fake.js";

export interface DefenderMachine {
  id: string;
  computerDnsName: string;
  isolated: boolean;
}
export interface DefenderAction {
  id: string;
  type: "Isolate" | "Unisolate";
  machineId: string;
  status: "Pending" | "InProgress" | "Succeeded" | "Failed" | "Cancelled";
  requestorComment: string;
}

export interface FakeDefender extends HttpFake {
  machines: DefenderMachine[];
  actions: DefenderAction[];
}

const odataError = (status: number, code: string, message: string): FakeAnswer => ({ status, body: { error: { code, message, target: "fake" } } });

/** The OData subset the fake evaluates: `f eq 'v'`, `startswith(f,'v')`, joined by `and`. */
function odataFilter(expr: string): ((row: Record<string, unknown>) => boolean) | string {
  const tests: ((r: Record<string, unknown>) => boolean)[] = [];
  for (const clause of expr.split(/\s+and\s+/i)) {
    let m = /^(\w+)\s+eq\s+'((?:[^']|'')*)'$/.exec(clause.trim());
    if (m) {
      const [, f, v] = m;
      const value = v!.replace(/''/g, "'");
      // OData string comparison in this API is case-insensitive.
      tests.push((r) => String(r[f!] ?? "").toLowerCase() === value.toLowerCase());
      continue;
    }
    m = /^startswith\((\w+),\s*'((?:[^']|'')*)'\)$/i.exec(clause.trim());
    if (m) {
      const [, f, v] = m;
      const value = v!.replace(/''/g, "'").toLowerCase();
      tests.push((r) => String(r[f!] ?? "").toLowerCase().startsWith(value));
      continue;
    }
    return `Invalid filter clause: ${clause}`;
  }
  return (r) => tests.every((t) => t(r));
}

export async function startFakeDefender(o: { tenant?: string; clientId?: string; clientSecret?: string; machines?: { id: string; computerDnsName: string }[] } = {}): Promise<FakeDefender> {
  const tenant = o.tenant ?? "tenant-1";
  const clientId = o.clientId ?? "app";
  const secret = o.clientSecret ?? "sec";
  const machines: DefenderMachine[] = (o.machines ?? [
    { id: "1e5bc9d7e413ddd7902c2932e418702b84d0cc07", computerDnsName: "ws-md-1.corp.example.com" },
    { id: "7b4fa3c0e9d12a8b6f5e4d3c2b1a09f8e7d6c5b4", computerDnsName: "ws-md-10.corp.example.com" },
  ]).map((m) => ({ ...m, isolated: false }));
  const actions: DefenderAction[] = [];
  let seq = 0;
  const token = "md-token";

  const listOf = (req: FakeRequest, rows: Record<string, unknown>[]): FakeAnswer => {
    const filter = req.query.get("$filter");
    const test = filter ? odataFilter(filter) : () => true;
    if (typeof test === "string") return odataError(400, "InvalidRequestBody", test);
    const top = Number(req.query.get("$top") ?? 10000);
    return { status: 200, body: { "@odata.context": "https://api.security.microsoft.com/api/$metadata#Machines", value: rows.filter(test).slice(0, top) } };
  };

  const base = await startHttpFake((req) => {
    if (req.path === `/${tenant}/oauth2/v2.0/token` && req.method === "POST") {
      const form = new URLSearchParams(req.body);
      if (form.get("grant_type") !== "client_credentials") return { status: 400, body: { error: "unsupported_grant_type", error_description: "AADSTS70003: The app requested an unsupported grant type." } };
      if (form.get("client_id") !== clientId) return { status: 400, body: { error: "unauthorized_client", error_description: `AADSTS700016: Application with identifier '${form.get("client_id")}' was not found in the directory.` } };
      if (form.get("client_secret") !== secret) return { status: 401, body: { error: "invalid_client", error_description: "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID." } };
      return { status: 200, body: { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: token } };
    }
    if (req.path.endsWith("/oauth2/v2.0/token")) return { status: 400, body: { error: "invalid_tenant", error_description: "AADSTS90002: Tenant not found." } };
    if (bearerOf(req) !== token) return odataError(401, "Unauthorized", "Authorization header is missing or invalid");
    if (req.path === "/api/machines" && req.method === "GET") {
      return listOf(req, machines.map((m) => ({ id: m.id, computerDnsName: m.computerDnsName, healthStatus: "Active", onboardingStatus: "Onboarded" })));
    }
    if (req.path === "/api/machineactions" && req.method === "GET") return listOf(req, actions as unknown as Record<string, unknown>[]);
    const m = /^\/api\/machines\/([^/]+)\/(isolate|unisolate)$/.exec(req.path);
    if (m && req.method === "POST") {
      const machine = machines.find((x) => x.id === decodeURIComponent(m[1]!));
      if (!machine) return odataError(404, "ResourceNotFound", `Machine ${m[1]} was not found`);
      const type = m[2] === "isolate" ? "Isolate" : "Unisolate";
      const b = (req.json ?? {}) as { Comment?: unknown; IsolationType?: unknown };
      if (typeof b.Comment !== "string" || !b.Comment) return odataError(400, "InvalidRequestBody", "Comment is required");
      if (type === "Isolate" && b.IsolationType !== undefined && !["Full", "Selective", "UnManagedDevice"].includes(String(b.IsolationType))) return odataError(400, "InvalidRequestBody", "IsolationType must be Full, Selective or UnManagedDevice");
      if (actions.some((a) => a.machineId === machine.id && a.type === type && a.status === "Pending")) {
        return odataError(400, "ActiveRequestAlreadyExists", `Action is already in progress`);
      }
      const action: DefenderAction = { id: `ma-${++seq}`, type, machineId: machine.id, status: "Pending", requestorComment: b.Comment };
      actions.push(action);
      machine.isolated = type === "Isolate";
      return { status: 201, body: { ...action, "@odata.context": "https://api.security.microsoft.com/api/$metadata#MachineActions/$entity", computerDnsName: machine.computerDnsName } };
    }
    return odataError(404, "ResourceNotFound", `${req.method} ${req.path} not found`);
  });
  return Object.assign(base, { machines, actions });
}
