// File hashes by length. Placeholders vendors emit when they have no hash (CrowdStrike's
// all-zero SHA1/MD5) and hashes of empty content say nothing about a file, so they are dropped.

export type HashType = "md5" | "sha1" | "sha256";

const EMPTY_CONTENT = new Set([
  "d41d8cd98f00b204e9800998ecf8427e", // md5("")
  "da39a3ee5e6b4b0d3255bfef95601890afd80709", // sha1("")
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", // sha256("")
]);

export function hashTypeOf(value: string): HashType | null {
  const v = value.trim();
  if (!/^[0-9a-fA-F]+$/.test(v)) return null;
  if (v.length === 32) return "md5";
  if (v.length === 40) return "sha1";
  if (v.length === 64) return "sha256";
  return null;
}

/** A hash worth emitting: the right length, not a placeholder (one repeated character, or a run like 0123456789abcdef…), not of empty content. */
export function isMeaningfulHash(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (!hashTypeOf(v)) return false;
  if (/^(.)\1+$/.test(v)) return false;
  if (EMPTY_CONTENT.has(v)) return false;
  if (v === "0123456789abcdef".repeat(4).slice(0, v.length)) return false;
  // Fewer than 4 distinct characters in 32+ hex digits is not a digest (e.g. "deadbeef" padding, "0101…").
  if (new Set(v).size < 4) return false;
  return true;
}
