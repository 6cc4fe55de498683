// The incident correlator: grouping by shared entities within the window, the highest severity
// kept (a later critical never hides under an earlier low), merge and split by hand, the
// policy section's validation, and the process against a real nats-server (KV + alerts.incidents).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, DeliverPolicy } from "@nats-io/jetstream";
import { pino } from "pino";
import { Incident, type DecidedMessage } from "@secops/contracts";
import { buildChain, type ChainOptions } from "../../../dashboard/test/fixtures.js";
import { startNats, type TestNats } from "../harness/nats.js";
import { provisionStream } from "../../src/runtime/provision.js";
import { natsEnv, parseEnv } from "../../src/runtime/config.js";
import { correlateAlert, mergeStored, splitStored } from "../../src/correlator/handler.js";
import { DEFAULT_INCIDENT_RULES, parseIncidentRules, loadIncidentRules, type IncidentRules } from "../../src/correlator/rules.js";
import { MemoryIncidentStore } from "../../src/correlator/store.js";
import { startCorrelator } from "../../src/correlator/main.js";
import { loadPolicy } from "../../src/shared/policy.js";

const T0 = new Date("2026-05-01T10:00:00Z");
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

function decided(o: ChainOptions): DecidedMessage {
  const c = buildChain({ receivedAt: T0, ...o });
  return c.decided.at(-1)!;
}

async function feed(store: MemoryIncidentStore, rules: IncidentRules, msgs: DecidedMessage[]) {
  let last: Incident[] = [];
  for (const m of msgs) last = await correlateAlert(m, store, rules, new Date(m.alert.time));
  return last;
}

describe("correlating alerts into incidents", () => {
  it("opens one incident from three alerts that share a host, and keeps the highest severity", async () => {
    const store = new MemoryIncidentStore();
    const out = await feed(store, DEFAULT_INCIDENT_RULES, [
      decided({ alertId: "r1", host: "eng-wks-31", user: "u1", externalIp: "198.51.100.1", analystSeverity: "low", alertTime: minutes(0) }),
      decided({ alertId: "r2", host: "eng-wks-31", user: "u2", externalIp: "198.51.100.2", analystSeverity: "critical", alertTime: minutes(5) }),
      decided({ alertId: "r3", host: "eng-wks-31", user: "u3", externalIp: "198.51.100.3", analystSeverity: "medium", alertTime: minutes(9) }),
    ]);
    expect(out).toHaveLength(1);
    const inc = out[0]!;
    expect(inc.alerts.map((a) => a.alertId)).toEqual(["r1", "r2", "r3"]);
    expect(inc.severity).toBe("critical");
    expect(inc.alerts[2]!.rule).toBe("same-host");
    expect(inc.entities.find((e) => e.type === "host")).toEqual({ type: "host", value: "eng-wks-31", alerts: 3 });
    expect(inc.actions).toEqual([{ action: "BLOCK_IP", alerts: 3 }]);
    expect(inc.timeline.map((e) => e.kind)).toEqual(["opened", "alert_added", "alert_added"]);
    expect((await store.listIncidents())).toHaveLength(1);
  });

  it("raises the severity when a later critical arrives, and never lowers it", async () => {
    const store = new MemoryIncidentStore();
    await feed(store, DEFAULT_INCIDENT_RULES, [
      decided({ alertId: "s1", user: "alice", host: "h1", externalIp: "198.51.100.1", analystSeverity: "low", alertTime: minutes(0) }),
      decided({ alertId: "s2", user: "alice", host: "h2", externalIp: "198.51.100.2", analystSeverity: "low", alertTime: minutes(1) }),
    ]);
    const [raised] = await feed(store, DEFAULT_INCIDENT_RULES, [decided({ alertId: "s3", user: "alice", host: "h3", externalIp: "198.51.100.3", analystSeverity: "critical", alertTime: minutes(2) })]);
    expect(raised!.severity).toBe("critical");
    expect(raised!.timeline.at(-1)).toMatchObject({ kind: "severity_raised", alertId: "s3" });
    const [after] = await feed(store, DEFAULT_INCIDENT_RULES, [decided({ alertId: "s4", user: "alice", host: "h4", externalIp: "198.51.100.4", analystSeverity: "low", alertTime: minutes(3) })]);
    expect(after!.severity).toBe("critical");
    expect(after!.alerts).toHaveLength(4);
  });

  it("leaves alone alerts outside the window, internal IPs and ignored users", async () => {
    const store = new MemoryIncidentStore();
    const out = await feed(store, DEFAULT_INCIDENT_RULES, [
      decided({ alertId: "w1", host: "hA", user: "SYSTEM", externalIp: "10.1.1.1", alertTime: minutes(0) }),
      decided({ alertId: "w2", host: "hB", user: "system", externalIp: "10.1.1.1", alertTime: minutes(1) }),
      decided({ alertId: "w3", host: "hA", user: "x", externalIp: "198.51.100.77", alertTime: minutes(200) }),
    ]);
    expect(out).toEqual([]);
    expect(await store.listIncidents()).toEqual([]);
  });

  it("updates an alert in place when its decision changes (an approval), and a redelivery changes nothing", async () => {
    const store = new MemoryIncidentStore();
    const chain = buildChain({ alertId: "p2", host: "h9", approval: true, receivedAt: T0, alertTime: minutes(1) });
    await feed(store, DEFAULT_INCIDENT_RULES, [decided({ alertId: "p1", host: "h9", alertTime: minutes(0) }), chain.decided[0]!]);
    const [upd] = await correlateAlert(chain.decided[1]!, store, DEFAULT_INCIDENT_RULES);
    expect(upd!.alerts.find((a) => a.alertId === "p2")!.status).toBe("approved");
    expect(await correlateAlert(chain.decided[1]!, store, DEFAULT_INCIDENT_RULES)).toEqual([]);
  });

  it("merges and splits by hand, recording who did it", async () => {
    const store = new MemoryIncidentStore();
    const [a] = await feed(store, DEFAULT_INCIDENT_RULES, [decided({ alertId: "m1", host: "x1", alertTime: minutes(0), externalIp: "198.51.100.1", user: "p" }), decided({ alertId: "m2", host: "x1", alertTime: minutes(1), externalIp: "198.51.100.2", user: "q" })]);
    const [b] = await feed(store, DEFAULT_INCIDENT_RULES, [decided({ alertId: "m3", host: "x2", alertTime: minutes(0), externalIp: "198.51.100.3", user: "r", analystSeverity: "critical" }), decided({ alertId: "m4", host: "x2", alertTime: minutes(1), externalIp: "198.51.100.4", user: "s" })]);
    const [target, source] = await mergeStored(store, a!.incidentId, [b!.incidentId], "alice");
    expect(target!.alerts).toHaveLength(4);
    expect(target!.severity).toBe("critical");
    expect(source).toMatchObject({ status: "merged", mergedInto: a!.incidentId });
    expect(target!.timeline.at(-2)).toMatchObject({ kind: "merged", by: "alice" });

    const [rest, split] = await splitStored(store, a!.incidentId, ["m3", "m4"], "bob");
    expect(rest!.alerts.map((x) => x.alertId)).toEqual(["m1", "m2"]);
    expect(rest!.severity).toBe("high");
    expect(split!.alerts.map((x) => x.alertId)).toEqual(["m3", "m4"]);
    expect(split!.severity).toBe("critical");
    await expect(splitStored(store, a!.incidentId, ["m1", "m2"], "bob")).rejects.toThrow(/at least one alert behind/);
    await expect(mergeStored(store, a!.incidentId, [b!.incidentId], "bob")).rejects.toThrow(/already merged/);
    // A later alert on x2 joins the split-off incident, not the one it left.
    const [joined] = await correlateAlert(decided({ alertId: "m5", host: "x2", alertTime: minutes(2), externalIp: "198.51.100.5", user: "t" }), store, DEFAULT_INCIDENT_RULES);
    expect(joined!.incidentId).toBe(split!.incidentId);
  });
});

