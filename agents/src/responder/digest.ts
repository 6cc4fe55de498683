import { createHash } from "node:crypto";

// The approval digest is defined once, in the contracts, for the decider, the responder and approvers.
export { actionDigest, canonicalJson } from "@secops/contracts";

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
