// `secops audit <alert-id>`: the whole record of one alert, read back from the stream: every
// stage message (approvals and their outcomes included) and any dead letter, in stream order.
// The stream is the audit log; this command only reads it.
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { pino } from "pino";
import type { CliCommand } from "../command.js";
import { parseFlags } from "../input.js";
import { natsEnv, parseEnv, topologyOf } from "../../runtime/config.js";
import { connectNats } from "../../runtime/nats.js";

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
    default: return stage ?? subject;
  }
}

export const command: CliCommand = {
  name: "audit",
  summary: "print one alert's whole record from the stream: every stage, approvals, dead letters",
  usage: `secops audit [--since <ISO time>] <alert-id>
  Prints one JSON document: {"alertId", "entries": [{"seq", "subject", "time", "summary", "message"}]}
  in stream order. --since limits the scan (the stream keeps STREAM_MAX_AGE_DAYS of history).
  Exits 1 when the stream holds nothing for the alert.`,
  async run(argv, io) {
    const { flags, positional, unknown } = parseFlags(argv, ["since"]);
    if (unknown.length > 0 || positional.length !== 1) {
      io.err(unknown.length > 0 ? `unknown or incomplete option: ${unknown.join(" ")}` : "give exactly one alert id");
      io.err(`usage: ${this.usage}`);
      return 2;
    }
    const alertId = positional[0]!;
    if (flags.since !== undefined && !Number.isFinite(Date.parse(flags.since))) {
      io.err(`--since ${flags.since}: expected an ISO 8601 time such as 2026-11-23T00:00:00Z`);
      return 2;
    }
    const cfg = parseEnv(natsEnv, io.env);
    const topo = topologyOf(cfg);
    const log = pino({ name: "secops-cli", level: io.env.LOG_LEVEL ?? "warn" }, pino.destination(2));
    const nc = await connectNats(cfg, "secops-audit", log, { maxReconnectAttempts: 0 });
    try {
      const js = jetstream(nc);
      const jsm = await js.jetstreamManager();
      const last = (await jsm.streams.info(topo.stream)).state.last_seq;
      // Read up to the last message there is now; --since filters by the stream's own time.
      const since = flags.since ? Date.parse(flags.since) * 1e6 : 0;
      const consumer = await js.consumers.get(topo.stream, { filter_subjects: topo.all, deliver_policy: DeliverPolicy.All });
      const entries: Entry[] = [];
      if (last > 0) {
        const messages = await consumer.consume();
        // A stream trimmed while we read could leave the last sequence unreachable: never hang.
        const guard = setTimeout(() => { io.err("audit: stopped after 120 s; the record may be incomplete"); messages.stop(); }, 120_000);
        for await (const m of messages) {
          if (m.info.timestampNanos < since) {
            if (m.seq >= last) break;
            continue;
          }
          // Stage messages carry the id in the body; raw alerts only when a header named it.
          const headerId = m.headers?.get("Alert-Id") || "";
          if (m.subject !== topo.subjects.raw || headerId === alertId) {
            try {
              const body = m.json<Record<string, unknown>>();
              if (body.alertId === alertId || headerId === alertId) {
                entries.push({ seq: m.seq, subject: m.subject, time: new Date(Math.floor(m.info.timestampNanos / 1e6)).toISOString(), summary: summarize(m.subject, body), message: body });
              }
            } catch { /* not JSON: not a stage message */ }
          }
          if (m.seq >= last) break;
        }
        clearTimeout(guard);
        messages.stop();
      }
      if (entries.length === 0) {
        io.err(`the stream ${topo.stream} holds nothing for ${alertId}${flags.since ? ` since ${flags.since}` : ""}`);
        return 1;
      }
      io.out(JSON.stringify({ alertId, stream: topo.stream, entries }));
      return 0;
    } finally {
      await nc.close();
    }
  },
};
