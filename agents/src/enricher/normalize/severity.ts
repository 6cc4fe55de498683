// Each vendor's severity scale mapped onto low | medium | high | critical. The vendor's value is
// always kept beside the mapped one (severityOriginal).
//
// The rule for values a mapping does not know (a severity of "banana", "unknown", a missing
// field): the alert gets DEFAULT_SEVERITY ("medium": it is triaged like any ordinary alert, neither
// dropped as noise nor escalated), severityOriginal keeps the value exactly as it came (null when
// absent), and context.severity_mapping is "default" so rules and analysts can see that the
// severity was not the vendor's word.
import type { Severity } from "@secops/contracts";
import { numeric } from "./paths.js";

export const DEFAULT_SEVERITY: Severity = "medium";

export interface SeverityReading {
  /** null when the vendor value was absent or not on the vendor's scale. */
  severity: Severity | null;
  original: string | number | null;
}

function originalOf(v: unknown): string | number | null {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return v;
  return null;
}

function reading(v: unknown, severity: Severity | null): SeverityReading {
  return { severity, original: originalOf(v) };
}

// A Map, not an object literal: vendor words like "constructor" must not hit Object.prototype.
const WORDS = new Map<string, Severity>(Object.entries({
  informational: "low", info: "low", information: "low", low: "low", minor: "low",
  medium: "medium", moderate: "medium", warning: "medium", major: "high",
  high: "high", critical: "critical", "very-high": "critical", "very high": "critical", fatal: "critical",
} satisfies Record<string, Severity>));

/** Words most vendors share (Elastic, Splunk, Graph, Sentinel, SCC, seed, webhook). */
export function fromWord(v: unknown): SeverityReading {
  if (typeof v !== "string") return reading(v, null);
  return reading(v, WORDS.get(v.trim().toLowerCase()) ?? null);
}

function inRange(n: number | null, lo: number, hi: number): n is number {
  return n !== null && n >= lo && n <= hi;
}

/** Wazuh rule.level 0-16: 0-6 low, 7-11 medium, 12-14 high, 15-16 critical. */
export function wazuhLevel(v: unknown): SeverityReading {
  const n = numeric(v);
  if (!inRange(n, 0, 16) || !Number.isInteger(n)) return reading(v, null);
  return reading(v, n >= 15 ? "critical" : n >= 12 ? "high" : n >= 7 ? "medium" : "low");
}

/** Suricata alert.severity is inverted: 1 high, 2 medium, 3 and 4 (informational) low. */
export function suricataSeverity(v: unknown): SeverityReading {
  const n = numeric(v);
  if (n === 1) return reading(v, "high");
  if (n === 2) return reading(v, "medium");
  if (n === 3 || n === 4) return reading(v, "low");
  return reading(v, null);
}

/**
 * CrowdStrike: the legacy 1-5 scale and the EPP 0-100 scale share SeverityName
 * (Informational/Low/Medium/High/Critical), so the name decides; numbers are a fallback:
 * 1-5 → low,low,medium,high,critical; 0-100 → <40 low, <60 medium, <80 high, else critical.
 */
export function crowdstrikeSeverity(name: unknown, value: unknown): SeverityReading {
  const byName = fromWord(name);
  if (byName.severity) return byName;
  const n = numeric(value);
  if (inRange(n, 1, 5) && Number.isInteger(n)) return reading(value, (["low", "low", "medium", "high", "critical"] as const)[n - 1]!);
  if (inRange(n, 0, 100)) return reading(value, n >= 80 ? "critical" : n >= 60 ? "high" : n >= 40 ? "medium" : "low");
  return reading(name ?? value, null);
}

/** GuardDuty float: 1.0-3.9 low, 4.0-6.9 medium, 7.0-8.9 high, 9.0-10.0 critical. */
export function guarddutySeverity(v: unknown): SeverityReading {
  const n = numeric(v);
  if (!inRange(n, 0, 10)) return fromWord(v);
  return reading(v, n >= 9 ? "critical" : n >= 7 ? "high" : n >= 4 ? "medium" : "low");
}

/** OCSF severity_id: 1 Informational and 2 Low → low, 3 medium, 4 high, 5 Critical and 6 Fatal → critical; 0 Unknown and 99 Other are unmapped. */
export function ocsfSeverity(id: unknown, caption: unknown): SeverityReading {
  const n = numeric(id);
  const map: Record<number, Severity> = { 1: "low", 2: "low", 3: "medium", 4: "high", 5: "critical", 6: "critical" };
  if (n !== null && map[n]) return reading(id, map[n]!);
  const byCaption = fromWord(caption);
  return byCaption.severity ? byCaption : reading(id ?? caption, null);
}

/** CEF header severity: 0-3 low, 4-6 medium, 7-8 high, 9-10 critical (Very-High); or the words. */
export function cefSeverity(v: unknown): SeverityReading {
  const n = numeric(v);
  if (inRange(n, 0, 10)) return reading(v, n >= 9 ? "critical" : n >= 7 ? "high" : n >= 4 ? "medium" : "low");
  return fromWord(v);
}

