// A real HTTP server on 127.0.0.1 for connector tests: it records every request (method,
// path, headers, raw body) and answers with what the test scripted for that route.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Recorded {
  method: string;
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  json(): unknown;
}

export type Route = (req: Recorded) => { status?: number; body?: unknown } | undefined;

export interface Receiver {
  url: string;
  requests: Recorded[];
  on(method: string, path: string, reply: Route | { status?: number; body?: unknown }): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: Recorded[] = [];
  const routes = new Map<string, Route>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const u = new URL(req.url ?? "/", "http://x");
      const body = Buffer.concat(chunks).toString("utf8");
      const rec: Recorded = { method: req.method ?? "", url: req.url ?? "", path: u.pathname, query: u.searchParams, headers: req.headers, body, json: () => JSON.parse(body) };
      requests.push(rec);
      const route = routes.get(`${rec.method} ${rec.path}`);
      const out = route?.(rec) ?? { status: route ? 200 : 404, body: route ? {} : { error: `no route ${rec.method} ${rec.path}` } };
      res.writeHead(out.status ?? 200, { "content-type": "application/json" });
      res.end(JSON.stringify(out.body ?? {}));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on(method, path, reply) {
      routes.set(`${method} ${path}`, typeof reply === "function" ? reply : () => reply);
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
