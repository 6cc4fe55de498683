// Shorthands the format mappings use to say where indicators are.
import type { FieldHint, IocRole } from "../iocs/index.js";
import type { ParsedInput } from "./draft.js";
import { isObject, pick, type JsonObject } from "./paths.js";
import { isLinkBackKey } from "../iocs/index.js";

export function at(doc: unknown, path: string, type: FieldHint["type"], role: IocRole = null, opts: { caseInsensitive?: boolean } = {}): FieldHint {
  return { path, value: pick(doc, path, opts), type, role, kind: "field" };
}

/** Structured indicator fields that hold one type in one role, in the order given. */
export function fieldsAt(doc: unknown, type: FieldHint["type"], role: IocRole, ...paths: string[]): FieldHint[] {
  return paths.map((path) => at(doc, path, type, role));
}

/**
 * Notable vendor fields for the alert's context, by path, in the order given; a list of paths
 * takes the first one that holds a value (as `pick(a) ?? pick(b)` would).
 */
export function pickContext(doc: unknown, paths: Record<string, string | readonly string[]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(paths)) {
    out[name] = (typeof p === "string" ? [p] : p).reduce<unknown>((v, path) => v ?? pick(doc, path), undefined);
  }
  return out;
}

export function field(path: string, value: unknown, type: FieldHint["type"], role: IocRole = null): FieldHint {
  return { path, value, type, role, kind: "field" };
}

export function freeText(path: string, value: unknown): FieldHint {
  return { path, value, kind: "text" };
}

/** The JSON object of a parsed input, or null for text input. */
export function jsonObject(doc: ParsedInput): JsonObject | null {
  return doc.kind === "json" && isObject(doc.value) ? doc.value : null;
}

/**
 * Free text from every string of a loosely structured object (SCC sourceProperties, Sentinel
 * ExtendedProperties), except fields that hold a link back to a console or report.
 */
export function linkFreeText(path: string, value: unknown, depth = 0): FieldHint[] {
  if (depth > 6) return [];
  if (typeof value === "string") return isLinkBackKey(path) ? [] : [freeText(path, value)];
  if (Array.isArray(value)) return value.slice(0, 200).flatMap((v, i) => linkFreeText(`${path}[${i}]`, v, depth + 1));
  if (isObject(value)) return Object.entries(value).slice(0, 200).flatMap(([k, v]) => linkFreeText(`${path}.${k}`, v, depth + 1));
  return [];
}
