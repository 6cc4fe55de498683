import { headers as natsHeaders } from "@nats-io/transport-node";
import type { JetStreamClient, PubAck } from "@nats-io/jetstream";
import { Headers } from "@secops/contracts";
import { TransientError, errorMessage } from "./errors.js";

export interface Publication {
  subject: string;
  /** An object is sent as JSON; bytes or a string as they are. */
  data: unknown;
  /** Becomes Nats-Msg-Id: the server drops a second publish with the same id (alert id + stage). */
  msgId: string;
  headers?: Record<string, string>;
}

export function encode(data: unknown): Uint8Array | string {
  if (data instanceof Uint8Array || typeof data === "string") return data;
  return JSON.stringify(data);
}

/**
 * JetStream publish with a bounded retry: during a cluster leader election publishes fail for
 * a few seconds (tech.md §C), and a dedup id makes the retry safe.
 */
export async function publishDurably(js: JetStreamClient, p: Publication, attempts = 4): Promise<PubAck> {
  const h = natsHeaders();
  for (const [k, v] of Object.entries(p.headers ?? {})) h.set(k, v);
  h.set(Headers.msgId, p.msgId);
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await js.publish(p.subject, encode(p.data), { msgID: p.msgId, headers: h, timeout: 5_000 });
    } catch (e) {
      last = e;
      if (i < attempts - 1) await new Promise((r) => setTimeout(r, 500 * 2 ** i));
    }
  }
  throw new TransientError(`could not publish to ${p.subject}: ${errorMessage(last)}`, 5_000, { cause: last });
}
