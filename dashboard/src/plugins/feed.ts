// The dashboard's read side: what happened to every alert, live. One ordered consumer reads
// the ALERTS stream into an in-memory index (feed/alert-index.ts); the HTTP routes answer
// from the index, and /ws pushes every change to the browsers.
import type { FastifyInstance, FastifyReply } from "fastify";
// Brings in the { websocket: true } route option and the (socket, req) handler types.
import type {} from "@fastify/websocket";
import type { ZodType } from "zod";
import {
  DecidedMessage, EnrichedMessage, ExecutedMessage, InvestigatedMessage,
} from "@secops/contracts";
import type { DashboardContext, PluginOptions } from "../context.js";
import { AlertIndex, type AlertMessageRefs } from "../feed/alert-index.js";
import { StreamReader } from "../feed/stream-reader.js";
import { SocketHub } from "../feed/socket-hub.js";
import { QueryError, parseLimit, parseStage } from "../feed/query.js";
import { UndoWatch } from "../feed/undo-watch.js";
import { registerQueryRoutes } from "./query.js";
import { registerIncidentRoutes } from "./incidents.js";

const ALERT_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_LIST = 1000;
const HEALTH_PROBE_MS = 1000;

/** Everything the feed runs; `stop()` is what graceful shutdown calls (also on app close). */
export interface Feed {
  index: AlertIndex;
  reader: StreamReader;
  hub: SocketHub;
  undo: UndoWatch;
  stop(): Promise<void>;
}

export function createFeed(ctx: DashboardContext): Feed {
  const index = new AlertIndex(ctx.settings.maxAlerts);
  const hub = new SocketHub(() => index.stats(), ctx.log);
  const reader = new StreamReader(ctx.js, ctx.topo, index, {
    onAlert: (s) => hub.alertChanged(s),
    onDlq: (e) => hub.dlqAdded(e),
    onRaw: () => hub.countersChanged(),
    onIncident: (i) => hub.incidentChanged(i),
  }, ctx.log, ctx.settings.history);
  const undo = new UndoWatch(ctx.nc, ctx.topo.buckets.ledger, index, (s) => hub.alertChanged(s), ctx.log);
  let stopping: Promise<void> | null = null;
  return {
    index, reader, hub, undo,
    stop() {
      stopping ??= (async () => {
        await undo.stop();
        await reader.stop();
        hub.close();
      })();
      return stopping;
    },
  };
}

async function readStageMessage<T>(ctx: DashboardContext, seq: number | null, schema: ZodType<T>): Promise<T | null> {
  if (seq === null) return null;
  // Gone when the stream's max_age or max_bytes removed it since the index saw it.
  const stored = await ctx.jsm.streams.getMessage(ctx.topo.stream, { seq }).catch(() => null);
  if (!stored) return null;
  const r = schema.safeParse(stored.json());
  return r.success ? r.data : null;
}

async function readMessages(ctx: DashboardContext, refs: AlertMessageRefs) {
  const [enriched, investigated, executed, decided] = await Promise.all([
    readStageMessage(ctx, refs.enriched, EnrichedMessage),
    readStageMessage(ctx, refs.investigated, InvestigatedMessage),
    readStageMessage(ctx, refs.executed, ExecutedMessage),
    Promise.all(refs.decided.map((seq) => readStageMessage(ctx, seq, DecidedMessage))),
  ]);
  return { enriched, investigated, decided: decided.filter((d) => d !== null), executed };
}

function badQuery(reply: FastifyReply, e: unknown): FastifyReply {
  if (e instanceof QueryError) return reply.code(400).send({ error: "bad_request", message: e.message });
  throw e;
}

async function natsAnswers(ctx: DashboardContext): Promise<boolean> {
  if (ctx.nc.isClosed()) return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      ctx.nc.rtt().then(() => true),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), HEALTH_PROBE_MS); }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export async function feedPlugin(app: FastifyInstance, { ctx }: PluginOptions): Promise<void> {
  const feed = createFeed(ctx);
  feed.reader.start();
  feed.undo.start();
  app.addHook("onClose", async () => { await feed.stop(); });

  app.get("/api/alerts", async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    try {
      return feed.index.list({ limit: parseLimit(q.limit, 100, MAX_LIST), stage: parseStage(q.stage) });
    } catch (e) {
      return badQuery(reply, e);
    }
  });

  app.get("/api/alerts/:id", async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!ALERT_ID.test(id)) {
      return reply.code(400).send({ error: "bad_request", message: "alert id: expected 1-128 characters among letters, digits, '.', '_', ':' and '-'" });
    }
    const found = feed.index.get(id);
    if (!found) return reply.code(404).send({ error: "not_found", message: `no alert ${id} in the dashboard's window (the newest alerts on the stream)` });
    return { alertId: id, summary: found.summary, messages: await readMessages(ctx, found.refs) };
  });

  app.get("/api/dlq", async (req, reply) => {
    try {
      return feed.index.dlq(parseLimit((req.query as Record<string, unknown>).limit, 100, MAX_LIST));
    } catch (e) {
      return badQuery(reply, e);
    }
  });

  app.get("/api/stats", async () => feed.index.stats());

  registerQueryRoutes(app, feed);
  registerIncidentRoutes(app, ctx, feed);

  app.get("/ws", { websocket: true }, (socket) => {
    feed.hub.attach(socket);
  });

  app.get("/healthz", async (_req, reply) => {
    const nats = await natsAnswers(ctx);
    const r = feed.reader.health();
    const consumer = r.running && r.healthy;
    return reply.code(nats && consumer ? 200 : 503).send({
      status: nats && consumer ? "ok" : "degraded",
      nats,
      consumer,
      caughtUp: r.caughtUp,
      lastSeq: feed.index.lastSeq,
      ...(r.lastError ? { lastError: r.lastError } : {}),
    });
  });
}

export default feedPlugin;
