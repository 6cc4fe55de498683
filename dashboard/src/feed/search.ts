// The dashboard's query language and its evaluation over the in-memory index.
//
//   ransomware host:dc-01 severity:>=high ip:198.51.100.0/24 -action:CLOSE_FALSE_POSITIVE
//
// A bare word (or "a quoted phrase") matches anywhere: title, alert id, source id, host, user,
// every IP and IoC value, format, category, severity, action, status, analyst and verdict.
// `field:value` matches one field; the same field twice means either value (OR), different fields
// must all match (AND), and a leading `-` negates a term. The index is a walk over at most
// DASHBOARD_MAX_ALERTS summaries with precomputed lower-case text, which answers a query over
// 100,000 alerts in tens of milliseconds on one core (npm run bench measures it): no second index
// to keep consistent with the stream.
import ipaddr from "ipaddr.js";
import { SEVERITY_RANK, type Severity } from "@secops/contracts";
import type { AlertSummary } from "./alert-index.js";
import { QueryError } from "./query.js";

type Op = "=" | ">=" | "<=" | ">" | "<";

export interface Term {
  field: SearchField | null;
  op: Op;
  value: string;
  negate: boolean;
}

/** Fields a query may name, with what each matches. Shown in the 400 for an unknown field. */
export const SEARCH_FIELDS = {
  host: "the host name (dc-01 also matches dc-01.corp.example.com; * is a wildcard) or the host IP",
  user: "the user name (* is a wildcard); alice also matches alice@example.com and CORP\\alice",
  ip: "an IP in the alert (host IP or any IP indicator), or a CIDR range such as 198.51.100.0/24",
  ioc: "any indicator value: IP, domain, URL, hash or e-mail (* is a wildcard)",
  hash: "an md5, sha1 or sha256 indicator",
  domain: "a domain indicator (a domain also matches its subdomains)",
  url: "a URL indicator (substring)",
  email: "an e-mail indicator",
  source: "the vendor's own alert id (sourceId), e.g. SEC-2026-0104",
  id: "the pipeline's alert id (al-…)",
  format: "the detected format: wazuh, suricata, elastic, …",
  category: "authentication, malware, network_scan, data_exfiltration, other",
  severity: "low, medium, high, critical; also >=high, <medium",
  action: "CREATE_TICKET, BLOCK_IP, ISOLATE_HOST, CLOSE_FALSE_POSITIVE, MANUAL_REVIEW",
  status: "the decision's status: ready, awaiting_approval, approved, rejected, expired",
  stage: "enriched, investigated, awaiting_approval, decided, executed, failed",
  analyst: "llm or rules",
  verdict: "true_positive, false_positive, benign, undetermined",
  vendor: "the alert's source vendor or product",
  incident: "an incident id (inc-…), or any / none",
  undone: "true or false: whether the action was undone",
  time: "when the alert was received: >=2026-05-01, <2026-05-01T12:00:00Z, or >=15m / >=24h / >=7d (that long ago)",
} as const;
export type SearchField = keyof typeof SEARCH_FIELDS;

export const SORT_FIELDS = ["time", "severity", "title", "host", "action", "stage", "latency", "updated"] as const;
export type SortField = (typeof SORT_FIELDS)[number];

export const FACET_FIELDS = ["severity", "stage", "format", "category", "action", "analyst", "status", "vendor"] as const;
export type FacetField = (typeof FACET_FIELDS)[number];

export interface ParsedQuery {
  terms: Term[];
  text: string;
}

const TOKEN = /(-?)(?:([a-z]+):)?(?:"([^"]*)"|(\S+))/gi;

