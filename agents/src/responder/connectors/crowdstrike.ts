import { z } from "zod";
import { defineConnector } from "./types.js";
import { ConnectorError, httpCall, joinUrl } from "./http.js";
import { ClientCredentials } from "./oauth.js";
import { validHostname } from "../targets.js";

/** CrowdStrike Falcon network containment of a host, found by host name. Undo lifts it. */
export const crowdstrike = defineConnector({
  name: "crowdstrike",
  enabledBy: "FALCON_CLIENT_ID",
  env: {
    FALCON_CLIENT_ID: z.string().min(1),
    FALCON_CLIENT_SECRET: z.string({ error: "required with FALCON_CLIENT_ID: the API client secret" }).min(1),
    FALCON_BASE_URL: z.url({ error: "expected the Falcon API base URL, e.g. https://api.eu-1.crowdstrike.com" }).default("https://api.crowdstrike.com"),
  },
  create(cfg, deps) {
    const tokens = new ClientCredentials({
      connector: "crowdstrike", tokenUrl: joinUrl(cfg.FALCON_BASE_URL, "/oauth2/token"), timeoutMs: deps.timeoutMs,
      form: { client_id: cfg.FALCON_CLIENT_ID, client_secret: cfg.FALCON_CLIENT_SECRET },
    });
    const call = async (method: "GET" | "POST", path: string, body?: unknown) =>
      httpCall({ connector: "crowdstrike", method, url: joinUrl(cfg.FALCON_BASE_URL, path), timeoutMs: deps.timeoutMs, headers: { authorization: `Bearer ${await tokens.bearer()}` }, body });
    const act = (name: "contain" | "lift_containment", ids: string[]) =>
      call("POST", `/devices/entities/devices-actions/v2?action_name=${name}`, { ids });
    return {
      name: "crowdstrike",
      actions: ["ISOLATE_HOST"],
      async perform(req) {
        if (req.parameters.action !== "ISOLATE_HOST") throw new Error("crowdstrike handles ISOLATE_HOST only");
        const host = validHostname(req.parameters.host);
        const found = await call("GET", `/devices/queries/devices/v1?filter=${encodeURIComponent(`hostname:'${host}'`)}`);
        const ids = (found.json<{ resources?: unknown[] }>().resources ?? []).filter((x): x is string => typeof x === "string");
        if (ids.length === 0) throw new ConnectorError(`crowdstrike: no Falcon device has the host name ${host}`, false);
        if (ids.length > 1) throw new ConnectorError(`crowdstrike: ${ids.length} Falcon devices have the host name ${host}; refusing to contain an ambiguous target`, false);
        await act("contain", ids);
        return { ref: { deviceIds: ids, host }, summary: `Falcon containment requested for ${host} (device ${ids[0]})` };
      },
      async undo(ref) {
        const ids = Array.isArray(ref.deviceIds) ? ref.deviceIds.filter((x): x is string => typeof x === "string") : [];
        if (ids.length) await act("lift_containment", ids);
      },
    };
  },
});
