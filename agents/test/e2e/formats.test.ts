// Issue #3 through the running pipeline: every format fixture goes in on alerts.raw (as nats.js
// and as `nats pub` send it, or through POST /ingest) and comes out on alerts.executed (or stops
// at alerts.decided awaiting approval when the policy says so) with the format, category,
// indicators and alert id the offline normalizer gives for the same bytes. Bad input ends on
// alerts.dlq with a reason and the original intact.
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { pino } from "pino";
import type { FastifyInstance } from "fastify";
import { ActionType, DecidedMessage, DlqMessage, ExecutedMessage, FORMAT_LIST, Headers, type AlertFormat, type CanonicalAlert } from "@secops/contracts";
import { alertIdFor, normalizeAlert, type NormalizeOptions } from "../../src/enricher/normalize/index.js";
import { splitBatch } from "../../src/enricher/normalize/split.js";
import { command as publishCommand } from "../../src/cli/commands/publish.js";
import { actionDigest } from "@secops/contracts";
import { buildDashboard } from "../../../dashboard/src/server.js";
import { startNats, type TestNats } from "../harness/nats.js";
import { rawNatsPublish } from "../harness/raw-nats.js";
import { FIXTURES, fixtureText } from "../normalize/fixtures.js";
import { capturingIo } from "../normalize/cli-io.js";
import { Collector, startPipeline } from "./pipeline-harness.js";

/** What each fixture item is about, read from the fixture itself (one line per item). */
const EXPECTED_CATEGORY: Record<string, CanonicalAlert["category"]> = {
  "cef/lines.cef:1": "data_exfiltration",
  "cef/lines.cef:2": "malware",
  "crowdstrike/detection-summary.json": "malware",
  "crowdstrike/epp-detection.json": "malware", // credential dumping (LSASS) is malware, not authentication (issue 8)
  "defender/alert-v2.json": "other",
  "elastic/flat-dotted.json": "malware", // LSASS dump: credential dumping is malware (issue 8)
  "elastic/search-hit.json": "other",
  "gcp_scc/bare-finding.json": "data_exfiltration",
  "gcp_scc/notification.json": "malware",
  "guardduty/bare-finding.json": "network_scan",
  "guardduty/eventbridge.json": "malware",
  "ocsf/authentication.json": "authentication",
  "ocsf/detection-finding.json": "malware",
  "ocsf/network-activity.json": "other",
  "okta/polling-array.json[0]": "authentication",
  "okta/polling-array.json[1]": "authentication",
  "okta/session-start-threat.json": "authentication",
  "seed/defanged-iocs.json": "authentication",
  "sentinel/incident.json": "data_exfiltration",
  "sentinel/security-alert-row.json": "authentication",
  "splunk/notable.json": "authentication",
  "splunk/webhook-action.json": "malware",
  "suricata/et-scan.json": "network_scan",
  "suricata/http-malware.json": "malware",
  "wazuh/fim-sysmon.json": "malware",
  "wazuh/sshd-brute-force.json": "authentication",
  "webhook/custom.json": "authentication",
  "webhook/epoch-ms.json": "malware", // DNS tunneling maps to T1071.004 (C2 over DNS) through the MITRE name table
  "zeek/notice.jsonl:1": "network_scan",
  "zeek/notice.jsonl:2": "malware",
};

interface FixtureItem { input: string; format: AlertFormat; text: string; via: "nats.js" | "raw PUB" }

function fixtureItems(): FixtureItem[] {
  const items: FixtureItem[] = [];
  for (const format of readdirSync(FIXTURES).sort()) {
    for (const file of readdirSync(join(FIXTURES, format)).sort()) {
      for (const it of splitBatch(fixtureText(format, file), `${format}/${file}`)) {
        // Half through nats.js, half as `nats pub` sends it; CEF lines always as `nats pub`.
        const via = format === "cef" || items.length % 2 === 1 ? "raw PUB" : "nats.js";
        items.push({ input: it.input, format: format as AlertFormat, text: it.text, via });
      }
    }
  }
  return items;
}

