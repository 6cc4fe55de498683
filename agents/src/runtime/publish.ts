import { headers as natsHeaders } from "@nats-io/transport-node";
import type { JetStreamClient, PubAck } from "@nats-io/jetstream";
import { Headers } from "@secops/contracts";
import { PermanentError, TransientError, errorMessage } from "./errors.js";
import { retry } from "../shared/retry.js";

export interface Publication {
  subject: string;
  /** An object is sent as JSON; bytes or a string as they are. */
  data: unknown;
  /** Becomes Nats-Msg-Id: the server drops a second publish with the same id (alert id + stage). */
  msgId: string;
  headers?: Record<string, string>;
}

// Headers (Nats-Msg-Id, traceparent, Alert-Id) count against max_payload too.
export const HEADER_ALLOWANCE = 1024;

export function byteLength(data: Uint8Array | string): number {
  return typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
}

export function encode(data: unknown): Uint8Array | string {
  if (data instanceof Uint8Array || typeof data === "string") return data;
  return JSON.stringify(data);
}

/**
 * JetStream publish with a bounded retry: during a cluster leader election publishes fail for
 * a few seconds (tech.md §C), and a dedup id makes the retry safe.
 */
export async function publishDurably(js: JetStreamClient, p: Publication, attempts = 4, maxPayload?: number): Promise<PubAck> {
  const body = encode(p.data);
  const size = byteLength(body);
  if (maxPayload && size + HEADER_ALLOWANCE > maxPayload) {
    // Retrying can never make it fit: the message is dead-lettered instead of looping.
    throw new PermanentError(
      `the ${p.subject} message would be ${size} bytes, over the NATS server's max_payload of ${maxPayload} bytes; raise max_payload in the server config or send smaller alerts`,
    );
  }
  const h = natsHeaders();
  for (const [k, v] of Object.entries(p.headers ?? {})) h.set(k, v);
  h.set(Headers.msgId, p.msgId);
  try {
    return await retry(() => js.publish(p.subject, body, { msgID: p.msgId, headers: h, timeout: 5_000 }), { attempts, baseMs: 500, capMs: 4_000 });
  } catch (last) {
    throw new TransientError(`could not publish to ${p.subject}: ${errorMessage(last)}`, 5_000, { cause: last });
  }
}
