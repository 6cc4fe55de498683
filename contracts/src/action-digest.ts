// The digest an approval is bound to. The decider computes it when it asks for approval, the
// responder recomputes it before it runs an approved action, and approvers see it: all three
// must hash the same bytes, so the one definition lives here, next to the Approval contract.
import { createHash } from "node:crypto";
import type { ActionParameters } from "./decision.js";

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

/**
 * sha256 (hex) of the canonical JSON of the action's parameters. The type is the `action`
 * discriminator and the target is a parameter, so changing the type, the target or any
 * parameter after approval changes the digest, and the responder refuses to run it.
 */
export function actionDigest(parameters: ActionParameters): string {
  // Stryker disable next-line StringLiteral: equivalent: utf8 is also the default encoding of a string
  return createHash("sha256").update(canonicalJson(parameters), "utf8").digest("hex");
}
