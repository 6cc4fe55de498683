import { readFileSync } from "node:fs";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "./logger.js";
import type { NatsConfig } from "./config.js";

/** Connects with endless reconnects and logs every connection status change. */
export async function connectNats(cfg: NatsConfig, name: string, log: Logger, opts: { maxReconnectAttempts?: number; timeoutMs?: number } = {}): Promise<NatsConnection> {
  const servers = cfg.NATS_URL.split(",").map((s) => s.trim()).filter(Boolean);
  const nc = await connect({
    servers,
    name,
    user: cfg.NATS_USER,
    pass: cfg.NATS_PASSWORD,
    token: cfg.NATS_TOKEN,
    authenticator: cfg.NATS_CREDS ? credsAuthenticator(readFileSync(cfg.NATS_CREDS)) : undefined,
    maxReconnectAttempts: opts.maxReconnectAttempts ?? -1,
    reconnectTimeWait: 1_000,
    timeout: opts.timeoutMs ?? 5_000,
    waitOnFirstConnect: false,
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
    const nc = await connect({ servers: url.split(","), timeout: timeoutMs, maxReconnectAttempts: 0, user: auth.NATS_USER, pass: auth.NATS_PASSWORD, token: auth.NATS_TOKEN });
    await nc.close();
    return true;
  } catch {
    return false;
  }
}
