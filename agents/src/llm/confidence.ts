/**
 * Models write confidence as 0.85, 85, "85%" or "0.85". It is normalized once, here, to 0..1;
 * the seed multiplied an already-scaled 85 by 100 and showed 8500 %. Anything that is not a
 * number from 0 to 100 (or a percentage) is returned unchanged so validation rejects it by name.
 */
export function normalizeConfidence(value: unknown): unknown {
  let n: number;
  if (typeof value === "number") n = value;
  else if (typeof value === "string") {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(value);
    if (!m) return value;
    n = Number(m[1]);
    if (m[2] === "%") return n <= 100 ? n / 100 : value;
  } else return value;
  if (!Number.isFinite(n) || n < 0 || n > 100) return value;
  return n <= 1 ? n : n / 100;
}
