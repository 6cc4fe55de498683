// IoC extraction: structured fields first (they carry a role: source or destination), then
// free text. Every candidate passes the same validation, and (type, value) duplicates keep the
// structured occurrence and its role.
import type { Ioc, IocType } from "@secops/contracts";
import { checkDomain } from "./domain.js";
import { hashTypeOf, isMeaningfulHash } from "./hash.js";
import { classifyIp, internalChecker, isMeaninglessIp } from "./ip.js";
import { isConsoleUrl, isLinkBackKey, isVendorHost, urlHostname } from "./not-indicators.js";

export { isLinkBackKey } from "./not-indicators.js";
import { refang } from "./refang.js";
import { scanText } from "./text.js";

export { classifyIp, isInternalIp, parseRanges } from "./ip.js";
export { checkDomain } from "./domain.js";
export { isMeaningfulHash, hashTypeOf } from "./hash.js";

export type IocRole = "source" | "destination" | null;

/**
 * Where a format's mapping says an indicator may be. `type` is what the field holds ("hash"
 * when the algorithm is given by length, "auto" when the field could hold anything);
 * `kind: "text"` marks free text to scan (descriptions, command lines, raw logs).
 */
export interface FieldHint {
  path: string;
  value: unknown;
  type?: IocType | "hash" | "auto";
  role?: IocRole;
  kind?: "field" | "text";
}

export interface ExtractOptions {
  internalRanges?: readonly string[];
  /** Also scan every string in `raw` as free text (for schema-less webhook alerts). */
  scanRaw?: boolean;
  max?: number;
  /**
   * The alert's own hosts (host name, assets) and its user name ("t.ng" is a person, not Nigeria). Free text names them all the time ("login on
   * vpn.corp.example.com"); they are what was attacked, not an indicator to look up or block.
   */
  ownHosts?: readonly (string | null | undefined)[];
}

const MAX_IOCS = 500;

function stringsOf(v: unknown, depth = 0): string[] {
  if (depth > 8) return [];
  if (typeof v === "string") return [v];
  if (typeof v === "number" && Number.isFinite(v)) return [];
  if (Array.isArray(v)) return v.slice(0, 1000).flatMap((x) => stringsOf(x, depth + 1));
  if (typeof v === "object" && v !== null) return Object.values(v).slice(0, 1000).flatMap((x) => stringsOf(x, depth + 1));
  return [];
}

function walkStrings(v: unknown, path: string, out: { path: string; value: string }[], depth = 0): void {
  if (depth > 8 || out.length > 5000) return;
  if (typeof v === "string") { out.push({ path, value: v }); return; }
  if (Array.isArray(v)) { v.slice(0, 1000).forEach((x, i) => walkStrings(x, `${path}[${i}]`, out, depth + 1)); return; }
  if (typeof v === "object" && v !== null) for (const [k, x] of Object.entries(v).slice(0, 1000)) walkStrings(x, path ? `${path}.${k}` : k, out, depth + 1);
}

