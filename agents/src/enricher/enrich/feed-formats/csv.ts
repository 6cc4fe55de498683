// CSV with a header row, as intel platforms export it. Recognised columns (case-insensitive):
//   indicator | value | ioc            the indicator (required)
//   type                               ip, domain, url, md5, sha1, sha256, email (optional)
//   verdict | reputation               malicious (default), suspicious, clean
//   confidence | score                 0 to 100
//   tags | tag | labels                separated by ; or |
//   note | description | comment
//   valid_until | expires | expiration an ISO date after which the row no longer counts
//   source                             overrides the file name as the source
import { FeedError, type FeedIndicator } from "./entry.js";

export const CSV_INDICATOR_COLUMNS = ["indicator", "value", "ioc"];

/** RFC 4180 fields: quoted fields may hold commas, quotes ("") and newlines. */
export function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field); field = "";
      if (row.some((f) => f.trim() !== "")) rows.push(row);
      row = [];
    } else field += c;
  }
  row.push(field);
  if (row.some((f) => f.trim() !== "")) rows.push(row);
  return rows;
}

const TYPES: Record<string, FeedIndicator["type"]> = {
  ip: "ip", ipv4: "ip", ipv6: "ip", "ip-src": "ip", "ip-dst": "ip", cidr: "cidr", domain: "domain", hostname: "domain",
  url: "url", uri: "url", md5: "md5", sha1: "sha1", sha256: "sha256", email: "email",
};

export function hasCsvHeader(text: string): boolean {
  const first = text.split(/\r?\n/).find((l) => l.trim() !== "" && !l.trim().startsWith("#")) ?? "";
  return first.split(",").some((c) => CSV_INDICATOR_COLUMNS.includes(c.trim().replace(/^"|"$/g, "").toLowerCase()));
}

export function parseCsvWithHeader(path: string, text: string, source: string): FeedIndicator[] {
  const rows = parseCsvRows(text.split(/\r?\n/).filter((l) => !l.trim().startsWith("#")).join("\n"));
  const header = (rows.shift() ?? []).map((h) => h.trim().toLowerCase());
  const col = (...names: string[]) => header.findIndex((h) => names.includes(h));
  const iValue = col(...CSV_INDICATOR_COLUMNS);
  if (iValue < 0) throw new FeedError(`${path}: the header has no indicator column (expected one of ${CSV_INDICATOR_COLUMNS.join(", ")})`);
  const iType = col("type"), iVerdict = col("verdict", "reputation"), iConf = col("confidence", "score");
  const iTags = col("tags", "tag", "labels"), iNote = col("note", "description", "comment");
  const iUntil = col("valid_until", "expires", "expiration"), iSource = col("source");
  return rows.map((r, n) => {
    const line = n + 2;
    const get = (i: number) => (i >= 0 ? (r[i] ?? "").trim() : "");
    const value = get(iValue);
    if (!value) throw new FeedError(`${path}:${line}: the indicator column is empty`);
    const verdict = (get(iVerdict) || "malicious").toLowerCase();
    if (!["malicious", "suspicious", "clean"].includes(verdict)) throw new FeedError(`${path}:${line}: verdict "${get(iVerdict)}" is not one of malicious, suspicious, clean`);
    const typeText = get(iType).toLowerCase();
    const type = typeText ? TYPES[typeText] : null;
    if (type === undefined) throw new FeedError(`${path}:${line}: type "${get(iType)}" is not one of ${Object.keys(TYPES).join(", ")}`);
    const confText = get(iConf);
    const confidence = confText === "" ? null : Number(confText);
    if (confidence !== null && (!Number.isFinite(confidence) || confidence < 0 || confidence > 100)) throw new FeedError(`${path}:${line}: confidence "${confText}" is not a number from 0 to 100`);
    const untilText = get(iUntil);
    const validUntil = untilText ? new Date(untilText) : null;
    if (validUntil && Number.isNaN(validUntil.getTime())) throw new FeedError(`${path}:${line}: valid_until "${untilText}" is not a date (expected ISO 8601, e.g. 2026-12-31T00:00:00Z)`);
    return {
      value, type: type ?? null, verdict: verdict as FeedIndicator["verdict"],
      tags: get(iTags).split(/[;|]/).map((t) => t.trim()).filter(Boolean),
      note: get(iNote) || null, source: get(iSource) || source, confidence, validUntil,
    };
  });
}