export function parseQuery(q: string): ParsedQuery {
  if (q.length > 2000) throw new QueryError(`q is ${q.length} characters: at most 2000 are accepted`);
  const terms: Term[] = [];
  for (const m of q.matchAll(TOKEN)) {
    const [, neg, rawField, quoted, bare] = m;
    let value = quoted ?? bare ?? "";
    let field: SearchField | null = null;
    if (rawField) {
      const f = rawField.toLowerCase();
      if (!(f in SEARCH_FIELDS)) {
        throw new QueryError(`unknown field "${rawField}" in the query: accepted fields are ${Object.keys(SEARCH_FIELDS).join(", ")} (or a bare word that matches anywhere)`);
      }
      field = f as SearchField;
    }
    let op: Op = "=";
    const opMatch = field ? /^(>=|<=|>|<)(.*)$/.exec(value) : null;
    if (opMatch) {
      if (field !== "severity" && field !== "time") throw new QueryError(`${field}: comparisons (>=, <, …) work only on severity and time`);
      op = opMatch[1] as Op;
      value = opMatch[2]!;
    }
    if (value === "") {
      if (field) throw new QueryError(`${field}: needs a value, e.g. ${field}:${exampleFor(field)}`);
      continue;
    }
    terms.push({ field, op, value, negate: neg === "-" });
  }
  return { terms, text: q };
}

function exampleFor(field: SearchField): string {
  return ({ host: "dc-01", ip: "198.51.100.0/24", severity: ">=high", time: ">=24h", user: "alice" } as Partial<Record<SearchField, string>>)[field] ?? "…";
}

/** A compiled term: one predicate over a summary. */
type Predicate = (s: AlertSummary, x: Extra) => boolean;

/** Derived once per summary object: lower-cased fields and text, and parsed IPs. */
interface Extra {
  text: string;
  ips: string[];
  parsedIps: (ipaddr.IPv4 | ipaddr.IPv6)[] | null;
  host: string | null;
  hostIp: string | null;
  user: string | null;
  sourceId: string | null;
  alertId: string;
  format: string;
  category: string;
  status: string | null;
  executionStatus: string | null;
  verdict: string | null;
  vendor: string | null;
  incidentId: string | null;
  iocs: { type: string; value: string }[];
}

const low = (v: string | null | undefined) => (v ? v.toLowerCase() : null);

// Kept on the summary itself under a non-enumerable symbol (invisible to JSON and to equality
// checks): a WeakMap lookup per alert per query cost more than the match itself.
const EXTRA = Symbol("search");
type WithExtra = AlertSummary & { [EXTRA]?: Extra };

function extraOf(s: AlertSummary): Extra {
  let x = (s as WithExtra)[EXTRA];
  if (!x) {
    const ips = [...new Set([...(s.hostIp ? [s.hostIp] : []), ...s.iocs.filter((i) => i.type === "ip").map((i) => i.value)])];
    const text = [
      s.title, s.alertId, s.sourceId, s.host, s.hostIp, s.user, s.format, s.category, s.severity, s.vendorSeverity, s.action, s.status,
      s.stage, s.analyst, s.verdict, s.vendor, s.incidentId, ...s.iocs.map((i) => i.value),
    ].filter((v) => v).join("\n").toLowerCase();
    x = {
      text, ips, parsedIps: null,
      host: low(s.host), hostIp: low(s.hostIp), user: low(s.user), sourceId: low(s.sourceId), alertId: s.alertId.toLowerCase(),
      format: s.format.toLowerCase(), category: s.category.toLowerCase(), status: low(s.status), executionStatus: low(s.executionStatus),
      verdict: low(s.verdict), vendor: low(s.vendor), incidentId: low(s.incidentId),
      iocs: s.iocs.map((i) => ({ type: i.type, value: i.value.toLowerCase() })),
    };
    Object.defineProperty(s, EXTRA, { value: x, enumerable: false });
  }
  return x;
}

