// Indicators inside free text: descriptions, command lines, raw log lines. Candidates are found
// with patterns and then validated by the same parsers the structured path uses.
import { refang } from "./refang.js";

export interface TextCandidate { type: "ip" | "domain" | "url" | "hash" | "email"; value: string }

const URL_RE = /\b(?:https?|ftp):\/\/[^\s"'<>`{}|\\^[\]]+/gi;
// No match that starts inside a word of any script: "аdmin@…" (Cyrillic а) is not "dmin@…".
const EMAIL_RE = /(?<![\p{L}\p{N}._%+-])[a-z0-9._%+-]{1,64}@(?:[a-z0-9-]{1,63}\.)+[a-z]{2,63}\b/giu;
const IPV4_RE = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d|\/\d)/g;
const IPV6_RE = /(?<![\w:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?![\w:])/gi;
const HASH_RE = /(?<![0-9a-z])(?:[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32})(?![0-9a-z])/gi;
const DOMAIN_RE = /(?<![\w@.\-\p{L}\p{N}])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9](?![\w\-\p{L}]|\.[a-z0-9])/giu;

// "version 1.2.3.4", "v10.0.0.1", "build 6.1.7601.1", "ver=2.0.0.1": dotted numbers that are not hosts.
const VERSION_BEFORE = /(?:\b(?:version|ver|build|release|rev|revision|firmware|fw|agent|sensor|kb|update)\s*[:=#]?\s*v?|\bv)$/i;
// Sysmon's IMPHASH is 32 hex but an import-table hash, not a file MD5.
const NOT_FILE_HASH_BEFORE = /(?:imphash|guid|uuid|session|sessionid|correlation|request|trace|tx|logonid|nonce|token|key)\s*[=:]\s*["']?$/i;

// A link in a User-Agent's product comment ("sqlmap/1.8 (https://sqlmap.org)", "(compatible;
// Googlebot/2.1; +http://www.google.com/bot.html)", RFC 9110 §10.1.5) is the tool's homepage,
// written by whoever sent the request: not where anything went.
const UA_COMMENT_BEFORE = /(?:[A-Za-z][\w.-]*\/[\w.#+-]+ \(|[A-Za-z][\w.-]*\/[\w.#+-]+;\s*|\(compatible;[^()]*;\s*)\+?$/;

function precededBy(text: string, index: number, re: RegExp, window = 24): boolean {
  return re.test(text.slice(Math.max(0, index - window), index));
}

/** Candidate indicators in order of appearance. Validation (IP ranges, public suffix, placeholders) happens in the caller. */
export function scanText(input: string): TextCandidate[] {
  const text = refang(input.length > 200_000 ? input.slice(0, 200_000) : input);
  const out: TextCandidate[] = [];
  const taken: [number, number][] = [];
  const overlaps = (s: number, e: number) => taken.some(([a, b]) => s < b && e > a);
  // accept: "skip" also keeps the span from being read again as a shorter candidate (a domain).
  const take = (re: RegExp, type: TextCandidate["type"], accept: (v: string, index: number) => boolean | "skip" = () => true) => {
    for (const m of text.matchAll(re)) {
      const start = m.index ?? 0;
      let value = m[0];
      if (type === "url") value = value.replace(/[.,;:!?)>'"]+$/, "");
      const end = start + value.length;
      if (overlaps(start, end)) continue;
      const verdict = accept(value, start);
      if (verdict === false) continue;
      taken.push([start, end]);
      if (verdict === true) out.push({ type, value });
    }
  };
  take(URL_RE, "url", (_v, i) => (precededBy(text, i, UA_COMMENT_BEFORE, 80) ? "skip" : true));
  take(EMAIL_RE, "email");
  take(IPV4_RE, "ip", (_v, i) => !precededBy(text, i, VERSION_BEFORE));
  take(IPV6_RE, "ip", (v) => v.includes("::") || v.split(":").length === 8);
  take(HASH_RE, "hash", (_v, i) => !precededBy(text, i, NOT_FILE_HASH_BEFORE));
  take(DOMAIN_RE, "domain");
  return out;
}
