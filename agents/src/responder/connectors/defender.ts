import { z } from "zod";
import { defineConnector } from "./types.js";
import { ConnectorError, errorBody, httpCall, joinUrl } from "./http.js";
import { ClientCredentials } from "./oauth.js";
import { validHostname } from "../targets.js";

interface Machine {
  id?: unknown;
  computerDnsName?: unknown;
}
interface MachineAction {
  id?: unknown;
  type?: unknown;
  status?: unknown;
  requestorComment?: unknown;
}

/** OData string literal: quotes doubled. */
const odata = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Microsoft Defender for Endpoint machine isolation (api.security.microsoft.com). The machine is
 * found by name: `computerDnsName` holds the FQDN, so a bare host name is looked up with
 * `startswith(computerDnsName,'<host>')` and only an exact match or `<host>.<domain>` is kept.
 * The isolation comment carries the action id, so a retry finds its own pending or done request
 * (machine actions) instead of asking twice. Undo unisolates.
 */
export const defender = defineConnector({
  name: "defender",
  enabledBy: "DEFENDER_CLIENT_ID",
  env: {
    DEFENDER_CLIENT_ID: z.string().min(1),
    DEFENDER_CLIENT_SECRET: z.string({ error: "required with DEFENDER_CLIENT_ID: the app registration's client secret" }).min(1),
    DEFENDER_TENANT_ID: z.string({ error: "required with DEFENDER_CLIENT_ID: the Entra tenant id" }).regex(/^[A-Za-z0-9.-]{1,128}$/, "expected a tenant id (GUID) or domain"),
    DEFENDER_LOGIN_URL: z.url({ error: "expected the identity platform base URL" }).default("https://login.microsoftonline.com"),
    DEFENDER_API_URL: z.url({ error: "expected the Defender API base URL" }).default("https://api.security.microsoft.com"),
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

    async function list<T>(path: string): Promise<T[]> {
      try {
        return (await call("GET", path)).json<{ value?: T[] }>().value ?? [];
      } catch (e) {
        // The list APIs answer 404 when nothing is there (documented for /api/machines).
        if (e instanceof ConnectorError && e.http?.status === 404) return [];
        throw e;
      }
    }

    async function findMachine(host: string): Promise<{ id: string; name: string }> {
      const bare = !host.includes(".");
      const filter = bare ? `startswith(computerDnsName,${odata(host)})` : `computerDnsName eq ${odata(host)}`;
      const found = (await list<Machine>(`/api/machines?$filter=${encodeURIComponent(filter)}&$top=100`))
        .filter((m): m is { id: string; computerDnsName: string } => typeof m.id === "string" && typeof m.computerDnsName === "string")
        .filter((m) => {
          const name = m.computerDnsName.toLowerCase();
          return name === host || (bare && name.startsWith(`${host}.`));
        });
      if (found.length === 0) {
        throw new ConnectorError(`defender: no such machine: none is onboarded as ${bare ? `${host} or ${host}.<domain>` : host} (computerDnsName)`, false);
      }
      if (found.length > 1) {
        throw new ConnectorError(`defender: ${found.length} machines match ${host} (${found.map((m) => m.computerDnsName).slice(0, 5).join(", ")}); refusing to isolate an ambiguous target`, false);
      }
      return { id: found[0]!.id, name: found[0]!.computerDnsName };
    }

    /** An isolation this action already asked for (its id is in the comment), still pending or done. */
    async function ownIsolation(machineId: string, actionId: string): Promise<MachineAction | null> {
      const filter = `machineId eq ${odata(machineId)} and type eq 'Isolate'`;
      const actions = await list<MachineAction>(`/api/machineactions?$filter=${encodeURIComponent(filter)}`);
      return actions.find((a) => typeof a.requestorComment === "string" && a.requestorComment.includes(actionId) && ["Pending", "InProgress", "Succeeded"].includes(String(a.status))) ?? null;
    }

    return {
      name: "defender",
      actions: ["ISOLATE_HOST"],
      async perform(req) {
        if (req.parameters.action !== "ISOLATE_HOST") throw new Error("defender handles ISOLATE_HOST only");
        const host = validHostname(req.parameters.host);
        const machine = await findMachine(host);
        const done = (a: MachineAction, again: boolean) => ({
          ref: { machineId: machine.id, host: machine.name, machineActionId: typeof a.id === "string" ? a.id : null },
          summary: `Defender isolation requested for ${machine.name} (machine ${machine.id})${again ? " (already requested for this action)" : ""}`,
        });
        const earlier = await ownIsolation(machine.id, req.actionId);
        if (earlier) return done(earlier, true);
        try {
          const res = await call("POST", `/api/machines/${encodeURIComponent(machine.id)}/isolate`, {
            Comment: `SecOps action ${req.actionId} (alert ${req.alertId}): ${req.parameters.reason}`.slice(0, 1000),
            IsolationType: "Full",
          });
          return done(res.json<MachineAction>(), false);
        } catch (e) {
          const code = errorBody<{ error?: { code?: string; message?: string } }>(e)?.error;
          if (code?.code === "ActiveRequestAlreadyExists") {
            const mine = await ownIsolation(machine.id, req.actionId);
            if (mine) return done(mine, true);
            throw new ConnectorError(`defender: ${machine.name} already has an isolation request from someone else in progress (${code.message ?? "ActiveRequestAlreadyExists"}); not recorded as this action's`, false);
          }
          throw e;
        }
      },
      async undo(ref, ctx) {
        if (typeof ref.machineId !== "string") return;
        await call("POST", `/api/machines/${encodeURIComponent(ref.machineId)}/unisolate`, { Comment: `SecOps undo of ${ctx.actionId} by ${ctx.by}`.slice(0, 1000) });
      },
      async check() {
        try {
          await tokens.bearer();
        } catch (e) {
          const b = errorBody<{ error?: string; error_description?: string }>(e);
          throw new ConnectorError(`defender: no token for DEFENDER_CLIENT_ID in tenant ${cfg.DEFENDER_TENANT_ID}: ${b?.error ?? ""} ${b?.error_description?.split("\n")[0] ?? (e as Error).message}`.trim(), false);
        }
        const n = (await list<Machine>("/api/machines?$top=1")).length;
        return `token from ${cfg.DEFENDER_LOGIN_URL} for tenant ${cfg.DEFENDER_TENANT_ID}; machines API answers (${n ? "machines visible" : "no machine visible to this app"})`;
      },
    };
  },
});