function parsedIpsOf(x: Extra): (ipaddr.IPv4 | ipaddr.IPv6)[] {
  if (!x.parsedIps) {
    x.parsedIps = x.ips.flatMap((ip) => {
      try {
        const a = ipaddr.parse(ip);
        return [a.kind() === "ipv6" && (a as ipaddr.IPv6).isIPv4MappedAddress() ? (a as ipaddr.IPv6).toIPv4Address() : a];
      } catch {
        return [];
      }
    });
  }
  return x.parsedIps;
}

function globRe(v: string): RegExp {
  return new RegExp(`^${v.toLowerCase().replace(/[.+^${}()|[\]\\?]/g, "\\$&").replace(/\*/g, ".*")}$`);
}

/** Exact (case-insensitive: candidates come lower-cased from Extra), or a glob when the value has a `*`. */
function matcher(value: string): (candidate: string | null | undefined) => boolean {
  const v = value.toLowerCase();
  if (v.includes("*")) {
    const re = globRe(v);
    return (c) => !!c && re.test(c);
  }
  return (c) => c === v;
}

function enumMatcher(field: SearchField, value: string, accepted: readonly string[], caseOf: (s: string) => string = (s) => s.toLowerCase()): string {
  const v = caseOf(value);
  if (!accepted.includes(v)) throw new QueryError(`${field}:${value} is not accepted: expected one of ${accepted.join(", ")}`);
  return v;
}

const SEVERITIES = ["low", "medium", "high", "critical"] as const;

function compare(op: Op, a: number, b: number): boolean {
  switch (op) {
    case ">=": return a >= b;
    case "<=": return a <= b;
    case ">": return a > b;
    case "<": return a < b;
    default: return a === b;
  }
}

/** `>=24h` (that long ago, from `now`) or an ISO date/time. */
function parseTime(value: string, now: number): number {
  const rel = /^(\d+)(m|h|d)$/.exec(value);
  if (rel) return now - Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as "m" | "h" | "d"];
  const t = /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(value) ? Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value) : NaN;
  if (!Number.isFinite(t)) throw new QueryError(`time:${value} is not accepted: expected an ISO date or time (2026-05-01, 2026-05-01T12:00:00Z) or a span ago (15m, 24h, 7d)`);
  return t;
}