describe("the policy file's incidents: section", () => {
  it("ships in the default policy, and the decider still accepts the file", () => {
    const rules = loadIncidentRules();
    expect(rules.rules.map((r) => r.entity)).toEqual(["host", "user", "ip", "hash"]);
    // The built-in fallback (no incidents: section) is the documented default.
    expect(rules).toEqual(DEFAULT_INCIDENT_RULES);
    expect(() => loadPolicy()).not.toThrow();
  });

  it("names what is wrong", () => {
    expect(() => parseIncidentRules("incidents:\n  windowMinutes: -5\n  rules: [{ id: a, entity: host }]\n")).toThrow(/incidents.windowMinutes: expected more than 0 minutes/);
    expect(() => parseIncidentRules("incidents:\n  rules: [{ id: a, entity: mac }]\n")).toThrow(/incidents.rules.0.entity/);
    expect(() => parseIncidentRules("incidents:\n  rules: [{ id: a, entity: host }, { id: a, entity: user }]\n")).toThrow(/the id a is used twice/);
    expect(() => parseIncidentRules("incidents:\n  rulez: []\n  rules: [{ id: a, entity: host }]\n")).toThrow(/unknown setting\(s\) rulez/);
  });
});

describe("the correlator process against nats-server", () => {
  let nats: TestNats;
  let nc: NatsConnection;
  beforeAll(async () => {
    nats = await startNats();
    nc = await connect({ servers: nats.url });
    await provisionStream(await jetstreamManager(nc), nats.topo, parseEnv(natsEnv, {}));
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it("reads alerts.decided, stores the incident in KV and publishes each version on alerts.incidents", async () => {
    const topo = nats.topo;
    const js = jetstream(nc);
    const c = await startCorrelator({ nc, topo, log: pino({ level: "silent" }), rules: DEFAULT_INCIDENT_RULES });
    try {
      const sev = ["low", "critical", "medium"] as const;
      for (const [n, s] of sev.entries()) {
        const m = decided({ alertId: `n${n}`, host: "dc-01", user: `u${n}`, externalIp: `198.51.100.${n + 1}`, analystSeverity: s, alertTime: minutes(n) });
        await js.publish(topo.subjects.decided, JSON.stringify(m), { msgID: `n${n}:decided` });
      }
      const consumer = await js.consumers.get(topo.stream, { filter_subjects: topo.subjects.incidents, deliver_policy: DeliverPolicy.All });
      const seen: Incident[] = [];
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && !(seen.at(-1)?.alerts.length === 3)) {
        const m = await consumer.next({ expires: 1000 });
        if (m) seen.push(Incident.parse(m.json()));
      }
      const last = seen.at(-1)!;
      expect(last.alerts.map((a) => a.alertId)).toEqual(["n0", "n1", "n2"]);
      expect(last.severity).toBe("critical");
      expect(seen.map((i) => i.version)).toEqual([1, 2]);
    } finally {
      await c.stop();
    }
  }, 30_000);
});
