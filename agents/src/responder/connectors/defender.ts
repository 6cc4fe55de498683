import { z } from "zod";
import { defineConnector } from "./types.js";
import { ConnectorError, httpCall, joinUrl } from "./http.js";
import { ClientCredentials } from "./oauth.js";
import { validHostname } from "../targets.js";

/** Microsoft Defender for Endpoint machine isolation, found by DNS name. Undo unisolates. */
export const defender = defineConnector({
  name: "defender",
  enabledBy: "DEFENDER_CLIENT_ID",
  env: {
    DEFENDER_CLIENT_ID: z.string().min(1),
    DEFENDER_CLIENT_SECRET: z.string({ error: "required with DEFENDER_CLIENT_ID: the app registration's client secret" }).min(1),
    DEFENDER_TENANT_ID: z.string({ error: "required with DEFENDER_CLIENT_ID: the Entra tenant id" }).regex(/^[A-Za-z0-9.-]{1,128}$/, "expected a tenant id (GUID) or domain"),
    DEFENDER_LOGIN_URL: z.url({ error: "expected the identity platform base URL" }).default("https://login.microsoftonline.com"),
    DEFENDER_API_URL: z.url({ error: "expected the Defender API base URL" }).default("https://api.securitycenter.microsoft.com"),
    DEFENDER_SCOPE: z.string().min(1).default("https://api.securitycenter.microsoft.com/.default"),
  },
  create(cfg, deps) {
    const tokens = new ClientCredentials({
      connector: "defender", timeoutMs: deps.timeoutMs,
      tokenUrl: joinUrl(cfg.DEFENDER_LOGIN_URL, `/${encodeURIComponent(cfg.DEFENDER_TENANT_ID)}/oauth2/v2.0/token`),
      form: { client_id: cfg.DEFENDER_CLIENT_ID, client_secret: cfg.DEFENDER_CLIENT_SECRET, grant_type: "client_credentials", scope: cfg.DEFENDER_SCOPE },
    });
    const call = async (method: "GET" | "POST", path: string, body?: unknown) =>
      httpCall({ connector: "defender", method, url: joinUrl(cfg.DEFENDER_API_URL, path), timeoutMs: deps.timeoutMs, headers: { authorization: `Bearer ${await tokens.bearer()}` }, body });
    return {
      name: "defender",
      actions: ["ISOLATE_HOST"],
      async perform(req) {
        if (req.parameters.action !== "ISOLATE_HOST") throw new Error("defender handles ISOLATE_HOST only");
        const host = validHostname(req.parameters.host);
        const found = await call("GET", `/api/machines?$filter=${encodeURIComponent(`computerDnsName eq '${host}'`)}`);
        const machines = (found.json<{ value?: { id?: unknown }[] }>().value ?? []).map((m) => m.id).filter((x): x is string => typeof x === "string");
        if (machines.length === 0) throw new ConnectorError(`defender: no machine has the DNS name ${host}`, false);
        if (machines.length > 1) throw new ConnectorError(`defender: ${machines.length} machines have the DNS name ${host}; refusing to isolate an ambiguous target`, false);
        const id = machines[0]!;
        const res = await call("POST", `/api/machines/${encodeURIComponent(id)}/isolate`, {
          Comment: `SecOps action ${req.actionId} (alert ${req.alertId}): ${req.parameters.reason}`.slice(0, 1000),
          IsolationType: "Full",
        });
        const machineActionId = res.json<{ id?: unknown }>().id;
        return { ref: { machineId: id, host, machineActionId: typeof machineActionId === "string" ? machineActionId : null }, summary: `Defender isolation requested for ${host} (machine ${id})` };
      },
      async undo(ref, ctx) {
        if (typeof ref.machineId !== "string") return;
        await call("POST", `/api/machines/${encodeURIComponent(ref.machineId)}/unisolate`, { Comment: `SecOps undo of ${ctx.actionId} by ${ctx.by}`.slice(0, 1000) });
      },
    };
  },
});
