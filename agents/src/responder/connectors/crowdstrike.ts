import { z } from "zod";
import { defineConnector } from "./types.js";
import { ConnectorError, errorBody, httpCall, joinUrl } from "./http.js";
import { ClientCredentials } from "./oauth.js";
import { validHostname } from "../targets.js";

interface Device {
  device_id?: unknown;
  hostname?: unknown;
  status?: unknown;
}

/** An FQL string literal (Falcon Query Language): backslash and quote escaped. */
const fql = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

/**
 * The host names to ask Falcon for. Falcon stores the host name as the sensor reports it (often
 * the short NetBIOS-style name, often upper case) and FQL's equality minds the case, so the name
 * is never lowercased: it is sent as given, plus its upper- and lower-case forms and, for an FQDN,
 * the same for its first label. The details are then matched without regard to case.
 */
export function falconHostCandidates(host: string): string[] {
  const short = host.includes(".") ? host.split(".")[0]! : null;
  const names = [host, host.toUpperCase(), host.toLowerCase(), ...(short ? [short, short.toUpperCase(), short.toLowerCase()] : [])];
  return [...new Set(names)];
}

/**
 * CrowdStrike Falcon network containment of a host, found by host name (falconpy Hosts:
 * QueryDevicesByFilter, GetDeviceDetailsV2, PerformActionV2). A host already contained or
 * pending containment is recorded as such, without a second request. Undo lifts it.
 */
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

    async function findDevice(host: string): Promise<{ id: string; hostname: string; status: string }> {
      const names = falconHostCandidates(host);
      const filter = `hostname:[${names.map(fql).join(",")}]`;
      const ids = ((await call("GET", `/devices/queries/devices/v1?filter=${encodeURIComponent(filter)}&limit=100`)).json<{ resources?: unknown[] }>().resources ?? [])
        .filter((x): x is string => typeof x === "string");
      const details = ids.length
        ? ((await call("GET", `/devices/entities/devices/v2?${ids.map((i) => `ids=${encodeURIComponent(i)}`).join("&")}`)).json<{ resources?: Device[] }>().resources ?? [])
        : [];
      const wanted = new Set(names.map((n) => n.toLowerCase()));
      const found = details.filter((d): d is { device_id: string; hostname: string; status?: unknown } => typeof d.device_id === "string" && typeof d.hostname === "string" && wanted.has(d.hostname.toLowerCase()));
      if (found.length === 0) throw new ConnectorError(`crowdstrike: no such host: no Falcon device has the host name ${names.join(" / ")}`, false);
      if (found.length > 1) {
        throw new ConnectorError(`crowdstrike: ${found.length} Falcon devices have the host name ${host} (${found.map((d) => d.device_id).join(", ")}); refusing to contain an ambiguous target`, false);
      }
      return { id: found[0]!.device_id, hostname: found[0]!.hostname, status: String(found[0]!.status ?? "normal") };
    }

    return {
      name: "crowdstrike",
      actions: ["ISOLATE_HOST"],
      async perform(req) {
        if (req.parameters.action !== "ISOLATE_HOST") throw new Error("crowdstrike handles ISOLATE_HOST only");
        validHostname(req.parameters.host); // validation only: its result is lowercased, Falcon minds the case
        const device = await findDevice(req.parameters.host.trim());
        const ref = { deviceIds: [device.id], host: device.hostname };
        if (device.status === "contained" || device.status === "containment_pending") {
          return { ref, summary: `Falcon host ${device.hostname} (device ${device.id}) is already ${device.status.replace("_", " ")}` };
        }
        await act("contain", [device.id]);
        return { ref, summary: `Falcon containment requested for ${device.hostname} (device ${device.id})` };
      },
      async undo(ref) {
        const ids = Array.isArray(ref.deviceIds) ? ref.deviceIds.filter((x): x is string => typeof x === "string") : [];
        if (ids.length) await act("lift_containment", ids);
      },
      async check() {
        try {
          await tokens.bearer();
        } catch (e) {
          const b = errorBody<{ errors?: { message?: string }[] }>(e);
          throw new ConnectorError(`crowdstrike: no token for FALCON_CLIENT_ID at ${cfg.FALCON_BASE_URL}: ${b?.errors?.[0]?.message ?? (e as Error).message}`, false);
        }
        await call("GET", "/devices/queries/devices/v1?limit=1");
        return `token from ${cfg.FALCON_BASE_URL}; Hosts API answers (the client has Hosts: read)`;
      },
    };
  },
});