/** The offline answer for the same bytes: what `secops normalize` and POST /ingest compute. */
function offline(text: string, options: NormalizeOptions = {}): CanonicalAlert {
  const r = normalizeAlert(text, options);
  if (!r.ok) throw new Error(`fixture does not normalize offline: ${r.error.reason}`);
  return r.alert;
}

let nats: TestNats;
let nc: NatsConnection;
let pipeline: Awaited<ReturnType<typeof startPipeline>>;
let seen: Collector;
let dashboard: FastifyInstance;
let approvals: KV;
let stopWatch: () => void = () => {};
const TOKEN = "formats-e2e-token-0123456789";

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url, ...(nats.user ? { user: nats.user, pass: nats.pass } : {}) });
  pipeline = await startPipeline(nats.url, nats.topo); // LLM unreachable: the rules analyst decides
  seen = await Collector.start(nc, nats.topo);
  dashboard = (await buildDashboard({ nc, topo: nats.topo, log: pino({ level: "silent" }), token: TOKEN, env: {} })).app;
  await dashboard.ready();
  approvals = await new Kvm(nc).open(nats.topo.buckets.approvals);
  stopWatch = await watchApprovals();
}, 60_000);

afterAll(async () => {
  stopWatch();
  await dashboard?.close();
  seen?.stop();
  await pipeline?.stop();
  await nc?.close();
  await nats?.stop();
});

const subjects = () => nats.topo.subjects;
const executedOf = (alertId: string) => seen.on(subjects().executed).filter((i) => i.data.alertId === alertId).map((i) => ExecutedMessage.parse(i.data));
const awaitingOf = (alertId: string) => seen.on(subjects().decided).filter((i) => i.data.alertId === alertId)
  .map((i) => DecidedMessage.parse(i.data)).filter((d) => d.decision.status === "awaiting_approval");
const finished = (alertId: string) => executedOf(alertId).length > 0 || awaitingOf(alertId).length > 0;
const dlqWith = (pred: (d: DlqMessage) => boolean) => seen.on(subjects().dlq).map((i) => DlqMessage.parse(i.data)).filter(pred);

/**
 * Waits until each alert has reached its end. An alert parked for approval has ended only once
 * the responder filed the pending approval (until then a wrong "executed" could still follow).
 */
async function settle(ids: readonly string[], what: string): Promise<void> {
  await seen.waitFor(() => ids.every(finished), 45_000, what);
  for (const id of ids) {
    const [d] = awaitingOf(id);
    if (!d) continue;
    const approvalId = d.decision.approval!.id;
    await seen.waitFor(() => executedOf(id).length > 0 || filed.has(approvalId), 15_000, `the responder to file approval ${approvalId} for ${id}`);
  }
}
const filed = new Set<string>();
async function watchApprovals(): Promise<() => void> {
  const w = await approvals.watch();
  void (async () => { for await (const e of w) if (e.operation === "PUT") filed.add(e.key); })();
  return () => w.stop();
}

/**
 * Where one alert ends: executed (auto → success, shadow → shadow), or parked at alerts.decided
 * because the default policy requires approval — then it must not have been executed.
 */
function terminalOf(alertId: string): { kind: "executed"; msg: ExecutedMessage } | { kind: "awaiting"; msg: DecidedMessage } {
  const executed = executedOf(alertId);
  const awaiting = awaitingOf(alertId);
  if (awaiting.length > 0) {
    expect(executed, `${alertId} awaits approval, so it is not executed: ${JSON.stringify(executed.map((e) => [e.decision, e.execution]))}`).toHaveLength(0);
    const d = awaiting[0]!;
    expect(d.decision.mode).toBe("approval");
    expect(d.decision.approval).not.toBeNull();
    // The responder filed it for people to approve, bound to the digest it recomputes.
    expect(filed.has(d.decision.approval!.id), `approval ${d.decision.approval!.id} filed`).toBe(true);
    expect(d.decision.approval!.digest).toBe(actionDigest(d.decision.parameters));
    expect(ActionType.options).toContain(d.decision.action);
    return { kind: "awaiting", msg: d };
  }
  expect(executed, `${alertId} executed exactly once`).toHaveLength(1);
  const x = executed[0]!;
  expect(ActionType.options).toContain(x.decision.action);
  expect(x.execution.action).toBe(x.decision.action);
  expect(x.decision.status).toBe("ready");
  expect(x.execution.status).toBe(x.decision.mode === "shadow" ? "shadow" : "success");
  expect(x.decision.mode).not.toBe("approval");
  return { kind: "executed", msg: x };
}

