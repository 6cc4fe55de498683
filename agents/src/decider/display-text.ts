/**
 * Attacker-controlled text (a proposed target, an alert value) quoted in a decision's reasons:
 * one line, bounded, so it cannot forge extra lines on the dashboard or in logs.
 */
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROL = /[\u0000-\u001F\u007F]/g;

export function clip(text: string | null, max = 80): string {
  if (!text) return "(none)";
  const oneLine = text.replace(CONTROL, " ");
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
