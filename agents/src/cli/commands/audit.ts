// `secops audit <id>`: the whole record of one alert, read back from the stream: the raw
// message as it was published, every stage message (approvals and their outcomes included) and
// any dead letter, in stream order. The id may be any id a person has (see cli/ids.ts). The
// stream is the audit log; this command only reads it.
import { jetstream, type JsMsg } from "@nats-io/jetstream";
import { pino } from "pino";
import { AlertFormat, type Topology } from "@secops/contracts";
import type { CliCommand } from "../command.js";
import { parseFlags } from "../input.js";
import { ID_SOURCES, IdError, alertIdsFor, scanStream, type IdContext } from "../ids.js";
import { natsEnv, parseEnv, topologyOf } from "../../runtime/config.js";
import { connectNats } from "../../runtime/nats.js";
import { alertIdFor, normalizeAlert } from "../../enricher/normalize/index.js";

interface Entry {
  seq: number;
  subject: string;
  time: string;
  summary: string;
  message: Record<string, unknown>;
}

/** One line a person can read for each stage message. */
function summarize(subject: string, m: Record<string, unknown>): string {
  const get = (path: string) => path.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), m);
  const stage = subject.split(".").pop();
  switch (stage) {
    case "enriched": return `${get("alert.format")}/${get("alert.category")} ${get("alert.severity")}: ${(get("alert.iocs") as unknown[] | undefined)?.length ?? 0} indicators`;
    case "investigated": return `${get("investigation.analyst")} analyst: ${get("investigation.verdict")} ${get("investigation.severity")} ${get("investigation.confidence")}`;
    case "decided": return `${get("decision.action")} ${get("decision.mode")} ${get("decision.status")}${get("decision.approval.approvers") ? ` approvers=${((get("decision.approval.approvers") as { by: string }[]) ?? []).map((a) => a.by).join("+") || "-"}` : ""}`;
    case "executed": return `${get("execution.action")} ${get("execution.status")} via ${get("execution.connector")}: ${get("execution.summary")}`;
    case "dlq": return `dead letter from ${get("stage")}: ${get("reason")}`;
    case "raw": return `raw alert as published (${get("bytes")} bytes${get("format") ? `, read as ${get("format")}` : ""})`;
    default: return stage ?? subject;
  }
}

const timeOf = (m: JsMsg) => new Date(Math.floor(m.info.timestampNanos / 1e6)).toISOString();

/** The stage messages and dead letters of the alerts, in stream order. */
async function stageEntries(ctx: IdContext, topo: Topology, alertIds: Set<string>): Promise<Entry[]> {
  const entries: Entry[] = [];
  await scanStream(ctx, topo.all, (m) => {
    if (m.subject === topo.subjects.raw) return; // read by rawEntries, by their receive time
    try {
      const body = m.json<Record<string, unknown>>();
      const headerId = m.headers?.get("Alert-Id") || "";
      if (alertIds.has(String(body.alertId)) || alertIds.has(headerId)) {
        entries.push({ seq: m.seq, subject: m.subject, time: timeOf(m), summary: summarize(m.subject, body), message: body });
      }
    } catch { /* not JSON: not a stage message */ }
  });
  return entries;
}

/**
 * The raw messages the alerts came from. The enricher stamps each alert with the time its raw
 * message reached the stream (timestamps.received), so only the raw messages of that
 * millisecond are read, and each is normalized again to check it is the same alert.
 */
