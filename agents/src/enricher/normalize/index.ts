// The normalizer's public surface: one alert in (bytes or text), one canonical alert or one
// typed failure out. Adding a format = one file in formats/ + one line in REGISTRY.
import { AlertFormat, type CanonicalAlert } from "@secops/contracts";
import { buildAlert } from "./build.js";
import { detectFormat, parseInput, unwrapSearchHit } from "./detect.js";
import type { FormatNormalizer, ParsedInput } from "./draft.js";
import { sha256Hex } from "../../shared/hash.js";
import { rawMessageId } from "../../shared/ids.js";
import { cef } from "./formats/cef.js";
import { crowdstrike } from "./formats/crowdstrike.js";
import { defender } from "./formats/defender.js";
import { elastic } from "./formats/elastic.js";
import { gcpScc } from "./formats/gcp_scc.js";
import { guardduty } from "./formats/guardduty.js";
import { ocsf } from "./formats/ocsf.js";
import { okta } from "./formats/okta.js";
import { seed } from "./formats/seed.js";
import { sentinel } from "./formats/sentinel.js";
import { splunk } from "./formats/splunk.js";
import { suricata } from "./formats/suricata.js";
import { wazuh } from "./formats/wazuh.js";
import { webhook } from "./formats/webhook.js";
import { zeek } from "./formats/zeek.js";

export type { AlertDraft, FormatNormalizer, ParsedInput } from "./draft.js";

/** Detection order: the most specific discriminators first, the schema-less webhook last. */
const REGISTRY: readonly FormatNormalizer[] = [
  wazuh, suricata, elastic, splunk, defender, sentinel, crowdstrike, guardduty, gcpScc, ocsf, okta, zeek, cef, seed, webhook,
];

export const FORMAT_IDS: readonly AlertFormat[] = AlertFormat.options;

export interface NormalizeOptions {
  /** Skip detection and map as this format (the Alert-Format header, POST /ingest/:format). */
  format?: AlertFormat;
  /** Extra internal CIDRs beyond RFC 1918 / ULA / loopback / link-local / CGNAT. */
  internalRanges?: string[];
  /** Inputs larger than this are rejected (default 1 MiB). */
  maxBytes?: number;
  /** Used as the alert time when the alert carries none (default: now). */
  receivedAt?: Date;
}

export interface NormalizeFailure {
  code: "empty" | "too_large" | "binary" | "malformed_json" | "unknown_format" | "invalid";
  reason: string;
  /** Formats that were tried, in order. */
  tried: string[];
  errors: { path: string; message: string }[];
}

export type NormalizeResult = { ok: true; alert: CanonicalAlert } | { ok: false; error: NormalizeFailure };

export const DEFAULT_MAX_BYTES = 1024 * 1024;

const TITLE_HINT = "the generic webhook mapping needs at least a title-like field (title|name|summary|alert.title|alert.message|rule.name|rule.description|rule|message|alert|commonAnnotations.summary)";

function failure(code: NormalizeFailure["code"], reason: string, tried: string[] = [], errors: NormalizeFailure["errors"] = []): NormalizeResult {
  return { ok: false, error: { code, reason: reason || code, tried, errors } };
}

/** Normalizes exactly one alert. Never throws: every problem is a typed failure with a reason. */
export function normalizeAlert(input: string | Uint8Array, options: NormalizeOptions = {}): NormalizeResult {
  try {
    return normalizeUnsafe(input, options);
  } catch (e) {
    // Defence in depth: a mapping bug must become a DLQ entry, not a crashed agent.
    return failure("invalid", `internal normalizer error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function normalizeUnsafe(input: string | Uint8Array, options: NormalizeOptions): NormalizeResult {
  const parsed = parseInput(input, options.maxBytes ?? DEFAULT_MAX_BYTES);
  if (!("kind" in parsed)) return failure(parsed.code, parsed.reason);
  const raw = parsed.kind === "json" ? parsed.value : parsed.text;
  const doc = unwrapSearchHit(parsed);
  const buildOpts = { internalRanges: options.internalRanges ?? [], receivedAt: (options.receivedAt ?? new Date()).toISOString() };

  if (options.format) {
    const forced = REGISTRY.find((n) => n.id === options.format);
    if (!forced) return failure("unknown_format", `unknown format "${options.format}" (accepted: ${FORMAT_IDS.join(", ")})`);
    const draft = forced.map(doc);
    if (typeof draft === "string") return failure("invalid", `not a valid ${forced.id} alert: ${draft}`, [forced.id]);
    const built = buildAlert(forced.id, draft, raw, buildOpts);
    return built.ok ? built : failure("invalid", built.reason, [forced.id], built.errors);
  }

  const detected = detectFormat(doc, REGISTRY);
  if (!detected || detected.id === "webhook") {
    // A vendor envelope with broken fields must be reported as that vendor's error, not read
    // as a generic webhook alert that happens to have a title-like field.
    const near = nearMissOf(doc);
    if (near) return failure("invalid", `looks like a ${near.id} alert but ${near.problem.message}`, [near.id], [near.problem]);
  }
  if (!detected) {
    return failure("unknown_format", `no known format matched (tried: ${REGISTRY.map((n) => n.id).join(", ")}); ${TITLE_HINT}`, REGISTRY.map((n) => n.id));
  }
  const draft = detected.map(doc);
  if (typeof draft === "string") return failure("invalid", `detected as ${detected.id} but: ${draft}`, [detected.id]);
  const built = buildAlert(detected.id, draft, raw, buildOpts);
  return built.ok ? built : failure("invalid", built.reason, [detected.id], built.errors);
}

/** One format's mapping, for tools that time the normalizer's steps separately (npm run bench). */
export function formatNormalizer(format: AlertFormat): FormatNormalizer | undefined {
  return REGISTRY.find((n) => n.id === format);
}

function nearMissOf(doc: ParsedInput): { id: AlertFormat; problem: { path: string; message: string } } | null {
  for (const n of REGISTRY) {
    try {
      const problem = n.nearMiss?.(doc) ?? null;
      if (problem) return { id: n.id, problem };
    } catch {
      // A checker that throws on hostile input simply did not recognise the envelope.
    }
  }
  return null;
}

/**
 * The pipeline-wide alert id. The dashboard computes it before publishing and the enricher
 * after consuming, so it depends only on the alert: the vendor id when there is one, else the
 * fingerprint plus the alert's own time (not a receive time, which would differ between the two).
 */
export function alertIdFor(alert: CanonicalAlert): string {
  const basis = alert.sourceId
    ? `${alert.format}:${alert.sourceId}`
    : alert.context.time_source === "received"
      ? alert.fingerprint
      : `${alert.fingerprint}:${alert.time}`;
  return `al-${sha256Hex(basis).slice(0, 24)}`;
}

/** Nats-Msg-Id for one published alert: the same bytes published twice are de-duplicated by JetStream. */
export function messageIdFor(bytes: string | Uint8Array): string {
  return rawMessageId(bytes);
}

export { splitBatch, type BatchItem } from "./split.js";
