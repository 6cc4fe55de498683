// One line per alert outcome, for the person watching `npm start`.
import type { DecidedMessage, DlqMessage, ExecutedMessage } from "@secops/contracts";

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number, s: string) => (useColor ? `\x1b[${code}m${s}\x1b[0m` : s);
// Alert text is attacker-controlled: never let it drive the terminal with escape sequences.
// eslint-disable-next-line no-control-regex -- stripping control characters is the point
const safe = (s: string, max = 60) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ").slice(0, max);

function shorten(s: string, max: number): string {
  const clean = safe(s, 10_000);
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
}

/** The severity the dashboard shows, labelled: the analyst's once investigated, the vendor's before. */
function severityOf(m: Pick<DecidedMessage, "alert"> & { investigation?: { severity: string } | null }): string {
  return m.investigation ? `${m.investigation.severity} (analyst)` : `${m.alert.severity} (vendor)`;
}

/** `id` is the id printed for the alert (the vendor's id when it has one): `secops audit <id>` finds it. */
export function formatExecuted(m: ExecutedMessage, id: string = m.alert.sourceId ?? m.alertId): string {
  const e = m.execution;
  const d = m.decision;
  const started = Date.parse(m.timestamps.received);
  const ended = Date.parse(m.timestamps.executed ?? new Date().toISOString());
  const secs = Number.isFinite(started) && Number.isFinite(ended) ? `${((ended - started) / 1000).toFixed(1)}s` : "";
  const status = e.status === "success" ? paint(32, "done") : e.status === "shadow" ? paint(36, "shadow") : e.status === "duplicate" ? paint(90, "dup") : paint(31, e.status);
  const analyst = m.investigation.analyst === "llm" ? `llm ${m.investigation.llm?.model ?? ""}`.trim() : `rules${m.investigation.fallbackReason ? ` (${shorten(m.investigation.fallbackReason, 48)})` : ""}`;
  return [
    `${status.padEnd(useColor ? 13 : 6)} ${safe(id, 128).padEnd(24)}`,
    `${severityOf(m).padEnd(18)} ${safe(m.alert.title, 44).padEnd(44)}`,
    `-> ${paint(1, e.action)}${e.target ? ` ${shorten(e.target, 60)}` : ""}`,
    `[${d.mode}${d.tainted ? ", TAINTED" : ""}; ${analyst}; ${Math.round(m.investigation.confidence * 100)}%] ${secs}`,
  ].join("  ");
}

/** `secops` is the command as it must be typed to reach this pipeline (with NATS_URL when it is not the default). */
export function formatAwaiting(m: DecidedMessage, id: string = m.alert.sourceId ?? m.alertId, secops = "npx secops"): string {
  const a = m.decision.approval;
  return `${paint(33, "waiting")} ${safe(id, 128).padEnd(24)}  ${severityOf(m).padEnd(18)} ${safe(m.alert.title, 44).padEnd(44)}  -> ${m.decision.action} needs approval${a ? ` (${a.approversRequired} approver${a.approversRequired > 1 ? "s" : ""}): ${secops} approve ${a.id}` : ""}`;
}

export function formatDlq(m: DlqMessage): string {
  return `${paint(31, "dlq")}     ${m.stage}: ${safe(m.reason, 160)}`;
}