describe("every format through the running pipeline (LLM unreachable)", () => {
  const items = fixtureItems();
  const expectedIds = new Map<string, { item: FixtureItem; alert: CanonicalAlert }>();

  it("has an expected category for every fixture item and every format has fixtures", () => {
    expect(items.map((i) => i.input).sort()).toEqual(Object.keys(EXPECTED_CATEGORY).sort());
    expect([...new Set(items.map((i) => i.format))].sort()).toEqual([...FORMAT_LIST].sort());
  });

  it("takes each fixture from alerts.raw to its end with the offline format, category, indicators and alert id", async () => {
    const js = jetstream(nc);
    for (const item of items) {
      const alert = offline(item.text);
      const id = alertIdFor(alert);
      expect(expectedIds.has(id), `${item.input}: alert id ${id} is unique among the fixtures`).toBe(false);
      expectedIds.set(id, { item, alert });
      if (item.via === "nats.js") await js.publish(subjects().raw, item.text);
      else await rawNatsPublish(nats.url, subjects().raw, item.text);
    }
    expect(items.filter((i) => i.via === "raw PUB").length).toBeGreaterThanOrEqual(items.length / 2 - 1);

    const ids = [...expectedIds.keys()];
    await settle(ids, `all ${ids.length} fixture alerts executed or awaiting approval`);

    const ends: Record<string, number> = { executed: 0, awaiting: 0 };
    for (const [id, { item, alert }] of expectedIds) {
      const end = terminalOf(id);
      ends[end.kind]!++;
      const m = end.msg;
      expect(m.alertId, item.input).toBe(id);
      expect(m.alert.format, item.input).toBe(item.format);
      expect(m.alert.category, item.input).toBe(EXPECTED_CATEGORY[item.input]);
      expect(m.alert.iocs, `${item.input}: the pipeline extracts what the offline normalizer does`).toEqual(alert.iocs);
      expect(alert.iocs.length, `${item.input} has indicators`).toBeGreaterThan(0);
      const enriched = m.enrichment.indicators.map((i) => `${i.type}:${i.value}`);
      for (const ioc of alert.iocs) expect(enriched, `${item.input}: ${ioc.type}:${ioc.value} enriched`).toContain(`${ioc.type}:${ioc.value}`);
      expect(m.investigation.analyst).toBe("rules");
    }
    // The policy leaves some work to machines: not every alert may park at approval.
    expect(ends.executed).toBeGreaterThan(0);
    expect(ends.executed! + ends.awaiting!).toBe(items.length);
  }, 60_000);

  it("honours an Alert-Format header: a seed alert forced to the generic webhook mapping", async () => {
    const text = fixtureText("seed", "defanged-iocs.json");
    const forced = offline(text, { format: "webhook" });
    expect(offline(text).format).toBe("seed"); // detection alone would say seed
    const id = alertIdFor(forced);
    await rawNatsPublish(nats.url, subjects().raw, text, { [Headers.alertFormat]: "webhook" });
    await settle([id], "the forced-format alert");
    const m = terminalOf(id).msg;
    expect(m.alert.format).toBe("webhook");
    expect(m.alert.iocs).toEqual(forced.iocs);
  });
});

