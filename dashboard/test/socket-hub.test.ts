// The websocket fan-out on its own: a socket that stops reading is dropped, not buffered.
import { EventEmitter } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import type { WebSocket } from "ws";
import { AlertIndex } from "../src/feed/alert-index.js";
import { SocketHub } from "../src/feed/socket-hub.js";
import { buildChain } from "./fixtures.js";

class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  closed: { code: number; reason: string } | null = null;
  /** A reader that keeps up acknowledges every frame; a stalled one never does. */
  constructor(private readonly keepsUp: boolean) { super(); }
  send(frame: string, cb: () => void) {
    this.sent.push(frame);
    if (this.keepsUp) queueMicrotask(cb);
  }
  close(code: number, reason: string) { this.closed = { code, reason }; this.readyState = 3; }
  terminate() { this.readyState = 3; }
  ping() {}
}

describe("SocketHub", () => {
  let hub: SocketHub | null = null;
  afterEach(() => hub?.close());

  it("greets, fans out, and drops a client whose queue is full", async () => {
    const index = new AlertIndex(100);
    hub = new SocketHub(() => index.stats(), pino({ level: "silent" }), { maxQueuedFrames: 5, maxBufferedBytes: 1 << 20, statsIntervalMs: 60_000, pingIntervalMs: 60_000 });
    const fast = new FakeSocket(true);
    const stalled = new FakeSocket(false);
    hub.attach(fast as unknown as WebSocket);
    hub.attach(stalled as unknown as WebSocket);
    expect(JSON.parse(fast.sent[0]!).type).toBe("hello");
    for (let i = 0; i < 10; i++) {
      const s = index.applyStage("enriched", buildChain({ alertId: `a${i}` }).enriched, i + 1, "2026-11-23T10:00:00.000Z")!;
      hub.alertChanged(s);
      await new Promise((r) => setImmediate(r));
    }
    expect(fast.sent).toHaveLength(11);
    expect(fast.closed).toBeNull();
    expect(stalled.sent).toHaveLength(5);
    expect(stalled.closed).toEqual({ code: 1013, reason: "client too slow" });
    expect(hub.size).toBe(1);
  });

  it("drops a client whose ws buffer is over the byte limit", () => {
    const index = new AlertIndex(100);
    hub = new SocketHub(() => index.stats(), pino({ level: "silent" }), { maxQueuedFrames: 100, maxBufferedBytes: 1000, statsIntervalMs: 60_000, pingIntervalMs: 60_000 });
    const s = new FakeSocket(true);
    hub.attach(s as unknown as WebSocket);
    s.bufferedAmount = 5000;
    hub.countersChanged();
    hub.alertChanged(index.applyStage("enriched", buildChain({ alertId: "b" }).enriched, 1, "2026-11-23T10:00:00.000Z")!);
    expect(s.closed?.code).toBe(1013);
  });
});
