import { createHash } from "node:crypto";
import type { ActionParameters } from "@secops/contracts";

/**
 * JSON with object keys sorted at every level, so that two logically equal values give the
 * same bytes whatever order their producer wrote the keys in. Undefined members are dropped,
 * as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    const s = JSON.stringify(value);
    if (s === undefined) throw new TypeError(`cannot canonicalize a ${typeof value}`);
    return s;
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * The digest an approval is bound to: the exact action (its type is the `action`
 * discriminator, the target and every parameter are members of the same object).
 * Changing any of them after approval changes the digest, and the responder refuses it.
 */
export function actionDigest(parameters: ActionParameters): string {
  return sha256Hex(canonicalJson(parameters));
}
