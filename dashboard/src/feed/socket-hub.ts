// Fans the feed out to every connected browser. One stream reader serves all sockets; each
// socket gets a bounded send queue, and a socket that cannot keep up is closed rather than
// buffered without limit (it reconnects and reloads the list over HTTP).
import type { WebSocket } from "ws";
import type { Logger } from "pino";
import type { AlertSummary, DlqEntry, FeedStats } from "./alert-index.js";
import type { Incident } from "@secops/contracts";

export type FeedPush =
  | { type: "hello"; stats: FeedStats }
  | { type: "alert"; summary: AlertSummary }
  | { type: "dlq"; entry: DlqEntry }
  | { type: "incident"; incident: { incidentId: string; version: number; severity: string; status: string; alerts: number; title: string } }
  | { type: "stats"; stats: FeedStats }
  | { type: "pong" };

export interface SocketHubOptions {
  /** Frames handed to a socket and not yet flushed to the kernel before it counts as slow. */
  maxQueuedFrames: number;
  /** Bytes buffered by ws before the socket counts as slow. */
  maxBufferedBytes: number;
  statsIntervalMs: number;
  pingIntervalMs: number;
}

export const DEFAULT_HUB_OPTIONS: SocketHubOptions = {
  maxQueuedFrames: 512,
  maxBufferedBytes: 4 * 1024 * 1024,
  statsIntervalMs: 1000,
  pingIntervalMs: 30_000,
};

/** Close code 1013 "try again later": the client reconnects with backoff. */
const CLOSE_TOO_SLOW = 1013;
const CLOSE_GOING_AWAY = 1001;

interface Client {
  socket: WebSocket;
  queued: number;
  alive: boolean;
}

export class SocketHub {
  private readonly clients = new Set<Client>();
  private statsDirty = false;
  private readonly statsTimer: NodeJS.Timeout;
  private readonly pingTimer: NodeJS.Timeout;

  constructor(private readonly stats: () => FeedStats, private readonly log: Logger, private readonly opts: SocketHubOptions = DEFAULT_HUB_OPTIONS) {
    this.statsTimer = setInterval(() => this.flushStats(), opts.statsIntervalMs);
    this.statsTimer.unref();
    this.pingTimer = setInterval(() => this.pingAll(), opts.pingIntervalMs);
    this.pingTimer.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Must be called synchronously from the route handler so no early frame is missed. */
  attach(socket: WebSocket): void {
    const client: Client = { socket, queued: 0, alive: true };
    this.clients.add(client);
    socket.on("close", () => this.clients.delete(client));
    socket.on("error", () => this.clients.delete(client));
    socket.on("pong", () => { client.alive = true; });
    socket.on("message", (data, isBinary) => {
      // The feed is one-way; the only thing a client may say is an application-level ping.
      if (isBinary) return;
      const text = data.toString();
      if (text.length <= 64 && text.includes("\"ping\"")) this.send(client, { type: "pong" });
    });
    this.send(client, { type: "hello", stats: this.stats() });
  }

  alertChanged(summary: AlertSummary): void {
    this.broadcast({ type: "alert", summary });
    this.statsDirty = true;
  }

  /** A light notice: the page fetches /api/incidents/:id when it shows the incident. */
  incidentChanged(i: Incident): void {
    this.broadcast({ type: "incident", incident: { incidentId: i.incidentId, version: i.version, severity: i.severity, status: i.status, alerts: i.alerts.length, title: i.title } });
    this.statsDirty = true;
  }

  dlqAdded(entry: DlqEntry): void {
    this.broadcast({ type: "dlq", entry });
    this.statsDirty = true;
  }

  countersChanged(): void {
    this.statsDirty = true;
  }

  close(): void {
    clearInterval(this.statsTimer);
    clearInterval(this.pingTimer);
    for (const c of this.clients) c.socket.close(CLOSE_GOING_AWAY, "dashboard shutting down");
    this.clients.clear();
  }

  private flushStats(): void {
    if (!this.statsDirty || this.clients.size === 0) return;
    this.statsDirty = false;
    this.broadcast({ type: "stats", stats: this.stats() });
  }

  private broadcast(push: FeedPush): void {
    if (this.clients.size === 0) return;
    const frame = JSON.stringify(push);
    for (const c of this.clients) this.sendFrame(c, frame);
  }

  private send(client: Client, push: FeedPush): void {
    this.sendFrame(client, JSON.stringify(push));
  }

  private sendFrame(client: Client, frame: string): void {
    const { socket } = client;
    if (socket.readyState !== socket.OPEN) return;
    if (client.queued >= this.opts.maxQueuedFrames || socket.bufferedAmount > this.opts.maxBufferedBytes) {
      this.log.warn({ queued: client.queued, bufferedBytes: socket.bufferedAmount }, "dashboard feed: dropping a websocket client that does not keep up");
      this.clients.delete(client);
      socket.close(CLOSE_TOO_SLOW, "client too slow");
      // A peer that stopped reading never completes the close handshake either.
      setTimeout(() => socket.terminate(), 2000).unref();
      return;
    }
    client.queued++;
    socket.send(frame, () => { client.queued--; });
  }

  private pingAll(): void {
    for (const c of this.clients) {
      // No pong since the last round: the peer is gone without closing (laptop lid, NAT timeout).
      if (!c.alive) {
        this.clients.delete(c);
        c.socket.terminate();
        continue;
      }
      c.alive = false;
      c.socket.ping();
    }
  }
}