function compile(t: Term, now: number): Predicate {
  const v = t.value;
  const lower = v.toLowerCase();
  switch (t.field) {
    case null:
      return (_s, x) => x.text.includes(lower);
    case "host": {
      const m = matcher(v);
      return (_s, x) => m(x.host) || m(x.hostIp) || (!v.includes("*") && !!x.host && x.host.startsWith(`${lower}.`));
    }
    case "user": {
      const m = matcher(v);
      return (_s, x) => {
        if (!x.user) return false;
        if (m(x.user)) return true;
        const u = x.user;
        const local = u.includes("\\") ? u.slice(u.lastIndexOf("\\") + 1) : u.includes("@") ? u.slice(0, u.indexOf("@")) : null;
        return local !== null && m(local);
      };
    }
    case "ip": {
      if (v.includes("/")) {
        let range: [ipaddr.IPv4 | ipaddr.IPv6, number];
        try {
          range = ipaddr.parseCIDR(v);
        } catch {
          throw new QueryError(`ip:${v} is not accepted: expected an IP address (198.51.100.7, 2001:db8::1) or a CIDR range (198.51.100.0/24)`);
        }
        const kind = range[0].kind();
        return (_s, x) => parsedIpsOf(x).some((a) => a.kind() === kind && a.match(range));
      }
      let want: string;
      try {
        want = ipaddr.process(v).toString();
      } catch {
        throw new QueryError(`ip:${v} is not accepted: expected an IP address (198.51.100.7, 2001:db8::1) or a CIDR range (198.51.100.0/24)`);
      }
      return (_s, x) => parsedIpsOf(x).some((a) => a.toString() === want);
    }
    case "ioc": {
      const m = matcher(v);
      return (_s, x) => x.iocs.some((i) => m(i.value)) || m(x.hostIp);
    }
    case "hash": {
      const m = matcher(v);
      return (_s, x) => x.iocs.some((i) => (i.type === "md5" || i.type === "sha1" || i.type === "sha256") && m(i.value));
    }
    case "domain": {
      const m = matcher(v);
      return (_s, x) => x.iocs.some((i) => i.type === "domain" && (m(i.value) || i.value.endsWith(`.${lower}`)));
    }
    case "url":
      return (_s, x) => x.iocs.some((i) => i.type === "url" && i.value.includes(lower));
    case "email": {
      const m = matcher(v);
      return (_s, x) => x.iocs.some((i) => i.type === "email" && m(i.value));
    }
    case "source": {
      const m = matcher(v);
      return (_s, x) => m(x.sourceId);
    }
    case "id": {
      const m = matcher(v);
      return (_s, x) => m(x.alertId);
    }
    case "format": {
      const m = matcher(v);
      return (_s, x) => m(x.format);
    }
    case "category": {
      const m = matcher(v);
      return (_s, x) => m(x.category);
    }
    case "severity": {
      const want = SEVERITY_RANK[enumMatcher("severity", v, SEVERITIES) as Severity];
      return (s) => compare(t.op, SEVERITY_RANK[s.severity as Severity] ?? 0, want);
    }
    case "action": {
      const want = enumMatcher("action", v, ["CREATE_TICKET", "BLOCK_IP", "ISOLATE_HOST", "CLOSE_FALSE_POSITIVE", "MANUAL_REVIEW"], (x) => x.toUpperCase());
      return (s) => s.action === want;
    }
    case "status": {
      const m = matcher(v);
      return (_s, x) => m(x.status) || m(x.executionStatus);
    }
    case "stage": {
      const want = enumMatcher("stage", v, ["enriched", "investigated", "awaiting_approval", "decided", "executed", "failed"]);
      return (s) => s.stage === want;
    }
    case "analyst": {
      const want = enumMatcher("analyst", v, ["llm", "rules"]);
      return (s) => s.analyst === want;
    }
    case "verdict": {
      const m = matcher(v);
      return (_s, x) => m(x.verdict);
    }
    case "vendor": {
      const m = matcher(v);
      return (_s, x) => m(x.vendor);
    }
    case "incident": {
      if (lower === "any") return (s) => s.incidentId !== null;
      if (lower === "none") return (s) => s.incidentId === null;
      const m = matcher(v);
      return (_s, x) => m(x.incidentId);
    }
    case "undone": {
      const want = enumMatcher("undone", v, ["true", "false"]) === "true";
      return (s) => (s.undone !== null) === want;
    }
    case "time": {
      const at = parseTime(v, now);
      const op = t.op === "=" ? ">=" : t.op;
      return (s) => compare(op, Date.parse(s.receivedAt), at);
    }
  }
}

/** Terms of one field are OR-ed, fields are AND-ed; negated terms must all fail. */
export function compileQuery(q: ParsedQuery, now = Date.now()): (s: AlertSummary) => boolean {
  const groups = new Map<string, Predicate[]>();
  const nots: Predicate[] = [];
  for (const t of q.terms) {
    const p = compile(t, now);
    if (t.negate) {
      nots.push(p);
      continue;
    }
    // Bare words each stand alone (all must match); a field's values are alternatives.
    const key = t.field === null ? `text:${groups.size}` : t.field === "time" || t.field === "severity" && t.op !== "=" ? `${t.field}:${groups.size}` : t.field;
    const g = groups.get(key) ?? [];
    g.push(p);
    groups.set(key, g);
  }
  const all = [...groups.values()];
  if (all.length === 0 && nots.length === 0) return () => true;
  return (s) => {
    const x = extraOf(s);
    for (const g of all) if (!g.some((p) => p(s, x))) return false;
    for (const p of nots) if (p(s, x)) return false;
    return true;
  };
}