/**
 * Okta's `severity` is a log level (DEBUG/INFO/WARN/ERROR), not a threat rating: an ERROR is a
 * failed API call as often as an attack, and a Super Administrator grant is logged at INFO. The
 * rating comes from what the event says, strongest signal first:
 * - Okta says it is a threat (`debugData.threatSuspected`, a `security.threat.detected` event,
 *   or `debugData.risk` level HIGH) → high;
 * - `debugData.risk` level MEDIUM, or an event type that changes who may do what or stops a
 *   sign-in (privilege grants, MFA factor resets, MFA push denials, lockouts, policy
 *   deactivations, API token creation) → medium;
 * - otherwise the log level, capped at medium: DEBUG/INFO → low, WARN/ERROR → medium.
 */
export function oktaSeverity(level: unknown, threatSuspected: boolean, signals: { eventType?: string | null; riskLevel?: string | null } = {}): SeverityReading {
  const lvl = typeof level === "string" ? level.trim().toUpperCase() : "";
  const base: Severity | null = lvl === "DEBUG" || lvl === "INFO" ? "low" : lvl === "WARN" || lvl === "ERROR" ? "medium" : null;
  const risk = signals.riskLevel?.toUpperCase() ?? null;
  const type = signals.eventType ?? "";
  if (threatSuspected || risk === "HIGH" || /^security\.threat\.detected$/.test(type)) return reading(level, "high");
  if (risk === "MEDIUM" || OKTA_SENSITIVE.test(type)) return reading(level, "medium");
  return reading(level, base);
}

/** Okta event types that change privileges or stop sign-ins (Okta event types catalog). */
const OKTA_SENSITIVE = /^(user\.account\.privilege\.grant|group\.privilege\.grant|user\.account\.update_user_type|user\.mfa\.factor\.(deactivate|reset_all|suspend)|user\.mfa\.okta_verify\.deny_push|user\.account\.lock(\.limit)?|policy\.lifecycle\.(deactivate|delete)|policy\.rule\.(deactivate|delete)|system\.api_token\.create|user\.session\.impersonation\.\w+|security\.\w+|application\.user_membership\.add)$/;

/**
 * Generic priorities: "P1".."P4" (P1 worst) and "1".."5" given as priority (1 worst); risk scores
 * 0-100 as in Elastic (<21 low, <48 medium, <74 high, else critical).
 */
export function priority(v: unknown): SeverityReading {
  if (typeof v === "string") {
    const m = /^p([1-5])$/i.exec(v.trim());
    if (m) return reading(v, (["critical", "high", "medium", "low", "low"] as const)[Number(m[1]) - 1]!);
  }
  const n = numeric(v);
  if (inRange(n, 1, 5) && Number.isInteger(n)) return reading(v, (["critical", "high", "medium", "low", "low"] as const)[n - 1]!);
  return fromWord(v);
}

/**
 * A generic `severity` number. Higher is worse on every scale (unlike `priority`). The scale is
 * the sender's `scale` hint when given ("1-5", "0-10", "0-100"), else read from the value:
 * an integer 1-5 → the 1-5 scale (1-2 low, 3 medium, 4 high, 5 critical); up to 10 → the 0-10
 * scale as in CEF (0-3 low, 4-6 medium, 7-8 high, 9-10 critical); up to 100 → 0-100 bands
 * (< 40 low, < 70 medium, < 90 high, else critical). Strings: words, P1-P5, or "sev1".."sev4" (1 worst).
 */
export function genericSeverity(v: unknown, scale?: unknown): SeverityReading {
  if (typeof v === "string") {
    const sev = /^sev(?:erity)?[ -]?([1-5])$/i.exec(v.trim());
    if (sev) return reading(v, (["critical", "high", "medium", "low", "low"] as const)[Number(sev[1]) - 1]!);
    if (/^p[1-5]$/i.test(v.trim())) return priority(v);
    const m = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(\d+)\s*$/.exec(v);
    if (m) return genericSeverity(Number(m[1]), `0-${m[2]}`);
  }
  const n = numeric(v);
  if (n === null) return fromWord(v);
  const hint = typeof scale === "string" ? /(\d+)\s*(?:-|to|\.\.)\s*(\d+)/.exec(scale) : null;
  const max = hint ? Number(hint[2]) : typeof scale === "number" ? scale : n <= 5 && Number.isInteger(n) && n >= 1 ? 5 : n <= 10 ? 10 : n <= 100 ? 100 : null;
  if (max === null || n < 0 || n > max) return reading(v, null);
  if (max === 5) return reading(v, n >= 5 ? "critical" : n >= 4 ? "high" : n >= 3 ? "medium" : "low");
  if (max === 10) return reading(v, n >= 9 ? "critical" : n >= 7 ? "high" : n >= 4 ? "medium" : "low");
  if (max === 4) return reading(v, n >= 4 ? "critical" : n >= 3 ? "high" : n >= 2 ? "medium" : "low");
  const pctv = (n / max) * 100;
  return reading(v, pctv >= 90 ? "critical" : pctv >= 70 ? "high" : pctv >= 40 ? "medium" : "low");
}

export function riskScore(v: unknown): SeverityReading {
  const n = numeric(v);
  if (!inRange(n, 0, 100)) return reading(v, null);
  return reading(v, n >= 74 ? "critical" : n >= 48 ? "high" : n >= 21 ? "medium" : "low");
}

/** The first reading that mapped, else the first one that had a value, else absent. */
export function firstMapped(...readings: SeverityReading[]): SeverityReading {
  return readings.find((r) => r.severity !== null) ?? readings.find((r) => r.original !== null) ?? { severity: null, original: null };
}
