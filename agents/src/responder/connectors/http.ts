// HTTP for connectors: a timeout on every call, errors that say which connector and which
// endpoint failed with what status, and no secrets in messages (headers are never echoed).
import { createHmac } from "node:crypto";

export class ConnectorError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The HTTP answer that caused it, when there was one (status and the start of the body). */
    readonly http?: { status: number; body: string },
  ) {
    super(message);
    this.name = "ConnectorError";
  }
}

export interface HttpRequest {
  connector: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  timeoutMs: number;
  /** Statuses other than 2xx that mean success for this call (e.g. an idempotent "already exists"). */
  alsoOk?: number[];
}

export interface HttpResponse {
  status: number;
  text: string;
  json<T>(): T;
}

/** The URL without query string and credentials, for error messages. */
function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}

export async function httpCall(req: HttpRequest): Promise<HttpResponse> {
  const headers: Record<string, string> = { accept: "application/json", ...req.headers };
  let body: string | undefined;
  if (req.body !== undefined) {
    body = typeof req.body === "string" ? req.body : JSON.stringify(req.body);
    headers["content-type"] ??= "application/json";
  }
  let res: Response;
  try {
    res = await fetch(req.url, { method: req.method, headers, body, signal: AbortSignal.timeout(req.timeoutMs), redirect: "error" });
  } catch (e) {
    const timedOut = e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");
    throw new ConnectorError(
      `${req.connector}: ${req.method} ${where(req.url)} ${timedOut ? `timed out after ${req.timeoutMs} ms` : `failed: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`}`,
      true,
    );
  }
  const text = await res.text();
  if (!res.ok && !(req.alsoOk ?? []).includes(res.status)) {
    // 5xx and 429 may pass; 4xx means the request or the configuration is wrong.
    const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
    throw new ConnectorError(`${req.connector}: ${req.method} ${where(req.url)} answered ${res.status}: ${text.slice(0, 300)}`, retryable, { status: res.status, body: text.slice(0, 4000) });
  }
  return {
    status: res.status,
    text,
    json<T>() {
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new ConnectorError(`${req.connector}: ${req.method} ${where(req.url)} answered ${res.status} with a body that is not JSON`, false);
      }
    },
  };
}

/** `sha256=<hex>` of the raw body, keyed with the shared secret. */
export function signBody(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex")}`;
}

/** The JSON body of a failed call, or null when it was not JSON (or there was no answer). */
export function errorBody<T>(e: unknown): T | null {
  if (!(e instanceof ConnectorError) || !e.http) return null;
  try {
    return JSON.parse(e.http.body) as T;
  } catch {
    return null;
  }
}

/** Base URL + path, with no double slash and no trailing slash surprises. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}
