// The whole pipeline, end to end, against a real nats-server: the samples go in on alerts.raw
// (as `nats pub` sends them) and come out on alerts.executed with the expected action.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { DlqMessage, ExecutedMessage, stageOfSubject } from "@secops/contracts";
import { startNats, type TestNats } from "../harness/nats.js";
import { rawNatsPublish } from "../harness/raw-nats.js";
import { Collector, startPipeline } from "./pipeline-harness.js";
import { EXPECTED_ACTION, loadSamples } from "./samples.js";
import { command as audit } from "../../src/cli/commands/audit.js";
import { command as undo } from "../../src/cli/commands/undo.js";
import { capturingIo } from "../normalize/cli-io.js";

let nats: TestNats;
let nc: NatsConnection;
let pipeline: Awaited<ReturnType<typeof startPipeline>>;
let seen: Collector;

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
  pipeline = await startPipeline(nats.url, nats.topo); // LLM unreachable: the rules analyst decides
  seen = await Collector.start(nc, nats.topo);
});
afterAll(async () => {
  seen?.stop();
  await pipeline?.stop();
  await nc?.close();
  await nats?.stop();
});

const executedFor = (sourceId: string) =>
  seen.on(nats.topo.subjects.executed).map((i) => ExecutedMessage.parse(i.data)).filter((m) => m.alert.sourceId === sourceId);

