// What one online threat-intel provider is: how to ask it about an indicator and how its answer
// maps onto malicious/suspicious/clean/unknown. Each provider is one file in ../providers/ plus
// one line in ../providers/index.ts; the runner (./runner.ts) adds the cache, the quota, the
// deadline and the rule that private addresses never leave.
import type { IocType } from "@secops/contracts";
import type { ProviderVerdict } from "../provider.js";
import type { QuotaConfig } from "./quota.js";

export interface ProviderRequest {
  method?: "GET" | "POST";
  /** Appended to the base URL (`*_URL`). */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
}

export interface ProviderReply {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the text when the body is not JSON. */
  body: unknown;
}

export interface OnlineProviderDefinition {
  name: string;
  title: string;
  /** The documentation the request and the mapping were written from. */
  docs: string;
  /** The variable that turns the provider on: its API key, or `on` for a keyless one. */
  enableVar: string;
  keyless?: boolean;
  urlVar: string;
  defaultUrl: string;
  quotaVar: string;
  /** The free tier's limits; `*_QUOTA` overrides them. */
  defaultQuota: QuotaConfig;
  types: readonly IocType[];
  request(type: IocType, value: string, key: string): ProviderRequest;
  /** A 200 (or 404, when `answers404`) reply → the verdict; null when the provider does not know the indicator. */
  interpret(reply: ProviderReply, type: IocType, value: string): ProviderVerdict | null;
  /** The provider answers 404 with a body worth reading (GreyNoise's "not observed"). */
  answers404?: boolean;
}

export type UnavailableKind = "rate_limited" | "quota" | "auth" | "timeout" | "server" | "network" | "bad_request";

/** The provider could not answer: the indicator is unknown for it, with this reason. Never "clean". */
export class ProviderUnavailable extends Error {
  constructor(readonly kind: UnavailableKind, message: string, readonly retryAt: Date | null = null) {
    super(message);
    this.name = "ProviderUnavailable";
  }
}

/** Small helpers for reading provider JSON without trusting its shape. */
export const read = {
  obj(v: unknown): Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  },
  num(v: unknown): number | null {
    return typeof v === "number" && Number.isFinite(v) ? v : null;
  },
  str(v: unknown): string | null {
    return typeof v === "string" && v !== "" ? v : null;
  },
  bool(v: unknown): boolean | null {
    return typeof v === "boolean" ? v : null;
  },
  strings(v: unknown, max = 20): string[] {
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string").slice(0, max) : [];
  },
};

/** VirusTotal and OTX give Unix seconds; evidence keeps ISO dates. */
export function isoFromEpochSeconds(v: unknown): string | null {
  return typeof v === "number" && v > 0 ? new Date(v * 1000).toISOString() : null;
}
