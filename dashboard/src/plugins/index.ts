// The dashboard's plugins, one concern each. Adding one is one file plus one line here.
import type { FastifyInstance } from "fastify";
import type { PluginOptions } from "../context.js";

export type DashboardPlugin = (app: FastifyInstance, opts: PluginOptions) => Promise<void>;

export const PLUGINS: [string, () => Promise<DashboardPlugin>][] = [
  ["feed", async () => (await import("./feed.js")).feedPlugin],
  ["static", async () => (await import("./static.js")).staticPlugin],
  ["ingest", async () => (await import("./ingest.js")).default],
  ["approvals", async () => (await import("./approvals.js")).default],
  ["actions", async () => (await import("./actions.js")).default],
  ["edl", async () => (await import("./edl.js")).default],
  ["providers", async () => (await import("./providers.js")).default],
  ["trust", async () => (await import("./trust.js")).default],
  ["export", async () => (await import("./export.js")).default],
];
