// Shorthands the format mappings use to say where indicators are.
import type { FieldHint, IocRole } from "../iocs/index.js";
import type { ParsedInput } from "./draft.js";
import { isObject, pick, type JsonObject } from "./paths.js";

export function at(doc: unknown, path: string, type: FieldHint["type"], role: IocRole = null, opts: { caseInsensitive?: boolean } = {}): FieldHint {
  return { path, value: pick(doc, path, opts), type, role, kind: "field" };
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