describe("end to end, LLM unreachable", () => {
  it("takes every sample from alerts.raw to alerts.executed with the expected action", async () => {
    const samples = loadSamples();
    expect(samples.length).toBe(5);
    const js = jetstream(nc);
    for (const s of samples) await js.publish(nats.topo.subjects.raw, s.body);
    await seen.waitFor(() => seen.on(nats.topo.subjects.executed).length >= 5, 60_000, "5 executed alerts");

    for (const s of samples) {
      const [m, ...more] = executedFor(String(s.json.alert_id));
      expect(more, `${s.file} executed once`).toHaveLength(0);
      expect(m, `${s.file} reached alerts.executed`).toBeDefined();
      const x = m!;
      // One message carries the whole picture.
      expect(x.alert.format).toBe("seed");
      expect(x.enrichment.indicators.map((i) => i.value)).toEqual(x.alert.iocs.map((i) => i.value));
      expect(x.investigation.analyst).toBe("rules");
      expect(x.investigation.fallbackReason).toBeTruthy();
      expect(x.decision.action).toBe(EXPECTED_ACTION[s.file]);
      expect(x.execution.action).toBe(EXPECTED_ACTION[s.file]);
      expect(x.execution.status).toBe("success");
      expect(Object.keys(x.timestamps)).toEqual(expect.arrayContaining(["received", "enriched", "investigated", "decided", "executed"]));
      // Targets are the alert's own indicators or assets.
      if (x.decision.parameters.action === "BLOCK_IP") {
        const ip = x.decision.parameters.ip;
        expect(x.alert.iocs.filter((i) => i.type === "ip").map((i) => i.value)).toContain(ip);
        expect(x.alert.iocs.find((i) => i.value === ip)?.internal).toBe(false);
      }
      if (x.decision.parameters.action === "ISOLATE_HOST") {
        expect([x.alert.host.name, ...x.alert.assets]).toContain(x.decision.parameters.host);
      }
    }
    // Every stage published with Nats-Msg-Id = alert id + stage.
    const ids = seen.on(nats.topo.subjects.investigated).map((i) => i.headers["Nats-Msg-Id"]);
    expect(ids.every((id) => /^al-[0-9a-f]+:investigated$/.test(id ?? ""))).toBe(true);
  });

  it("records each effect in KV: the ticket, the block and the isolations", async () => {
    const kvm = new Kvm(nc);
    const count = async (bucket: string) => (await (await kvm.open(bucket)).status()).values;
    expect(await count(nats.topo.buckets.tickets)).toBeGreaterThanOrEqual(2);
    expect(await count(nats.topo.buckets.blocklist)).toBeGreaterThanOrEqual(1);
    expect(await count(nats.topo.buckets.isolations)).toBeGreaterThanOrEqual(2);
  });

  it("processes a raw NATS-protocol PUB (what `nats pub` sends) like any other alert", async () => {
    const body = JSON.parse(loadSamples()[3]!.body) as Record<string, unknown>;
    body.alert_id = "SEC-RAW-PUB-1";
    (body.details as Record<string, unknown>).source_ip = "198.51.100.201";
    await rawNatsPublish(nats.url, nats.topo.subjects.raw, JSON.stringify(body));
    await seen.waitFor(() => executedFor("SEC-RAW-PUB-1").length === 1, 30_000, "the raw PUB alert executed");
    const x = executedFor("SEC-RAW-PUB-1")[0]!;
    expect(x.execution.action).toBe("BLOCK_IP");
    expect(x.execution.target).toBe("198.51.100.201");
  });

  it("honours Nats-Msg-Id on a raw HPUB: the same alert published twice is processed once", async () => {
    const body = JSON.parse(loadSamples()[0]!.body) as Record<string, unknown>;
    body.alert_id = "SEC-HPUB-DEDUP";
    const text = JSON.stringify(body);
    await rawNatsPublish(nats.url, nats.topo.subjects.raw, text, { "Nats-Msg-Id": "hpub-dedup-1" });
    await rawNatsPublish(nats.url, nats.topo.subjects.raw, text, { "Nats-Msg-Id": "hpub-dedup-1" });
    await seen.waitFor(() => executedFor("SEC-HPUB-DEDUP").length === 1, 30_000, "the HPUB alert executed");
    await new Promise((r) => setTimeout(r, 1_000));
    expect(seen.on(nats.topo.subjects.raw).filter((i) => i.headers["Nats-Msg-Id"] === "hpub-dedup-1")).toHaveLength(1);
    expect(executedFor("SEC-HPUB-DEDUP")).toHaveLength(1);
  });

  it("sends a malformed alert to alerts.dlq with its reason and the original, and keeps going", async () => {
    const truncated = '{"alert_id": "SEC-BROKEN", "name": "Truncated", "details": {"source_ip": "203.0.113.9"';
    await rawNatsPublish(nats.url, nats.topo.subjects.raw, truncated);
    await rawNatsPublish(nats.url, nats.topo.subjects.raw, Buffer.from([0x00, 0xff, 0xfe, 0x13, 0x37]));
    await rawNatsPublish(nats.url, nats.topo.subjects.raw, "{}");
    await seen.waitFor(() => seen.on(nats.topo.subjects.dlq).length >= 3, 30_000, "3 dead letters");
    const dlq = seen.on(nats.topo.subjects.dlq).map((i) => DlqMessage.parse(i.data));
    const broken = dlq.find((d) => d.original.data === truncated)!;
    expect(broken.stage).toBe("enricher");
    expect(broken.reason).toMatch(/JSON/i);
    const binary = dlq.find((d) => d.original.encoding === "base64")!;
    expect(Buffer.from(binary.original.data, "base64")).toEqual(Buffer.from([0x00, 0xff, 0xfe, 0x13, 0x37]));
    expect(binary.reason.length).toBeGreaterThan(10);
    const empty = dlq.find((d) => d.original.data === "{}")!;
    expect(empty.reason).toMatch(/empty|no known format|tried/i);
  });

  it("rejects an unknown Alert-Format header with the list of accepted formats", async () => {
    await rawNatsPublish(nats.url, nats.topo.subjects.raw, loadSamples()[0]!.body, { "Alert-Format": "splunkish" });
    await seen.waitFor(() => seen.on(nats.topo.subjects.dlq).some((i) => String(i.data.reason).includes("splunkish")), 30_000, "the Alert-Format dead letter");
    const d = seen.on(nats.topo.subjects.dlq).find((i) => String(i.data.reason).includes("splunkish"))!;
    expect(String(d.data.reason)).toMatch(/accepted: wazuh, suricata/);
  });

  it("secops audit prints an alert's whole record from the stream, in order", async () => {
    const x = executedFor(String(loadSamples()[2]!.json.alert_id))[0]!;
    const env = { NATS_URL: nats.url, SECOPS_NAMESPACE: nats.topo.namespace };
    const io = capturingIo("", env);
    expect(await audit.run([x.alertId], io)).toBe(0);
    const record = JSON.parse(io.outLines[0]!) as { alertId: string; entries: { seq: number; subject: string; summary: string }[] };
    expect(record.alertId).toBe(x.alertId);
    // The raw message as it was published comes first, found by its receive time and alert id.
    // The enriched message is on the subject of the alert's severity (the investigator's priority).
    expect(record.entries.map((e) => e.subject)).toEqual(["raw", `enriched.${x.alert.severity}`, "investigated", "decided", "executed"].map((s) => `${nats.topo.namespace}.alerts.${s}`));
    const raw = (record.entries[0] as unknown as { message: { body: unknown; format: string } }).message;
    expect(raw.body).toEqual(loadSamples()[2]!.json);
    expect(raw.format).toBe("seed");
    const seqs = record.entries.map((e) => e.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(record.entries[4]!.summary).toMatch(/^ISOLATE_HOST success via /);

    const none = capturingIo("", env);
    expect(await audit.run(["al-000000000000000000000000"], none)).toBe(1);
    expect(none.errLines.join("\n")).toMatch(/holds nothing for al-000000000000000000000000/);
    const future = capturingIo("", env);
    expect(await audit.run(["--since", "2999-01-01T00:00:00Z", x.alertId], future)).toBe(1);
    expect(await audit.run(["--since", "yesterday", x.alertId], capturingIo("", env))).toBe(2);
  });

  it("secops audit takes the ids people have: the vendor's id, a ticket id, an action id", async () => {
    const env = { NATS_URL: nats.url, SECOPS_NAMESPACE: nats.topo.namespace };
    const auditOf = async (id: string) => {
      const io = capturingIo("", env);
      const code = await audit.run([id], io);
      return { code, record: code === 0 ? JSON.parse(io.outLines[0]!) as { alertId: string; alertIds: string[]; entries: { subject: string }[] } : null, err: io.errLines.join("\n") };
    };
    const sample1 = loadSamples()[0]!;
    const x = executedFor(String(sample1.json.alert_id))[0]!;
    const ticketId = String((x.execution.details as { ticketId?: string }).ticketId);
    expect(ticketId).toMatch(/^TKT-[0-9A-F]{10}$/);
    for (const id of [String(sample1.json.alert_id), ticketId, x.execution.actionId]) {
      const r = await auditOf(id);
      expect(r.code, `${id}: ${r.err}`).toBe(0);
      expect(r.record!.alertIds).toEqual([x.alertId]);
      expect(r.record!.entries.map((e) => stageOfSubject(nats.topo, e.subject))).toEqual(["raw", "enriched", "investigated", "decided", "executed"]);
    }
    const unknown = await auditOf("SEC-1999-9999");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/no alert in stream .* has the id SEC-1999-9999 \(accepted: .*vendor's own alert id/);
    expect((await auditOf("TKT-0000000000")).err).toMatch(/no action made TKT-0000000000/);
  });

  it("secops undo takes the vendor's id or the ticket id, and says when there is nothing left to undo", async () => {
    const env = { NATS_URL: nats.url, SECOPS_NAMESPACE: nats.topo.namespace, LOG_LEVEL: "silent" };
    const scan = executedFor(String(loadSamples()[3]!.json.alert_id))[0]!;
    const first = capturingIo("", env);
    expect(await undo.run([String(scan.alert.sourceId), "--by", "erin"], first), first.errLines.join("\n")).toBe(0);
    expect(JSON.parse(first.outLines[0]!)).toMatchObject({ actionId: scan.execution.actionId, status: "success", by: "erin" });
    const again = capturingIo("", env);
    expect(await undo.run([String(scan.alert.sourceId), "--by", "erin"], again)).toBe(1);
    expect(again.errLines.join("\n")).toMatch(/has nothing to undo: BLOCK_IP already undone/);

    const ticketed = executedFor(String(loadSamples()[1]!.json.alert_id))[0]!;
    const ticketId = String((ticketed.execution.details as { ticketId?: string }).ticketId);
    const byTicket = capturingIo("", { ...env, SECOPS_USER: "frank" });
    expect(await undo.run([ticketId], byTicket), byTicket.errLines.join("\n")).toBe(0);
    expect(JSON.parse(byTicket.outLines[0]!)).toMatchObject({ actionId: ticketed.execution.actionId, status: "success", by: "frank" });
  });
});