export interface SearchRequest {
  q: string;
  sort: SortField;
  order: "asc" | "desc";
  limit: number;
  cursor: string | null;
  /** Facet counts over the whole result, not just the page. */
  facets: boolean;
  now?: number;
}

export interface SearchResult {
  total: number;
  items: AlertSummary[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next: string | null;
  facets: Partial<Record<FacetField, Record<string, number>>>;
  tookMs: number;
}

type Key = number | string;

function sortKey(s: AlertSummary, f: SortField): Key {
  switch (f) {
    case "time": return s.firstSeq;
    case "updated": return s.seq;
    case "severity": return SEVERITY_RANK[s.severity as Severity] ?? 0;
    case "title": return s.title.toLowerCase();
    case "host": return (s.host ?? "").toLowerCase();
    case "action": return s.action ?? "";
    case "stage": return s.stage;
    case "latency": return s.latencyMs ?? -1;
  }
}

interface Cursor { k: Key; s: number }

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

function decodeCursor(raw: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as Cursor;
    if ((typeof c.k === "number" || typeof c.k === "string") && Number.isInteger(c.s)) return c;
  } catch { /* below */ }
  throw new QueryError("cursor is not accepted: pass the `next` value of the previous page unchanged");
}

/**
 * Runs a query: filter, then keyset paging on (sort key, first sequence), so a page stays right
 * while new alerts arrive. Facets count the whole filtered set.
 */
export function search(summaries: Iterable<AlertSummary>, req: SearchRequest): SearchResult {
  const started = performance.now();
  const match = compileQuery(parseQuery(req.q), req.now);
  const dir = req.order === "asc" ? 1 : -1;
  const rows: { s: AlertSummary; k: Key }[] = [];
  const facets: Partial<Record<FacetField, Record<string, number>>> = {};
  const counters: [FacetField, Record<string, number>][] = req.facets ? FACET_FIELDS.map((f) => [f, (facets[f] = {})]) : [];
  const byTime = req.sort === "time";
  for (const s of summaries) {
    if (!match(s)) continue;
    rows.push({ s, k: byTime ? s.firstSeq : sortKey(s, req.sort) });
    for (const [f, bucket] of counters) {
      const v = s[f] ?? "(none)";
      bucket[v] = (bucket[v] ?? 0) + 1;
    }
  }
  const cmp = (a: { s: AlertSummary; k: Key }, b: { s: AlertSummary; k: Key }) =>
    a.k < b.k ? -dir : a.k > b.k ? dir : (a.s.firstSeq - b.s.firstSeq) * dir;
  // The index is in stream order already: the default sort needs no sort at all.
  if (req.sort === "time") {
    if (dir === -1) rows.reverse();
  } else {
    rows.sort(cmp);
  }
  let start = 0;
  if (req.cursor) {
    const c = decodeCursor(req.cursor);
    const after = { s: { firstSeq: c.s } as AlertSummary, k: c.k };
    // First row strictly after the cursor in the sort order (binary search).
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(rows[mid]!, after) <= 0) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const page = rows.slice(start, start + req.limit);
  const last = page.at(-1);
  const next = last && start + req.limit < rows.length ? encodeCursor({ k: last.k, s: last.s.firstSeq }) : null;
  return { total: rows.length, items: page.map((r) => r.s), next, facets, tookMs: Math.round((performance.now() - started) * 10) / 10 };
}

export function parseSort(raw: unknown): { sort: SortField; order: "asc" | "desc" } {
  const text = raw === undefined || raw === "" ? "-time" : String(raw);
  const desc = text.startsWith("-");
  const f = desc ? text.slice(1) : text;
  if (!(SORT_FIELDS as readonly string[]).includes(f)) {
    throw new QueryError(`sort=${JSON.stringify(text.slice(0, 32))} is not accepted: expected one of ${SORT_FIELDS.join(", ")}, with a leading - for descending (default -time)`);
  }
  return { sort: f as SortField, order: desc ? "desc" : "asc" };
}
