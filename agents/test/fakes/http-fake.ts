// The plumbing the vendor fakes share: a real HTTP server on 127.0.0.1 that records every
// request (method, path, query, headers, raw body) and answers what the fake's handler decides.
// The vendor behaviour lives in each fake-<vendor>.ts, with the documentation it follows.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface FakeAnswer {
  status: number;
  /** Sent as JSON unless `text` is given. */
  body?: unknown;
  /** Sent as is, with `contentType` (default text/plain). */
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Cut the connection instead of answering: the request reached the service, the reply is lost. */
  drop?: boolean;
}

export interface HttpFake {
  url: string;
  requests: FakeRequest[];
  close(): Promise<void>;
}

export async function startHttpFake(handle: (req: FakeRequest) => FakeAnswer | Promise<FakeAnswer>): Promise<HttpFake> {
  const requests: FakeRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const u = new URL(req.url ?? "/", "http://fake");
      const body = Buffer.concat(chunks).toString("utf8");
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const rec: FakeRequest = { method: req.method ?? "", path: u.pathname, query: u.searchParams, headers: req.headers, body, json };
      requests.push(rec);
      Promise.resolve()
        .then(() => handle(rec))
        .catch((e: unknown): FakeAnswer => ({ status: 500, text: `fake failed: ${(e as Error).message}` }))
        .then((a) => {
          if (a.drop) {
            res.socket?.destroy();
            return;
          }
          const text = a.text ?? (a.body === undefined ? "" : JSON.stringify(a.body));
          const type = a.text !== undefined ? (a.contentType ?? "text/plain; charset=utf-8") : "application/json; charset=utf-8";
          res.writeHead(a.status, { ...(text ? { "content-type": type } : {}), ...a.headers });
          res.end(text);
        });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** The bearer token of a request, or null. */
export function bearerOf(req: FakeRequest): string | null {
  const h = req.headers.authorization;
  return typeof h === "string" && h.startsWith("Bearer ") ? h.slice(7) : null;
}