describe("bad input end to end", () => {
  const wazuh = JSON.parse(fixtureText("wazuh", "sshd-brute-force.json")) as Record<string, unknown>;
  const cases: { name: string; body: string | Buffer; reason: RegExp; tried?: string[] }[] = [
    { name: "truncated JSON", body: '{"title": "cut off mid-alert", "src_ip": "203.0.113.5", "details": {"user": "bob"', reason: /^malformed JSON at position \d+: .*accepted: one JSON object per message, or a CEF line/ },
    { name: "a Wazuh alert whose rule is a string", body: JSON.stringify({ ...wazuh, id: "wrong-types-1", rule: "5710" }), reason: /^looks like a wazuh alert but `rule` must be an object .*got a string \("5710"\)/, tried: ["wazuh"] },
    { name: "an empty object", body: "{}", reason: /the JSON object is empty/ },
    { name: "an unknown format", body: JSON.stringify({ foo: 1, bar: { baz: true }, when: "yesterday" }), reason: /^no known format matched \(tried: wazuh, suricata, .*webhook\); the generic webhook mapping needs at least a title-like field/, tried: [...FORMAT_LIST] },
    { name: "binary junk", body: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe, 0x00, 0x80, 0x13, 0x37]), reason: /not UTF-8 text/ },
  ];

  it("dead-letters each with a reason naming the problem, the formats tried and the original intact", async () => {
    const js = jetstream(nc);
    for (const [i, c] of cases.entries()) {
      if (i % 2 === 0) await rawNatsPublish(nats.url, subjects().raw, c.body);
      else await js.publish(subjects().raw, c.body);
    }
    const originalOf = (d: DlqMessage) => d.original.encoding === "base64" ? Buffer.from(d.original.data, "base64") : Buffer.from(d.original.data, "utf8");
    const entryFor = (body: string | Buffer) => dlqWith((d) => originalOf(d).equals(Buffer.from(body)));
    await seen.waitFor(() => cases.every((c) => entryFor(c.body).length > 0), 30_000, "a dead letter for each bad input");
    for (const c of cases) {
      const [d, ...more] = entryFor(c.body);
      expect(more, `${c.name}: dead-lettered once`).toHaveLength(0);
      expect(d!.stage, c.name).toBe("enricher");
      expect(d!.subject, c.name).toBe(subjects().raw);
      expect(d!.reason, c.name).toMatch(c.reason);
      if (c.tried) expect(d!.tried, c.name).toEqual(c.tried);
      expect(d!.original.encoding, c.name).toBe(Buffer.isBuffer(c.body) ? "base64" : "utf8");
      expect(d!.original.streamSequence, c.name).toBeGreaterThan(0);
    }
    const wrongTypes = entryFor(cases[1]!.body)[0]!;
    expect(wrongTypes.errors).toEqual([{ path: "rule", message: expect.stringMatching(/must be an object/) }]);
  });

  it("accepts a 300 KB description with truncation instead of rejecting the alert", async () => {
    const description = `Exfiltration to 198.51.100.222 observed. ${"A".repeat(300 * 1024)}`;
    const body = JSON.stringify({ title: "Huge description from a chatty tool", id: "huge-field-1", severity: "high", src_ip: "198.51.100.222", description });
    const alert = offline(body);
    const id = alertIdFor(alert);
    await jetstream(nc).publish(subjects().raw, body);
    await settle([id], "the huge-field alert");
    const m = terminalOf(id).msg;
    expect(m.alert.description.length).toBeLessThanOrEqual(16_384);
    expect(m.alert.description).toMatch(/…\[truncated \d+ chars\]$/);
    expect(m.alert.description.startsWith("Exfiltration to 198.51.100.222")).toBe(true);
    expect(m.alert.iocs.map((i) => i.value)).toContain("198.51.100.222");
    expect(dlqWith((d) => d.alertId === id)).toHaveLength(0);
  });

  it("refuses a body over the server's max_payload at the client, saying so clearly", async () => {
    const maxPayload = nc.info!.max_payload;
    const body = JSON.stringify({ title: "Too big to publish", id: "too-big-1", blob: "B".repeat(maxPayload + 1024) });
    // `nats pub` (a raw PUB): the server answers -ERR and closes the connection; the client may
    // see the reset before it reads the -ERR, which is the same refusal.
    await expect(rawNatsPublish(nats.url, subjects().raw, body)).rejects.toThrow(/Maximum Payload|ECONNRESET|EPIPE/i);
    // `secops publish`: the item fails with the sizes and the limit, the rest goes on.
    const dir = mkdtempSync(join(tmpdir(), "formats-e2e-"));
    writeFileSync(join(dir, "big.json"), body);
    writeFileSync(join(dir, "small.json"), JSON.stringify({ title: "Small alert beside a big one", id: "beside-big-1" }));
    const env = { NATS_URL: nats.url, SECOPS_NAMESPACE: nats.topo.namespace, ...(nats.user ? { NATS_USER: nats.user, NATS_PASSWORD: nats.pass } : {}) };
    const io = capturingIo("", env, dir);
    expect(await publishCommand.run(["big.json", "small.json"], io)).toBe(1);
    expect(io.outLines).toEqual([expect.stringMatching(/^small\.json -> .*\.raw seq=\d+$/)]);
    expect(io.errLines[0]).toMatch(new RegExp(`^big\\.json: not published: the alert is ${Buffer.byteLength(body)} bytes, over the NATS server's max_payload of ${maxPayload} bytes`));
    expect(io.errLines.at(-1)).toBe("1 of 2 not published: big.json");
    // Nothing of it reached the stream.
    expect(seen.on(subjects().raw).some((i) => String(i.data.id) === "too-big-1")).toBe(false);
  });
});

