import { randomBytes } from "node:crypto";

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The trace id of a W3C traceparent header, or null when absent or malformed. */
export function traceIdFrom(traceparent: string | undefined | null): string | null {
  const m = TRACEPARENT.exec((traceparent ?? "").trim().toLowerCase());
  if (!m || /^0+$/.test(m[1]!)) return null;
  return m[1]!;
}

export function newTraceId(): string {
  return randomBytes(16).toString("hex");
}

/** A traceparent for a new span in the given trace. */
export function traceparent(traceId: string): string {
  return `00-${traceId}-${randomBytes(8).toString("hex")}-01`;
}
