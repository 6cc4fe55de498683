// The dashboard's configuration is validated once (dashboardEnv, at start) and the server uses
// those values: it does not read the environment again behind main.ts's back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startNats, type TestNats } from "../../agents/test/harness/nats.js";
import { ConfigError } from "@secops/agents/runtime";
import { silentLog } from "../../agents/test/responder/fixtures.js";
import { dashboardSettings, settingsFrom } from "../src/context.js";
import { buildDashboard } from "../src/server.js";

let nats: TestNats;
let nc: NatsConnection;
beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

describe("dashboard settings", () => {
  it("reads the lists and limits once, and names a bad variable", () => {
    expect(dashboardSettings({ DASHBOARD_ALLOWED_HOSTS: " soc.example.com, ops.example.com ", INTERNAL_RANGES: "100.64.0.0/10,", DASHBOARD_MAX_ALERTS: "50" })).toEqual({
      ingestMaxBytes: 5 * 1024 * 1024, maxAlerts: 50, internalRanges: ["100.64.0.0/10"], host: "127.0.0.1",
      allowedHosts: ["soc.example.com", "ops.example.com"], allowedOrigins: [], readAuth: "off", history: { hours: 24, maxMessages: 100_000 },
    });
    expect(() => dashboardSettings({ DASHBOARD_READ_AUTH: "maybe" })).toThrow(ConfigError);
    expect(() => dashboardSettings({ DASHBOARD_READ_AUTH: "maybe" })).toThrow(/DASHBOARD_READ_AUTH="maybe": expected off, token or users/);
    // A range that is not one would leave an internal network looking external: it stops the dashboard.
    expect(() => dashboardSettings({ INTERNAL_RANGES: "10.20.0.0/16,10.30.0.0/33" })).toThrow(/INTERNAL_RANGES="10.20.0.0\/16,10.30.0.0\/33": "10.30.0.0\/33" is not a CIDR range/);
  });

  it("the server takes the settings it is given, not the environment", async () => {
    const settings = settingsFrom({ ...dashboardSettingsInput(), DASHBOARD_ALLOWED_HOSTS: "soc.example.com", DASHBOARD_READ_AUTH: "token" });
    // The environment says otherwise on both counts; the settings win.
    const { app } = await buildDashboard({ nc, topo: nats.topo, log: silentLog, token: "settings-test-token-0123", env: { DASHBOARD_READ_AUTH: "off" }, settings });
    try {
      expect((await app.inject({ method: "GET", url: "/api/stats", headers: { host: "soc.example.com" } })).statusCode).toBe(401);
      expect((await app.inject({ method: "GET", url: "/api/stats", headers: { host: "soc.example.com", authorization: "Bearer settings-test-token-0123" } })).statusCode).toBe(200);
      expect((await app.inject({ method: "GET", url: "/api/stats", headers: { host: "evil.example.net", authorization: "Bearer settings-test-token-0123" } })).statusCode).toBe(421);
    } finally {
      await app.close();
    }
  });
});

/** dashboardEnv's defaults, as parseEnv gives them for an empty environment. */
function dashboardSettingsInput() {
  return { INTERNAL_RANGES: [], DASHBOARD_HOST: "127.0.0.1", DASHBOARD_PORT: 8080, DASHBOARD_READ_AUTH: "off" as const, INGEST_MAX_BYTES: 1024, DASHBOARD_MAX_ALERTS: 10, DASHBOARD_HISTORY_HOURS: 24, DASHBOARD_HISTORY_MAX: 100_000 };
}
