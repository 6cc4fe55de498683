// Draft → canonical alert. Everything attacker-controlled is bounded here: strings are clipped
// to the contract's limits with a marker, context keeps only scalar and string-list values,
// and the result is validated against the contract before anyone sees it.
import { CanonicalAlert, type AlertFormat, type Severity } from "@secops/contracts";
import { extractIocs } from "../iocs/index.js";
import { categorize } from "./category.js";
import type { AlertDraft } from "./draft.js";
import { fingerprintOf } from "./fingerprint.js";
import { LIMITS, clip } from "./limits.js";
import { inferTechniques, techniqueIds, techniqueIdsInText } from "./mitre.js";
import { text } from "./paths.js";
import { DEFAULT_SEVERITY } from "./severity.js";
import { toIsoUtc } from "./time.js";

export interface BuildOptions { internalRanges: readonly string[]; receivedAt: string }

export type BuildResult = { ok: true; alert: CanonicalAlert } | { ok: false; reason: string; errors: { path: string; message: string }[] };

function clipped(v: unknown, max: number): string | null {
  const s = text(v);
  return s === null ? null : clip(s, max);
}

function contextValue(v: unknown): string | number | boolean | string[] | undefined {
  if (typeof v === "string") return v.trim() === "" ? undefined : clip(v, LIMITS.contextString);
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v === "boolean") return v;
  if (Array.isArray(v)) {
    const items = v.map((x) => (typeof x === "string" ? x : typeof x === "number" && Number.isFinite(x) ? String(x) : typeof x === "boolean" ? String(x) : null)).filter((x): x is string => x !== null);
    return items.length === 0 ? undefined : items.slice(0, LIMITS.contextListLength).map((x) => clip(x, LIMITS.contextListItem));
  }
  return undefined;
}

function stringList(values: readonly unknown[] | undefined, max: number, maxLen: number): string[] {
  const out: string[] = [];
  for (const v of (values ?? []).flat(2)) {
    const s = text(v);
    if (s && !out.includes(s)) out.push(clip(s, maxLen));
    if (out.length >= max) break;
  }
  return out;
}

const INTEL_MATCH = /\b(threat intel(ligence)?( indicator)? match|indicator match|intel(ligence)? (hit|match)|threat list (activity|match|hit)|ioc (match|hit)|matched (a |an )?(known |threat )?(intel\w*|indicator|ioc)|ti map|reputation (list|match|hit)|watchlist (match|hit))\b/i;
const NO_EXECUTION = /\bno (related |sign of |evidence of |observed )?(process )?(execution|process (activity|execution))\b/i;
const EXECUTION = /\b(executed|execution of|process (started|created|launched)|spawned|was run|ran)\b/i;

/** A threat-intel match (the vendor says so, or the title does) with no process or execution in it. */
function isUnexecutedIntelMatch(draft: AlertDraft, title: string): boolean {
  const intel = draft.intelMatch ?? INTEL_MATCH.test(title);
  if (!intel || draft.executed) return false;
  const desc = text(draft.description) ?? "";
  return NO_EXECUTION.test(desc) || !EXECUTION.test(desc);
}

/**
 * The vendor's own ATT&CK ids first; else ids written in the title or description; else the
 * documented name table (mitre.ts) over the vendor's type names and the text. context.mitre_source
 * says which, so an analyst can tell a vendor mapping from ours.
 */
function techniquesOf(draft: AlertDraft, title: string, description: string, categoryTexts: string[], context: Record<string, unknown>): string[] {
  const vendor = techniqueIds(draft.mitre ?? []);
  if (vendor.length > 0) return vendor.slice(0, LIMITS.mitre);
  const inText = techniqueIdsInText([title, description]);
  if (inText.length > 0) {
    context.mitre_source = "text";
    return inText.slice(0, LIMITS.mitre);
  }
  const types = stringList(draft.mitreTypes, 20, 512);
  const inferred = inferTechniques(types, [title, description, ...categoryTexts]);
  if (inferred.ids.length > 0) context.mitre_source = `name table (${[...new Set(inferred.rules.map((r) => r.source))].join(", ")})`;
  return inferred.ids;
}

export function buildAlert(format: AlertFormat, draft: AlertDraft, raw: unknown, opts: BuildOptions): BuildResult {
  const title = clipped(draft.title, LIMITS.title);
  if (!title) {
    return { ok: false, reason: `${format}: no title (looked at ${draft.titlePaths})`, errors: [{ path: draft.titlePaths.split(",")[0]!.trim(), message: "required: a non-empty string" }] };
  }
  const context: Record<string, string | number | boolean | string[]> = {};
  for (const [k, v] of Object.entries(draft.context ?? {})) {
    const cv = contextValue(v);
    // defineProperty: a vendor key named "__proto__" must become data, not a prototype.
    if (cv !== undefined) Object.defineProperty(context, k.slice(0, 128), { value: cv, enumerable: true, writable: true, configurable: true });
  }

  let severity: Severity = draft.severity.severity ?? DEFAULT_SEVERITY;
  if (draft.severity.severity === null) context.severity_mapping = "default";
  if ((severity === "high" || severity === "critical") && isUnexecutedIntelMatch(draft, title)) {
    // An indicator seen on the wire or in a log is not a compromise until something runs.
    context.severity_capped = `intel match without a sign of execution: ${severity} -> medium`;
    severity = "medium";
  }

  let time = toIsoUtc(draft.time);
  if (!time) {
    // No readable time in the alert: use when we received it, and say so (the original stays too).
    const original = draft.time === undefined || draft.time === null ? undefined : contextValue(draft.time);
    if (original !== undefined) context.time_original = typeof original === "object" ? original.join(",") : original;
    context.time_source = "received";
    time = opts.receivedAt;
  }

  const description = clipped(draft.description, LIMITS.description) ?? "";
  const hostName = clipped(draft.hostName, LIMITS.name);
  const hostIp = clipped(draft.hostIp, LIMITS.ip);
  const userName = clipped(draft.userName, LIMITS.name);
  const categoryTexts = stringList(draft.categoryText, 50, 2048);
  const mitre = techniquesOf(draft, title, description, categoryTexts, context);
  const tactics = stringList(draft.tactics, LIMITS.tactics, LIMITS.tactic);
  const assets = stringList(draft.assets, LIMITS.assets, LIMITS.name);
  const iocs = extractIocs(raw, draft.iocs, { internalRanges: opts.internalRanges, scanRaw: draft.scanRaw, ownHosts: [hostName, ...assets, userName] });
  const categoryText = [description, ...categoryTexts];
  const category = draft.category ?? categorize({ mitre, title, texts: categoryText });

  const candidate = {
    format,
    category,
    severity,
    severityOriginal: draft.severity.original,
    title,
    description,
    time,
    source: { vendor: clipped(draft.vendor, LIMITS.vendor), product: clipped(draft.product, LIMITS.vendor) },
    host: { name: hostName, ip: hostIp },
    user: { name: userName },
    assets,
    iocs,
    mitre,
    tactics,
    sourceId: clipped(draft.sourceId, LIMITS.sourceId),
    fingerprint: fingerprintOf({ format, title, hostName, userName, iocs }),
    context,
    raw,
  };
  const parsed = CanonicalAlert.safeParse(candidate);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    return { ok: false, reason: `${format}: the mapped alert does not satisfy the canonical contract (${errors.map((e) => `${e.path}: ${e.message}`).join("; ")})`, errors };
  }
  return { ok: true, alert: parsed.data };
}

