// Reading vendor documents whose shapes we do not control. Elastic mixes flat dotted keys
// ("kibana.alert.rule.name") with nested objects, Zeek keys contain literal dots, and GuardDuty
// copies circulate in PascalCase, so a plain `a.b.c` walk would miss real fields.

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function ownKey(obj: JsonObject, key: string, caseInsensitive: boolean): string | undefined {
  if (Object.prototype.hasOwnProperty.call(obj, key)) return key;
  if (!caseInsensitive) return undefined;
  const lower = key.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

/**
 * The value at a dotted path, accepting at every level either a nested object or a literal
 * dotted key (the longest literal key wins). Undefined when absent.
 */
export function pick(doc: unknown, path: string, opts: { caseInsensitive?: boolean } = {}): unknown {
  return walk(doc, path.split("."), opts.caseInsensitive ?? false, 0);
}

function walk(node: unknown, segments: string[], ci: boolean, depth: number): unknown {
  if (segments.length === 0) return node;
  if (!isObject(node) || depth > 64) return undefined;
  for (let i = segments.length; i >= 1; i--) {
    const key = ownKey(node, segments.slice(0, i).join("."), ci);
    if (key === undefined) continue;
    const found = walk(node[key], segments.slice(i), ci, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The first path that holds a usable value, with the path it came from. */
export function pickFirst(doc: unknown, paths: readonly string[], opts: { caseInsensitive?: boolean } = {}): { value: unknown; path: string } | undefined {
  for (const path of paths) {
    const value = pick(doc, path, opts);
    if (value !== undefined && value !== null && value !== "") return { value, path };
  }
  return undefined;
}

/** A non-empty trimmed string, only when the value is a string: never stringifies objects. */
export function str(v: unknown): string | null {
  if (typeof v !== "string") return null;
  const t = v.trim();
  return t === "" ? null : t;
}

/** A string or a finite number rendered as text: for ids and names vendors type either way. */
export function text(v: unknown): string | null {
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return str(v);
}

export function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** Numbers that arrive as strings (Splunk webhook rows, proto3 int64) but only when the whole string is a number. */
export function numeric(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return null;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}

export function objects(v: unknown): JsonObject[] {
  return arr(v).filter(isObject);
}

/** Parses a JSON document embedded in a string field (Sentinel Entities); undefined when it is not JSON. */
export function embeddedJson(v: unknown): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return undefined;
  }
}

/** The JSON type of a value as a person would name it in an error: "a string", "an array", "missing". */
export function typeOfJson(v: unknown): string {
  if (v === undefined) return "nothing (missing)";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  return `a ${typeof v} (${JSON.stringify(v).slice(0, 40)})`;
}
