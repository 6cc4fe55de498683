// Serves the dashboard page: a fixed list of files (the page, its ES modules, the enums
// generated from the contracts), read once at start, with a strict Content
// Security Policy. The page shows attacker-controlled alert text, so no inline script or
// style is ever allowed and the browser may not guess content types.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { PluginOptions } from "../context.js";

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; connect-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; object-src 'none'";

/** The page's files: URL path → file name and content type. Nothing else is served. */
const PAGE_FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/index.html": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  ...Object.fromEntries(["dom.js", "table.js", "funnel.js", "incidents.js", "json-view.js", "theme.js", "provider-panel.js", "generated/contracts.js"]
    .map((f) => [`/${f}`, { file: f, type: "text/javascript; charset=utf-8" }])),
  "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
  "/trust.js": { file: "trust.js", type: "text/javascript; charset=utf-8" },
};

/** Every path of the page: public even when DASHBOARD_READ_AUTH closes the API (server.ts). */
export const PAGE_PATHS: readonly string[] = Object.keys(PAGE_FILES);

/** src/plugins and dist/plugins both sit two levels below the package, next to public/. */
export const DEFAULT_PUBLIC_DIR = fileURLToPath(new URL("../../public/", import.meta.url));

export async function staticPlugin(app: FastifyInstance, opts: PluginOptions & { publicDir?: string }): Promise<void> {
  const dir = opts.publicDir ?? DEFAULT_PUBLIC_DIR;
  const files = new Map<string, Buffer>();
  for (const { file } of Object.values(PAGE_FILES)) {
    if (files.has(file)) continue;
    try {
      files.set(file, await readFile(join(dir, file)));
    } catch (e) {
      throw new Error(`dashboard page file ${join(dir, file)} cannot be read (${(e as Error).message}); the package's public/ folder must ship with it`);
    }
  }
  for (const [path, { file, type }] of Object.entries(PAGE_FILES)) {
    const body = files.get(file)!;
    app.get(path, async (_req, reply) =>
      reply
        .header("content-type", type)
        .header("content-security-policy", CONTENT_SECURITY_POLICY)
        .header("x-content-type-options", "nosniff")
        .header("referrer-policy", "no-referrer")
        .header("x-frame-options", "DENY")
        .header("cache-control", "no-cache")
        .send(body));
  }
}

export default staticPlugin;