export function extractIocs(raw: unknown, hints: readonly FieldHint[], opts: ExtractOptions = {}): Ioc[] {
  const isInternal = internalChecker(opts.internalRanges ?? []);
  const max = Math.min(opts.max ?? MAX_IOCS, MAX_IOCS);
  const byKey = new Map<string, Ioc>();
  const ownHosts = new Set((opts.ownHosts ?? []).filter((h): h is string => !!h).map((h) => h.trim().replace(/\.$/, "").toLowerCase()));

  const add = (type: IocType, value: string, role: IocRole, from: "field" | "text", path: string): void => {
    const key = `${type}:${type === "ip" || type === "url" ? value : value.toLowerCase()}`;
    const existing = byKey.get(key);
    if (existing) {
      // A later structured mention may say what an earlier one did not.
      if (existing.role === null && role !== null && from === "field") existing.role = role;
      return;
    }
    if (byKey.size >= max) return;
    const internal = type === "ip" ? isInternal(value) : false;
    byKey.set(key, { type, value: value.slice(0, 2048), role, internal, from, path: path.slice(0, 512) });
  };

  const addIp = (candidate: string, role: IocRole, from: "field" | "text", path: string): boolean => {
    const c = classifyIp(candidate.replace(/^\[|\]$/g, ""));
    if (!c || isMeaninglessIp(c)) return false;
    add("ip", c.version === 4 ? candidate.trim() : c.normalized, role, from, path);
    return true;
  };
  const addDomain = (candidate: string, role: IocRole, from: "field" | "text", path: string, strict: boolean): boolean => {
    const d = checkDomain(candidate, strict);
    if (!d.ok || isVendorHost(d.hostname)) return false;
    add("domain", d.hostname, role, from, path);
    return true;
  };
  const addUrl = (candidate: string, role: IocRole, from: "field" | "text", path: string): boolean => {
    const value = refang(candidate.trim());
    const host = urlHostname(value);
    if (!host || isVendorHost(host) || isConsoleUrl(value)) return false;
    // A URL must point somewhere real: an IP or a host with a public suffix.
    const hostIsIp = classifyIp(host) !== null;
    if (!hostIsIp && !checkDomain(host, false).ok) return false;
    add("url", value, role, from, path);
    // The URL's host is an indicator too (it is what a blocklist or a lookup takes), unless it
    // is the alert's own host (the attacked web server).
    if (hostIsIp) addIp(host, role, from, path);
    else if (!ownHosts.has(host.toLowerCase())) addDomain(host, role, from, path, false);
    return true;
  };
  const addHash = (candidate: string, role: IocRole, from: "field" | "text", path: string): boolean => {
    const v = candidate.trim().toLowerCase();
    const t = hashTypeOf(v);
    if (!t || !isMeaningfulHash(v)) return false;
    add(t, v, role, from, path);
    return true;
  };
  const addEmail = (candidate: string, role: IocRole, from: "field" | "text", path: string): boolean => {
    const v = refang(candidate.trim()).toLowerCase();
    const m = /^[a-z0-9._%+-]{1,64}@([a-z0-9.-]+)$/.exec(v);
    if (!m || !checkDomain(m[1]!, false).ok) return false;
    add("email", v, role, from, path);
    return true;
  };

  // The hosts the alert itself names as its console (a field such as generatorURL, results_link,
  // alertWebUrl): the same host written again in free text ("Source: https://grafana…/") is
  // still the console, not an indicator.
  const linkHosts = new Set<string>();
  const linkStrings: { path: string; value: string }[] = [];
  walkStrings(raw, "", linkStrings);
  for (const s of linkStrings) {
    if (!isLinkBackKey(s.path)) continue;
    const h = urlHostname(s.value.trim());
    if (h) linkHosts.add(h.toLowerCase());
  }
  const isLinkHost = (candidate: string): boolean => {
    const h = urlHostname(refang(candidate.trim())) ?? candidate.trim().replace(/\.$/, "");
    return linkHosts.has(h.toLowerCase());
  };

  const scan = (text: string, path: string): void => {
    for (const c of scanText(text)) {
      if ((c.type === "url" || c.type === "domain") && linkHosts.size > 0 && isLinkHost(c.value)) continue;
      if (c.type === "ip") addIp(c.value, null, "text", path);
      else if (c.type === "url") addUrl(c.value, null, "text", path);
      else if (c.type === "email") addEmail(c.value, null, "text", path);
      else if (c.type === "hash") addHash(c.value, null, "text", path);
      else if (!ownHosts.has(c.value.replace(/\.$/, "").toLowerCase())) addDomain(c.value, null, "text", path, true);
    }
  };

  const fieldValue = (hint: FieldHint, value: string): void => {
    const role = hint.role ?? null;
    const type = hint.type ?? "auto";
    // Multivalue fields arrive joined ("10.0.0.1, 10.0.0.2" in Splunk).
    // A value some vendors wrap in quotes (PAN-OS CEF request="host/path") is read without them.
    const unquoted = /^"[^"]*"$|^'[^']*'$/.test(value.trim()) ? value.trim().slice(1, -1) : value;
    const parts = type === "url" ? [unquoted] : unquoted.split(/[\s,;]+/).filter(Boolean);
    for (const part of parts) {
      const p = refang(part);
      switch (type) {
        case "ip": addIp(p, role, "field", hint.path); break;
        case "domain": if (!addIp(p, role, "field", hint.path)) addDomain(p, role, "field", hint.path, false); break;
        // A URL field without a scheme ("cdn.example.net/pixel.gif", as PAN-OS and proxies log it) is read as http.
        case "url": addUrl(!/^[a-z][a-z0-9+.-]*:\/\//i.test(p) && /^[a-z0-9.-]+\.[a-z]{2,63}(:\d+)?(\/|$)/i.test(p) ? `http://${p}` : p, role, "field", hint.path); break;
        case "email": addEmail(p, role, "field", hint.path); break;
        case "md5": case "sha1": case "sha256": case "hash": {
          // "SHA256=…,MD5=…" (Sysmon hashes) names the algorithm before each value.
          const kv = /^(?:md5|sha1|sha256|imphash)=(.+)$/i.exec(p);
          if (kv && /^imphash=/i.test(p)) break;
          addHash(kv ? kv[1]! : p, role, "field", hint.path);
          break;
        }
        default:
          if (!addIp(p, role, "field", hint.path) && !addUrl(p, role, "field", hint.path) && !addEmail(p, role, "field", hint.path) && !addHash(p, role, "field", hint.path)) {
            addDomain(p, role, "field", hint.path, true);
          }
      }
    }
  };

  const fields = hints.filter((h) => (h.kind ?? "field") === "field");
  const texts = hints.filter((h) => h.kind === "text");
  for (const hint of fields) {
    for (const s of stringsOf(hint.value)) fieldValue(hint, s);
  }
  for (const hint of texts) {
    for (const s of stringsOf(hint.value)) scan(s, hint.path);
  }
  if (opts.scanRaw) {
    const all: { path: string; value: string }[] = [];
    walkStrings(raw, "", all);
    for (const s of all) if (!isLinkBackKey(s.path)) scan(s.value, s.path);
  }
  return [...byKey.values()];
}
