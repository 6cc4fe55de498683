import { httpCall, signBody } from "./http.js";

/**
 * Posts JSON signed with HMAC-SHA256: `X-Secops-Signature: sha256=<hex>` over
 * `<X-Secops-Timestamp>.<raw body>`, so receivers can reject forged and replayed calls.
 * `X-Secops-Action-Id` lets the receiver drop a retried delivery.
 */
export async function postSigned(o: { connector: string; url: string; secret: string; timeoutMs: number; actionId: string; payload: unknown }): Promise<void> {
  const body = JSON.stringify(o.payload);
  const timestamp = String(Math.floor(Date.now() / 1000));
  await httpCall({
    connector: o.connector, method: "POST", url: o.url, timeoutMs: o.timeoutMs, body,
    headers: {
      "content-type": "application/json",
      "x-secops-timestamp": timestamp,
      "x-secops-signature": signBody(o.secret, timestamp, body),
      "x-secops-action-id": o.actionId,
    },
  });
}
