// POST /ingest and POST /ingest/:format: alerts in over HTTP. Each item is normalized first so
// the caller learns at once what was wrong with it; the valid ones are published to the raw
// subject exactly as received (the enricher normalizes again and gets the same alert id).
import { headers } from "@nats-io/transport-node";
import { AlertFormat, Headers } from "@secops/contracts";
import type { FastifyError, FastifyInstance } from "fastify";
import { FORMAT_IDS, alertIdFor, messageIdFor, normalizeAlert, splitBatch } from "@secops/agents/normalize";
import type { PluginOptions } from "../context.js";

const CONTENT_TYPES = ["application/json", "application/x-ndjson", "application/jsonl", "application/x-jsonlines", "text/plain"];
const ORIGINAL_PREVIEW = 2048;

interface Rejected { input: string; reason: string; code: string; tried: string[]; original: string }

export default async function ingest(app: FastifyInstance, { ctx }: PluginOptions): Promise<void> {
  const { ingestMaxBytes: maxBytes, internalRanges } = ctx.settings;

  // Bodies are taken as text: the same splitter as `secops publish` decides what one alert is,
  // and the bytes published are the bytes received.
  app.removeContentTypeParser(["application/json", "text/plain"]);
  app.addContentTypeParser(CONTENT_TYPES, { parseAs: "string", bodyLimit: maxBytes }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: FastifyError, _req, reply) => {
    if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      return reply.code(413).send({ error: `request body is larger than the ingest limit of ${maxBytes} bytes (INGEST_MAX_BYTES); split the batch into smaller requests` });
    }
    if (err.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      return reply.code(415).send({ error: `unsupported content type (accepted: ${CONTENT_TYPES.join(", ")})` });
    }
    if (err.code === "FST_ERR_CTP_EMPTY_JSON_BODY" || err.statusCode === 400) return reply.code(400).send({ error: err.message });
    ctx.log.error({ err }, "ingest failed");
    return reply.code(500).send({ error: "internal error while ingesting; nothing more was published" });
  });

  const handle = async (body: unknown, format: AlertFormat | undefined) => {
    const text = typeof body === "string" ? body : "";
    const accepted: { input: string; alertId: string; format: AlertFormat }[] = [];
    const rejected: Rejected[] = [];
    for (const item of splitBatch(text, "body")) {
      const result = normalizeAlert(item.text, { format, internalRanges });
      if (!result.ok) {
        rejected.push({ input: item.input, reason: result.error.reason, code: result.error.code, tried: result.error.tried, original: item.text.slice(0, ORIGINAL_PREVIEW) });
        continue;
      }
      const alertId = alertIdFor(result.alert);
      const h = headers();
      if (format) h.set(Headers.alertFormat, format);
      h.set(Headers.alertId, alertId);
      try {
        await ctx.js.publish(ctx.topo.subjects.raw, item.text, { msgID: messageIdFor(item.text), headers: h, timeout: 5_000 });
        accepted.push({ input: item.input, alertId, format: result.alert.format });
      } catch (e) {
        rejected.push({ input: item.input, reason: `valid, but not published: ${e instanceof Error ? e.message : String(e)}`, code: "publish_failed", tried: [result.alert.format], original: item.text.slice(0, ORIGINAL_PREVIEW) });
      }
    }
    return { accepted, rejected };
  };

  app.post("/ingest", { preHandler: ctx.requireAuth, bodyLimit: maxBytes }, async (req, reply) => {
    const { accepted, rejected } = await handle(req.body, undefined);
    if (accepted.length > 0) return reply.code(202).send({ accepted, rejected });
    return reply.code(rejected.some((r) => r.code === "publish_failed") ? 503 : 400).send({ error: `no alert accepted (${rejected.length} rejected)`, rejected });
  });

  app.post<{ Params: { format: string } }>("/ingest/:format", { preHandler: ctx.requireAuth, bodyLimit: maxBytes }, async (req, reply) => {
    const parsed = AlertFormat.safeParse(req.params.format);
    if (!parsed.success) return reply.code(400).send({ error: `unknown format "${req.params.format}" (accepted: ${FORMAT_IDS.join(", ")})`, rejected: [] });
    const { accepted, rejected } = await handle(req.body, parsed.data);
    if (accepted.length > 0) return reply.code(202).send({ accepted, rejected });
    return reply.code(rejected.some((r) => r.code === "publish_failed") ? 503 : 400).send({ error: `no alert accepted as ${parsed.data} (${rejected.length} rejected)`, rejected });
  });
}
