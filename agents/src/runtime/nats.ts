import { readFileSync } from "node:fs";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "./logger.js";
import type { NatsConfig } from "./config.js";
import { localNatsAuth } from "../trust/local-credentials.js";
import { roleOfConnection } from "../trust/nats-users.js";

/** NATS_USER/NATS_PASSWORD/NATS_TOKEN/NATS_CREDS as configured; else the local server's user for this process (DATA_DIR/credentials). */
function authFor(cfg: NatsConfig, servers: string[], name: string): { user?: string; pass?: string; token?: string; creds?: string } {
  if (cfg.NATS_USER || cfg.NATS_TOKEN || cfg.NATS_CREDS) return { user: cfg.NATS_USER, pass: cfg.NATS_PASSWORD, token: cfg.NATS_TOKEN, creds: cfg.NATS_CREDS };
  return localNatsAuth(servers, roleOfConnection(name), cfg.DATA_DIR) ?? {};
}

/** Connects with endless reconnects and logs every connection status change. */
export async function connectNats(cfg: NatsConfig, name: string, log: Logger, opts: { maxReconnectAttempts?: number; timeoutMs?: number } = {}): Promise<NatsConnection> {
  const servers = cfg.NATS_URL.split(",").map((s) => s.trim()).filter(Boolean);
  const auth = authFor(cfg, servers, name);
  const nc = await connect({
    servers,
    name,
    user: auth.user,
    pass: auth.pass,
    token: auth.token,
    authenticator: auth.creds ? credsAuthenticator(readFileSync(auth.creds)) : undefined,
    maxReconnectAttempts: opts.maxReconnectAttempts ?? -1,
    reconnectTimeWait: 1_000,
    timeout: opts.timeoutMs ?? 5_000,
    waitOnFirstConnect: false,
    // nats.js otherwise captures a stack trace for every request (each publish ack, KV get and
    // put, ack confirmation): about 15 per alert, 5-8% of an agent's CPU in the bench profile.
    // Errors keep their message and the call site that awaited them.
    noAsyncTraces: true,
  });
  void (async () => {
    for await (const s of nc.status()) {
      switch (s.type) {
        case "disconnect": log.warn({ server: s.server }, "nats disconnected"); break;
        case "reconnect": log.info({ server: s.server }, "nats reconnected"); break;
        case "error": log.error({ err: s.error }, "nats error"); break;
        case "ldm": log.warn("nats server entering lame duck mode"); break;
        default: break;
      }
    }
  })();
  return nc;
}

/** True when a NATS server answers at the URL within the timeout. */
export async function natsAnswers(url: string, timeoutMs = 1_500, auth: Partial<NatsConfig> = {}): Promise<boolean> {
  try {
    const servers = url.split(",");
    const a = authFor({ ...auth, NATS_URL: url, DATA_DIR: auth.DATA_DIR ?? "data" } as NatsConfig, servers, "cli");
    const nc = await connect({ servers, timeout: timeoutMs, maxReconnectAttempts: 0, user: a.user, pass: a.pass, token: a.token, noAsyncTraces: true });
    await nc.close();
    return true;
  } catch {
    return false;
  }
}