async function rawEntries(ctx: IdContext, topo: Topology, alertIds: Set<string>, received: Set<string>): Promise<Entry[]> {
  const entries: Entry[] = [];
  const seen = new Set<number>();
  for (const iso of received) {
    const ms = Date.parse(iso);
    if (!Number.isFinite(ms)) continue;
    await scanStream(ctx, topo.subjects.raw, (m) => {
      if (seen.has(m.seq) || Math.floor(m.info.timestampNanos / 1e6) !== ms) return;
      const headerId = m.headers?.get("Alert-Id") || "";
      const forced = AlertFormat.safeParse(m.headers?.get("Alert-Format")?.trim().toLowerCase());
      const r = normalizeAlert(m.data, { receivedAt: new Date(ms), ...(forced.success ? { format: forced.data } : {}) });
      if (!alertIds.has(headerId) && !(r.ok && alertIds.has(alertIdFor(r.alert)))) return;
      seen.add(m.seq);
      let body: unknown;
      try { body = m.json(); } catch { body = m.string(); }
      const message = { bytes: m.data.length, format: r.ok ? r.alert.format : null, headers: Object.fromEntries([...(m.headers ?? [])].map(([k, v]) => [k, v[0]])), body };
      entries.push({ seq: m.seq, subject: m.subject, time: timeOf(m), summary: summarize(m.subject, message), message });
    }, { startMs: ms, stopAfterMs: ms + 1 });
  }
  return entries;
}

export const command: CliCommand = {
  name: "audit",
  summary: "print one alert's whole record from the stream: the raw message, every stage, approvals, dead letters",
  usage: `secops audit [--since <ISO time>] <id>
  <id> is any id you have for the alert:
    ${Object.values(ID_SOURCES).join("\n    ")}
  Prints one JSON document: {"alertId", "alertIds", "stream", "entries": [{"seq", "subject", "time", "summary", "message"}]}
  in stream order, starting with the raw message as it was published. A vendor id that several
  alerts share prints all of them. --since limits the scan (the stream keeps STREAM_MAX_AGE_DAYS
  of history). NATS_URL (and SECOPS_NAMESPACE) say which pipeline to read.
  Exits 1 when the stream holds nothing for the id.
examples (after npm run demo):
  npx secops audit SEC-2026-0101
  npx secops audit --since 2026-01-01T00:00:00Z SEC-2026-0104`,
  async run(argv, io) {
    const { flags, positional, unknown } = parseFlags(argv, ["since"]);
    if (unknown.length > 0 || positional.length !== 1) {
      io.err(unknown.length > 0 ? `unknown or incomplete option: ${unknown.join(" ")}` : "give exactly one id");
      io.err(`usage: ${this.usage}`);
      return 2;
    }
    const id = positional[0]!;
    if (flags.since !== undefined && !Number.isFinite(Date.parse(flags.since))) {
      io.err(`--since ${flags.since}: expected an ISO 8601 time such as 2026-11-23T00:00:00Z`);
      return 2;
    }
    const cfg = parseEnv(natsEnv, io.env);
    const topo = topologyOf(cfg);
    const log = pino({ name: "secops-cli", level: io.env.LOG_LEVEL ?? "warn" }, pino.destination(2));
    const nc = await connectNats(cfg, "secops-audit", log, { maxReconnectAttempts: 0 });
    try {
      const ctx: IdContext = { nc, js: jetstream(nc), topo, ...(flags.since ? { sinceMs: Date.parse(flags.since) } : {}) };
      let alertIds: string[];
      try {
        alertIds = (await alertIdsFor(ctx, id)).alertIds;
      } catch (e) {
        if (!(e instanceof IdError)) throw e;
        io.err(`secops audit: ${e.message}`);
        return 1;
      }
      const wanted = new Set(alertIds);
      const stages = await stageEntries(ctx, topo, wanted);
      const received = new Set(stages.map((e) => (e.message.timestamps as { received?: string } | undefined)?.received).filter((t): t is string => typeof t === "string"));
      const entries = [...(await rawEntries(ctx, topo, wanted, received)), ...stages].sort((a, b) => a.seq - b.seq);
      if (entries.length === 0) {
        io.err(`the stream ${topo.stream} holds nothing for ${id}${flags.since ? ` since ${flags.since}` : ""}`);
        return 1;
      }
      io.out(JSON.stringify({ alertId: alertIds[0], alertIds, stream: topo.stream, entries }));
      return 0;
    } finally {
      await nc.close();
    }
  },
};
