// `secops publish`: puts alert files on the raw subject, one message per alert, exactly as
// read (JSON compacted, CEF lines as-is). It validates nothing beyond readability: the
// enricher normalizes and dead-letters what it cannot read, so publish never second-guesses it.
import { headers } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { Headers } from "@secops/contracts";
import type { CliCommand } from "../command.js";
import { parseInputArgs, readInputs } from "../input.js";
import { natsEnv, parseEnv, topologyOf, ConfigError } from "../../runtime/config.js";
import { connectNats } from "../../runtime/nats.js";
import { createLogger } from "../../runtime/logger.js";
import { errorMessage } from "../../runtime/errors.js";
import { FORMAT_IDS, messageIdFor } from "../../enricher/normalize/index.js";

// Room for the Nats-Msg-Id and Alert-Format headers, which count against max_payload too.
const HEADER_ALLOWANCE = 512;

/**
 * Why an alert cannot be published, or null. The client would refuse it anyway, with only
 * "max_payload size exceeded"; this says how big it is, what the limit is and what to do.
 */
function overMaxPayload(text: string, maxPayload: number | undefined): string | null {
  if (!maxPayload) return null;
  const size = Buffer.byteLength(text, "utf8");
  if (size + HEADER_ALLOWANCE <= maxPayload) return null;
  return `the alert is ${size} bytes, over the NATS server's max_payload of ${maxPayload} bytes (less ${HEADER_ALLOWANCE} for headers); `
    + "trim the alert (long fields are truncated by the normalizer anyway) or raise max_payload in the nats-server config";
}

export const command: CliCommand = {
  name: "publish",
  summary: "publish alert files to the raw subject (alerts.raw) with JetStream acks",
  usage: `secops publish [--format <id>] <file|dir|->...
  Reads JSON objects, JSON arrays of alerts, JSON lines and CEF lines and publishes each alert.
  Prints "<input> -> <subject> seq=<n>" per alert (plus "duplicate" when JetStream already has it).
  --format sets the Alert-Format header (one of: ${FORMAT_IDS.join(", ")}).
  Connection: NATS_URL, NATS_USER/NATS_PASSWORD, NATS_TOKEN, NATS_CREDS, SECOPS_NAMESPACE.
  One alert is limited by the NATS server's max_payload (1 MiB by default).
examples (from the repository root, with npm start running):
  npx secops publish input_alerts/
  npx secops publish --format seed input_alerts/sample_alert1.json`,
  async run(argv, io) {
    const args = parseInputArgs(argv, { format: FORMAT_IDS }, io, this.usage);
    if (!args) return 2;
    const { flags: { format }, positional } = args;
    let cfg;
    try {
      cfg = parseEnv(natsEnv, io.env);
    } catch (e) {
      io.err(e instanceof ConfigError ? e.message : errorMessage(e));
      return 2;
    }
    const subject = topologyOf(cfg).subjects.raw;
    const items = await readInputs(positional, io);
    const failures: string[] = [];
    const log = createLogger("secops-publish", "silent");
    let nc;
    try {
      nc = await connectNats(cfg, "secops-publish", log, { maxReconnectAttempts: 0 });
    } catch (e) {
      io.err(`cannot connect to NATS at ${cfg.NATS_URL}: ${errorMessage(e)}`);
      return 1;
    }
    try {
      const js = jetstream(nc);
      for (const item of items) {
        if ("error" in item) { failures.push(item.input); io.err(`${item.input}: ${item.error}`); continue; }
        if (item.text === "") { failures.push(item.input); io.err(`${item.input}: empty, nothing to publish`); continue; }
        const h = headers();
        if (format) h.set(Headers.alertFormat, format);
        const tooBig = overMaxPayload(item.text, nc.info?.max_payload);
        if (tooBig) { failures.push(item.input); io.err(`${item.input}: not published: ${tooBig}`); continue; }
        try {
          const ack = await js.publish(subject, item.text, { msgID: messageIdFor(item.text), headers: h, timeout: 5_000 });
          io.out(`${item.input} -> ${subject} seq=${ack.seq}${ack.duplicate ? " duplicate" : ""}`);
        } catch (e) {
          failures.push(item.input);
          io.err(`${item.input}: not published: ${errorMessage(e)}`);
        }
      }
    } finally {
      await nc.drain().catch(() => nc.close());
    }
    if (failures.length > 0) {
      io.err(`${failures.length} of ${items.length} not published: ${failures.join(", ")}`);
      return 1;
    }
    return 0;
  },
};
