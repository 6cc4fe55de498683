import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { AgentMetrics } from "./metrics.js";

export interface HealthState {
  agent: string;
  instance: string;
  natsConnected: () => boolean;
  consuming: () => boolean;
  inflight: () => number;
  processed: () => number;
}

/**
 * GET /healthz (alive), /readyz (connected and consuming) and /metrics (Prometheus).
 * Read-only, so it needs no authentication; it binds to HEALTH_HOST (localhost by default).
 */
export async function startHealthServer(host: string, port: number, state: HealthState, metrics: AgentMetrics): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0];
    const body = {
      agent: state.agent,
      instance: state.instance,
      nats: state.natsConnected() ? "connected" : "disconnected",
      consuming: state.consuming(),
      inflight: state.inflight(),
      processed: state.processed(),
    };
    if (req.method !== "GET") {
      res.writeHead(405, { "content-type": "application/json", allow: "GET" }).end(JSON.stringify({ error: "only GET is accepted" }));
      return;
    }
    if (url === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok", ...body }));
    } else if (url === "/readyz") {
      const ready = state.natsConnected() && state.consuming();
      res.writeHead(ready ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify({ status: ready ? "ready" : "not_ready", ...body }));
    } else if (url === "/metrics") {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
        (e: Error) => res.writeHead(500).end(e.message),
      );
    } else {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found; try /healthz, /readyz or /metrics" }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
