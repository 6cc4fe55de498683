// Incidents over HTTP against a real nats-server and the real correlator: listed from
// alerts.incidents, merged and split by hand with the write token, each change published.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { buildChain } from "./fixtures.js";
import { eventually, startTestDashboard, TEST_TOKEN, type TestDashboard } from "./test-app.js";
import { startCorrelator, type Correlator } from "../../agents/src/correlator/main.js";
import { DEFAULT_INCIDENT_RULES } from "../../agents/src/correlator/rules.js";

describe("incidents API", () => {
  let d: TestDashboard;
  let c: Correlator;
  beforeAll(async () => {
    d = await startTestDashboard();
    c = await startCorrelator({ nc: d.nc, topo: d.topo, log: pino({ level: "silent" }), rules: DEFAULT_INCIDENT_RULES });
    const t0 = Date.now();
    const pairs = [["a", "host-a"], ["b", "host-b"]] as const;
    for (const [p, host] of pairs) {
      for (let i = 0; i < 2; i++) {
        const ch = buildChain({ alertId: `${p}${i}`, host, user: `${p}-u${i}`, externalIp: `198.51.100.${p === "a" ? 10 + i : 20 + i}`, analystSeverity: p === "b" && i === 1 ? "critical" : "low", receivedAt: new Date(t0 + i * 1000) });
        await d.js.publish(d.topo.subjects.decided, JSON.stringify(ch.decided[0]), { msgID: `${p}${i}:decided` });
      }
    }
  }, 60_000);
  afterAll(async () => {
    await c?.stop();
    await d?.close();
  });

  const get = async (url: string) => (await d.app.inject({ method: "GET", url })).json();
  const post = (url: string, body: unknown, auth = true) =>
    d.app.inject({ method: "POST", url, payload: body as object, headers: { "content-type": "application/json", ...(auth ? { authorization: `Bearer ${TEST_TOKEN}`, "x-secops-user": "alice" } : {}) } });

  it("lists the correlator's incidents, merges two by hand and splits them again", async () => {
    const items = await eventually(async () => {
      const r = (await get("/api/incidents")).items as { incidentId: string; alerts: { alertId: string }[]; severity: string }[];
      return r.length === 2 && r.every((i) => i.alerts.length === 2) ? r : undefined;
    }, "two incidents of two alerts", 15_000);
    const a = items.find((i) => i.alerts.some((x) => x.alertId === "a0"))!;
    const b = items.find((i) => i.alerts.some((x) => x.alertId === "b0"))!;
    expect(b.severity).toBe("critical");
    expect((await get(`/api/search?q=incident:${a.incidentId}`)).total).toBe(2);

    expect((await post(`/api/incidents/${a.incidentId}/merge`, { incidents: [b.incidentId] }, false)).statusCode).toBe(401);
    expect((await post(`/api/incidents/${a.incidentId}/merge`, { incidents: ["nope"] })).statusCode).toBe(400);
    const merged = await post(`/api/incidents/${a.incidentId}/merge`, { incidents: [b.incidentId] });
    expect(merged.statusCode).toBe(200);
    const m = merged.json().incidents[0];
    expect(m).toMatchObject({ incidentId: a.incidentId, severity: "critical" });
    expect(m.alerts).toHaveLength(4);
    expect(m.timeline.at(-2)).toMatchObject({ kind: "merged", by: "alice" });
    expect((await get("/api/incidents")).items).toHaveLength(1);
    expect((await get(`/api/search?q=incident:${a.incidentId}`)).total).toBe(4);
    // Merging again is a conflict the person can read.
    const again = await post(`/api/incidents/${a.incidentId}/merge`, { incidents: [b.incidentId] });
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toMatch(/already merged/);

    const split = await post(`/api/incidents/${a.incidentId}/split`, { alertIds: ["b0", "b1"] });
    expect(split.statusCode).toBe(200);
    const [rest, fresh] = split.json().incidents;
    expect(rest.alerts.map((x: { alertId: string }) => x.alertId)).toEqual(["a0", "a1"]);
    expect(rest.severity).toBe("low");
    expect(fresh.severity).toBe("critical");
    expect((await get(`/api/incidents/${fresh.incidentId}`)).incident.alerts).toHaveLength(2);
    expect((await get(`/api/search?q=incident:${fresh.incidentId}`)).total).toBe(2);
    expect((await get(`/api/search?q=incident:${rest.incidentId}`)).total).toBe(2);
    expect((await post(`/api/incidents/${rest.incidentId}/split`, { alertIds: ["a0", "a1"] })).statusCode).toBe(409);
  }, 30_000);
});
