// The one sha256 the agents use for ids, fingerprints and cache keys.
import { createHash } from "node:crypto";

/** sha256 of the UTF-8 text (or the bytes), as lower-case hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
