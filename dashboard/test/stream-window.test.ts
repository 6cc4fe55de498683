// The dashboard's feed reads a bounded window of history at start (DASHBOARD_HISTORY_HOURS,
// DASHBOARD_HISTORY_MAX), not the whole stream, against a real nats-server 2.9.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
import { pino } from "pino";
import { topology, type Topology } from "@secops/contracts";
import { AlertIndex } from "../src/feed/alert-index.js";
import { StreamReader, type HistoryWindow } from "../src/feed/stream-reader.js";
import { dashboardSettings } from "../src/context.js";
import { provisionStream } from "../../agents/src/runtime/provision.js";
import { natsEnv, parseEnv } from "../../agents/src/runtime/config.js";
import { startNats, uniqueNamespace, type TestNats } from "../../agents/test/harness/nats.js";
import { buildChain, publishChain } from "./fixtures.js";

let nats: TestNats;
let nc: NatsConnection;
let js: JetStreamClient;
let topo: Topology;

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url, ...(nats.user ? { user: nats.user, pass: nats.pass } : {}) });
  js = jetstream(nc);
  topo = topology(uniqueNamespace("window"));
  await provisionStream(await jetstreamManager(nc), topo, parseEnv(natsEnv, {}));
  // Two alerts, then (1.5 s later) a third: five messages per alert chain.
  await publishChain(js, topo, buildChain({ alertId: "old-1" }));
  await publishChain(js, topo, buildChain({ alertId: "old-2" }));
  await new Promise((r) => setTimeout(r, 1_500));
  await publishChain(js, topo, buildChain({ alertId: "new-1" }));
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

async function readWith(window: HistoryWindow): Promise<string[]> {
  const index = new AlertIndex(100);
  const reader = new StreamReader(js, topo, index, { onAlert: () => {}, onDlq: () => {}, onRaw: () => {} }, pino({ level: "silent" }), window);
  reader.start();
  try {
    const deadline = Date.now() + 10_000;
    while (!reader.health().caughtUp && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(reader.health().caughtUp).toBe(true);
    return ["old-1", "old-2", "new-1"].filter((id) => index.get(id) != null);
  } finally {
    await reader.stop();
  }
}

describe("the feed's history window", () => {
  it("reads the whole stream without a bound", async () => {
    expect(await readWith({ hours: 0, maxMessages: 0 })).toEqual(["old-1", "old-2", "new-1"]);
  });

  it("reads only the newest DASHBOARD_HISTORY_MAX messages", async () => {
    const info = await (await jetstreamManager(nc)).streams.info(topo.stream);
    const perChain = info.state.messages / 3;
    expect(await readWith({ hours: 0, maxMessages: perChain })).toEqual(["new-1"]);
    expect(await readWith({ hours: 0, maxMessages: 2 * perChain })).toEqual(["old-2", "new-1"]);
  });

  it("reads only the last DASHBOARD_HISTORY_HOURS hours, and the count bound still applies within them", async () => {
    expect(await readWith({ hours: 1 / 3600, maxMessages: 0 })).toEqual(["new-1"]);
    expect(await readWith({ hours: 1, maxMessages: 0 })).toEqual(["old-1", "old-2", "new-1"]);
    const info = await (await jetstreamManager(nc)).streams.info(topo.stream);
    expect(await readWith({ hours: 1, maxMessages: info.state.messages / 3 })).toEqual(["new-1"]);
  });

  it("is configured by DASHBOARD_HISTORY_HOURS and DASHBOARD_HISTORY_MAX; a bad value names the variable", () => {
    expect(dashboardSettings({}).history).toEqual({ hours: 24, maxMessages: 100_000 });
    expect(dashboardSettings({ DASHBOARD_HISTORY_HOURS: "0.5", DASHBOARD_HISTORY_MAX: "0" }).history).toEqual({ hours: 0.5, maxMessages: 0 });
    expect(() => dashboardSettings({ DASHBOARD_HISTORY_HOURS: "-1" })).toThrow(/DASHBOARD_HISTORY_HOURS="-1": expected 0 \(no time bound\) or more hours/);
    expect(() => dashboardSettings({ DASHBOARD_HISTORY_HOURS: "a day" })).toThrow(/DASHBOARD_HISTORY_HOURS="a day": expected a number of hours/);
    expect(() => dashboardSettings({ DASHBOARD_HISTORY_MAX: "1.5" })).toThrow(/DASHBOARD_HISTORY_MAX="1.5": expected a whole number of messages/);
  });
});