describe("POST /ingest end to end", () => {
  it("accepts a mixed batch, rejects the bad item with its reason, and the accepted ids reach the end of the pipeline", async () => {
    const fresh = (format: string, file: string, patch: (o: Record<string, unknown>) => void) => {
      const o = JSON.parse(fixtureText(format, file)) as Record<string, unknown>;
      patch(o);
      return o;
    };
    const batch = [
      // New ids and new attackers: the same activity again would rightly be a duplicate effect.
      fresh("wazuh", "sshd-brute-force.json", (o) => { o.id = "1789373564.9990001"; (o.data as Record<string, unknown>).srcip = "198.51.100.31"; }),
      fresh("suricata", "et-scan.json", (o) => { o.flow_id = 4242424242; o.src_ip = "198.51.100.32"; }),
      fresh("okta", "session-start-threat.json", (o) => { o.uuid = "aaaaaaaa-1111-41f0-9c8b-000000000042"; (o.client as Record<string, unknown>).ipAddress = "198.51.100.33"; }),
      { foo: "no title-like field at all" },
    ];
    const expected = batch.slice(0, 3).map((o) => alertIdFor(offline(JSON.stringify(o))));
    expect(new Set(expected).size).toBe(3);

    const unauthorized = await dashboard.inject({ method: "POST", url: "/ingest", headers: { "content-type": "application/json" }, payload: JSON.stringify(batch) });
    expect(unauthorized.statusCode).toBe(401);

    const res = await dashboard.inject({
      method: "POST", url: "/ingest",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      payload: JSON.stringify(batch),
    });
    expect(res.statusCode, res.body).toBe(202);
    const out = res.json() as { accepted: { input: string; alertId: string; format: string }[]; rejected: { input: string; reason: string; code: string; tried: string[] }[] };
    expect(out.accepted).toEqual([
      { input: "body[0]", alertId: expected[0], format: "wazuh" },
      { input: "body[1]", alertId: expected[1], format: "suricata" },
      { input: "body[2]", alertId: expected[2], format: "okta" },
    ]);
    expect(out.rejected).toHaveLength(1);
    expect(out.rejected[0]).toMatchObject({ input: "body[3]", code: "unknown_format", tried: [...FORMAT_LIST] });
    expect(out.rejected[0]!.reason).toMatch(/no known format matched/);

    await settle(expected, "the ingested alerts executed or awaiting approval");
    for (const [i, id] of expected.entries()) {
      const m = terminalOf(id).msg;
      expect(m.alert.format).toBe(out.accepted[i]!.format);
      // The raw message carried the dashboard's id, and the enricher computed the same one.
      const raw = seen.on(subjects().raw).find((r) => r.headers[Headers.alertId] === id);
      expect(raw, `raw message for ${id}`).toBeDefined();
    }
    // The bad item was never published.
    expect(seen.on(subjects().raw).some((r) => r.data.foo === "no title-like field at all")).toBe(false);
  });
});
