import { z } from "zod";
import type { Severity } from "@secops/contracts";
import { defineConnector } from "./types.js";
import { ConnectorError, httpCall, joinUrl } from "./http.js";

const SEVERITY: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

/** TheHive 5: one alert per action. sourceRef is the action id, which TheHive keeps unique per type and source. */
export const thehive = defineConnector({
  name: "thehive",
  enabledBy: "THEHIVE_URL",
  env: {
    THEHIVE_URL: z.url({ error: "expected the TheHive base URL, e.g. https://thehive.example.org" }),
    THEHIVE_API_KEY: z.string({ error: "required with THEHIVE_URL: an API key of a user allowed to create alerts" }).min(1),
    THEHIVE_ALERT_TYPE: z.string().min(1).default("secops-pipeline"),
    THEHIVE_SOURCE: z.string().min(1).default("secops"),
  },
  create(cfg, deps) {
    return {
      name: "thehive",
      actions: ["CREATE_TICKET"],
      async perform(req) {
        if (req.parameters.action !== "CREATE_TICKET") throw new Error("thehive handles CREATE_TICKET only");
        const p = req.parameters;
        const observables = [
          ...p.assets.map((a) => ({ dataType: "hostname", data: a })),
        ];
        const res = await httpCall({
          connector: "thehive", method: "POST", url: joinUrl(cfg.THEHIVE_URL, "/api/v1/alert"), timeoutMs: deps.timeoutMs,
          headers: { authorization: `Bearer ${cfg.THEHIVE_API_KEY}` },
          body: {
            type: cfg.THEHIVE_ALERT_TYPE,
            source: cfg.THEHIVE_SOURCE,
            sourceRef: req.actionId,
            title: p.title,
            description: p.description || p.title,
            severity: SEVERITY[p.priority],
            tags: ["secops", `alert:${req.alert.category}`, ...req.alert.mitre.map((t) => `mitre:${t}`)],
            observables,
          },
        });
        const id = res.json<{ _id?: unknown }>()._id;
        if (typeof id !== "string") throw new ConnectorError("thehive: the alert was created but the answer has no _id", false);
        return { ref: { thehiveAlertId: id }, summary: `TheHive alert ${id}` };
      },
    };
  },
});
