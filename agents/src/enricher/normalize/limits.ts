// The contract caps string lengths. A long description is truncated with a visible marker
// rather than rejected: one verbose field must not cost the whole alert.

export const LIMITS = {
  title: 1024,
  description: 16384,
  name: 512,
  ip: 64,
  vendor: 256,
  sourceId: 512,
  contextString: 4096,
  contextListItem: 1024,
  contextListLength: 100,
  assets: 200,
  tactic: 128,
  tactics: 20,
  mitre: 50,
} as const;

/** Truncates to `max` characters, ending with a marker that says how much was cut. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  const marker = ` …[truncated ${s.length - max} chars]`;
  const keep = Math.max(0, max - marker.length - 16);
  const cut = s.length - keep;
  const finalMarker = ` …[truncated ${cut} chars]`;
  return s.slice(0, keep) + finalMarker;
}
