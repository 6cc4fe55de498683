// Only the pipeline can make the pipeline act, against the nats-server `npm start` runs: it has
// authentication on (one generated user per agent, the dashboard and the CLI, permissions from
// agents/src/trust/nats-users.ts), the agents find their credentials in DATA_DIR, decisions are
// signed, a forged decision executes nothing, the containment limit turns a burst into
// approvals, and the kill switch survives restarts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { pino } from "pino";
import { DEFAULT_TOPOLOGY as topo, DecidedMessage, DlqMessage, ExecutedMessage } from "@secops/contracts";
import { startLocalNats, type LocalNats } from "../../src/start/local-nats.js";
import { connectNats } from "../../src/runtime/nats.js";
import { natsEnv, parseEnv } from "../../src/runtime/config.js";
import { blockKey } from "../../src/responder/actions/block-ip.js";
import { loadSigner } from "../../src/trust/signing.js";
import { credentialsFile } from "../../src/trust/local-credentials.js";
import { shippedAccountsConf } from "../../src/trust/nats-users.js";
import { main as cli } from "../../src/cli/main.js";
import { Collector, startPipeline } from "../e2e/pipeline-harness.js";
import { loadSamples } from "../e2e/samples.js";
import { approvalIdFor } from "../../src/shared/ids.js";

const SHIPPED = fileURLToPath(new URL("../../../infra/nats/accounts.conf", import.meta.url));
const DEFAULT_POLICY = fileURLToPath(new URL("../../policy/default.yaml", import.meta.url));
const log = pino({ level: "silent" });
let dataDir: string;
let nats: LocalNats;
let pipeline: Awaited<ReturnType<typeof startPipeline>>;
let watcher: NatsConnection;
let seen: Collector;
let env: Record<string, string>;

const asRole = (role: string) => connectNats(parseEnv(natsEnv, { NATS_URL: nats.url, DATA_DIR: dataDir }), role, log, { maxReconnectAttempts: 0 });

async function runCli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await cli(args, { out: (l) => out.push(l), err: (l) => err.push(l), readStdin: async () => "", env: { NATS_URL: nats.url, DATA_DIR: dataDir, LOG_LEVEL: "silent" }, cwd: dataDir });
  return { code, out, err };
}

/** A ransomware alert like sample 3, on another workstation. */
function ransomware(n: number): string {
  const s = JSON.parse(readFileSync(fileURLToPath(new URL("../../../input_alerts/sample_alert3.json", import.meta.url)), "utf8")) as Record<string, unknown> & { details: Record<string, unknown> };
  const host = `burst-wks-${n}.corp.example.com`;
  return JSON.stringify({ ...s, alert_id: `SEC-BURST-${n}`, details: { ...s.details, endpoint: host }, affected_systems: [host] });
}

const executedFor = (alertId: string) => seen.on(topo.subjects.executed).map((i) => ExecutedMessage.parse(i.data)).filter((x) => x.alertId === alertId);
const decidedFor = (alertId: string) => seen.on(topo.subjects.decided).map((i) => DecidedMessage.parse(i.data)).filter((x) => x.alertId === alertId);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "trust-"));
  nats = await startLocalNats(process.env.NATS_SERVER_BIN ?? "nats-server", dataDir, -1);
  // The default policy with a containment limit the test can reach: two automatic isolations per hour.
  const policy = readFileSync(DEFAULT_POLICY, "utf8").replace(/ISOLATE_HOST: \{ max: 5, per: 1h \}/, "ISOLATE_HOST: { max: 3, per: 1h }");
  expect(policy).toContain("ISOLATE_HOST: { max: 3, per: 1h }");
  writeFileSync(join(dataDir, "policy.yaml"), policy);
  env = { DATA_DIR: dataDir, POLICY_FILE: join(dataDir, "policy.yaml") };
  pipeline = await startPipeline(nats.url, topo, env);
  watcher = await asRole("dashboard");
  seen = await Collector.start(watcher, topo);
}, 60_000);

afterAll(async () => {
  seen?.stop();
  await pipeline?.stop();
  await watcher?.close();
  await nats?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("authenticated NATS by default", () => {
  it("ships infra/nats/accounts.conf exactly as rendered from the one definition", () => {
    expect(readFileSync(SHIPPED, "utf8")).toBe(shippedAccountsConf());
  });

  it("keeps generated credentials private in DATA_DIR and refuses an unauthenticated client", async () => {
    const file = credentialsFile(dataDir);
    const creds = JSON.parse(readFileSync(file, "utf8")) as { url: string; passwords: Record<string, string> };
    expect(creds.url).toBe(nats.url);
    expect(Object.keys(creds.passwords).sort()).toEqual(["cli", "correlator", "dashboard", "decider", "enricher", "investigator", "publisher", "responder"]);
    expect(new Set(Object.values(creds.passwords)).size).toBe(8);
    expect((await import("node:fs")).statSync(file).mode & 0o077).toBe(0);
    await expect(connect({ servers: nats.url, maxReconnectAttempts: 0, timeout: 3_000 })).rejects.toThrow(/Authorization Violation/i);
    await expect(connect({ servers: nats.url, user: "decider", pass: "change-me-decider", maxReconnectAttempts: 0, timeout: 3_000 })).rejects.toThrow(/Authorization Violation/i);
  });

  it("runs the samples end to end with each agent under its own user, every decision signed", async () => {
    const cliNc = await asRole("secops-publish");
    const js = jetstream(cliNc);
    const samples = loadSamples();
    for (const s of samples) await js.publish(topo.subjects.raw, s.body);
    await cliNc.close();
    await seen.waitFor(() => seen.on(topo.subjects.executed).length >= samples.length, 60_000, "every sample executed");
    const executed = seen.on(topo.subjects.executed).map((i) => ExecutedMessage.parse(i.data));
    expect(executed.map((x) => x.execution.status)).toEqual(samples.map(() => "success"));
    for (const d of seen.on(topo.subjects.decided).map((i) => DecidedMessage.parse(i.data))) {
      expect(d.signature?.signer).toBe("decider");
    }
  });

  it("refuses a decision published as a user whose role does not include alerts.decided", async () => {
    const investigator = await asRole("investigator:forger");
    const errors: string[] = [];
    void (async () => { for await (const s of investigator.status()) if (s.type === "error") errors.push(String(s.error)); })();
    const copy = seen.on(topo.subjects.decided)[0]!.data;
    await expect(jetstream(investigator).publish(topo.subjects.decided, JSON.stringify(copy), { timeout: 2_000 })).rejects.toThrow();
    await investigator.flush().catch(() => {});
    await new Promise((r) => setTimeout(r, 200));
    expect(errors.join(" ")).toMatch(/Permissions Violation for Publish to "alerts\.decided"/);
    // Nor can it reach the responder's work through the JetStream API: its durable and the stream are out of bounds.
    const jsm = await jetstreamManager(investigator, { timeout: 2_000 });
    await expect(jsm.consumers.delete(topo.stream, topo.durables.responder)).rejects.toThrow();
    await expect(jsm.consumers.add(topo.stream, { durable_name: topo.durables.responder, filter_subject: "alerts.nothing", ack_policy: AckPolicy.Explicit })).rejects.toThrow();
    await expect(jsm.streams.purge(topo.stream)).rejects.toThrow();
    await expect(jsm.streams.delete(topo.stream)).rejects.toThrow();
    await investigator.flush().catch(() => {});
    await new Promise((r) => setTimeout(r, 200));
    expect(errors.join(" ")).toMatch(/Permissions Violation for Publish to "\$JS\.API\.CONSUMER\.DELETE\.ALERTS\.responder"/);
    expect(errors.join(" ")).toMatch(/Permissions Violation for Publish to "\$JS\.API\.STREAM\.PURGE\.ALERTS"/);
    await expect((await jetstreamManager(watcher)).consumers.info(topo.stream, topo.durables.responder)).resolves.toMatchObject({ config: { filter_subject: topo.subjects.decided } });
    await investigator.close().catch(() => {});
  });
});

describe("signed decisions", () => {
  it("sends a forged or retargeted decision to the DLQ with its reason, records a security event and a review, and executes nothing", async () => {
    const original = seen.on(topo.subjects.decided).map((i) => DecidedMessage.parse(i.data)).find((d) => d.decision.action === "BLOCK_IP")!;
    expect(original).toBeDefined();
    const retarget = (m: DecidedMessage, alertId: string): DecidedMessage => ({
      ...m, alertId,
      decision: { ...m.decision, parameters: { action: "BLOCK_IP", ip: "203.0.113.99", durationHours: 24, reason: "forged" } },
    });
    const { signature: _sig, ...unsigned } = retarget(original, "forged-unsigned");
    const tampered = retarget(original, "forged-tampered"); // keeps the decider's signature of the original
    // The dashboard's user may publish on alerts.decided (approval outcomes): only the signature stops it.
    const dash = await asRole("dashboard");
    await jetstream(dash).publish(topo.subjects.decided, JSON.stringify(unsigned));
    await jetstream(dash).publish(topo.subjects.decided, JSON.stringify(tampered));
    await dash.close();

    await seen.waitFor(() => seen.on(topo.subjects.dlq).filter((i) => String(i.data.alertId).startsWith("forged-")).length >= 2, 20_000, "both forgeries dead-lettered");
    const dlq = seen.on(topo.subjects.dlq).map((i) => DlqMessage.parse(i.data)).filter((d) => d.alertId?.startsWith("forged-"));
    expect(dlq.find((d) => d.alertId === "forged-unsigned")!.reason).toMatch(/^signature check failed, not executed: unsigned ready decision/);
    expect(dlq.find((d) => d.alertId === "forged-tampered")!.reason).toMatch(/does not match the decision/);
    for (const d of dlq) expect(d.stage).toBe("responder");
    expect(executedFor("forged-unsigned")).toEqual([]);
    expect(executedFor("forged-tampered")).toEqual([]);

    const kvm = new Kvm(watcher);
    const blocklist = await kvm.open(topo.buckets.blocklist);
    expect(await blocklist.get(blockKey(original.decision.parameters.action === "BLOCK_IP" ? original.decision.parameters.ip : ""))).not.toBeNull(); // the real one is there
    expect(await blocklist.get(blockKey("203.0.113.99"))).toBeNull();
    const reviews: string[] = [];
    const rkv = await kvm.open(topo.buckets.reviews);
    for await (const k of await rkv.keys()) reviews.push((await rkv.get(k))!.string());
    expect(reviews.filter((r) => r.includes("forged-tampered") && r.includes("signature check failed"))).toHaveLength(1);
    const events: string[] = [];
    const tkv = await kvm.open(topo.buckets.trust);
    for await (const k of await tkv.keys("event.>")) events.push((await tkv.get(k))!.string());
    expect(events.filter((e) => /"kind":"signature"/.test(e) && /forged-/.test(e))).toHaveLength(2);
  });
});

describe("no silent failure", () => {
  it("a signed decision the responder cannot carry out (a host name with markup) becomes a review item, and the alert says it needs a person", async () => {
    const original = seen.on(topo.subjects.decided).map((i) => DecidedMessage.parse(i.data)).find((d) => d.decision.action === "ISOLATE_HOST")!;
    const hostile = "<img src=x onerror=alert(1)>.corp.example.com";
    const msg = loadSigner("decider", { DATA_DIR: dataDir }).sign({
      ...original, alertId: "hostile-target-1",
      decision: { ...original.decision, parameters: { action: "ISOLATE_HOST", host: hostile, ip: null, reason: "ransomware" } },
    });
    const cliNc = await asRole("cli");
    await jetstream(cliNc).publish(topo.subjects.decided, JSON.stringify(msg));
    await cliNc.close();
    await seen.waitFor(() => executedFor("hostile-target-1").length === 1, 20_000, "the refused isolation reported");
    const x = executedFor("hostile-target-1")[0]!.execution;
    expect(x.status).toBe("failed");
    expect(x.summary).toMatch(/^needs a person \(review REV-[0-9A-F]{12}\): .*invalid target/);
    expect(x.details).toMatchObject({ needsPerson: true });
    const review = await (await new Kvm(watcher).open(topo.buckets.reviews)).get(String(x.details.reviewId));
    expect(review?.json<{ alertId: string; status: string; reason: string }>()).toMatchObject({ alertId: "hostile-target-1", status: "open" });
    expect(review?.json<{ reason: string }>().reason).toMatch(/^needs a person: ISOLATE_HOST could not be carried out: invalid target/);
  });
});

describe("blast radius and the kill switch", () => {
  it("turns a burst of isolations beyond the containment limit into approvals, not effects", async () => {
    const before = seen.on(topo.subjects.executed).map((i) => ExecutedMessage.parse(i.data)).filter((x) => x.execution.action === "ISOLATE_HOST" && x.execution.status === "success").length;
    expect(before).toBe(2); // samples 3 and 5
    const cliNc = await asRole("cli");
    for (let n = 1; n <= 4; n++) await jetstream(cliNc).publish(topo.subjects.raw, ransomware(n));
    await cliNc.close();
    const ids = [1, 2, 3, 4].map((n) => `SEC-BURST-${n}`);
    const alertIdOf = (n: string) => seen.on(topo.subjects.decided).map((i) => DecidedMessage.parse(i.data)).find((d) => d.alert.sourceId === n)?.alertId;
    await seen.waitFor(() => ids.every((n) => alertIdOf(n)), 30_000, "the burst decided");
    const decisions = ids.map((n) => decidedFor(alertIdOf(n)!)[0]!);
    const auto = decisions.filter((d) => d.decision.status === "ready");
    const held = decisions.filter((d) => d.decision.status === "awaiting_approval");
    expect(auto).toHaveLength(1);
    expect(held).toHaveLength(3);
    for (const d of held) {
      expect(d.decision.reason).toMatch(/^containment limit reached: 3 automatic ISOLATE_HOST in the last 1h/);
      expect(d.decision.policy.rules.map((r) => r.rule)).toContain("limit.containment");
      // The same approval id scheme as every other approval (shared/ids.ts), so the CLI and the dashboard find it.
      expect(d.decision.approval!.id).toBe(approvalIdFor(d.alertId, d.decision.approval!.digest));
    }
    await seen.waitFor(() => executedFor(auto[0]!.alertId).length === 1, 20_000, "the one isolation within the limit");
    await new Promise((r) => setTimeout(r, 500));
    for (const d of held) expect(executedFor(d.alertId)).toEqual([]);
  });

  it("pauses and resumes from the CLI, and both survive a restart of the server and the agents", async () => {
    const paused = await runCli(["pause", "--by", "alice", "--reason", "bad feed"]);
    expect(paused.err).toEqual([]);
    expect(paused.code).toBe(0);
    expect(JSON.parse(paused.out[0]!)).toMatchObject({ paused: true, by: "alice", reason: "bad feed" });

    // Restart everything: the pause is in KV, on disk.
    await pipeline.stop();
    const port = Number(new URL(nats.url.replace("nats:", "http:")).port);
    await nats.stop();
    nats = await startLocalNats(process.env.NATS_SERVER_BIN ?? "nats-server", dataDir, port);
    pipeline = await startPipeline(nats.url, topo, env);

    const samples = loadSamples();
    const sample4 = samples.find((s) => s.file === "sample_alert4.json")!;
    const replay = JSON.stringify({ ...sample4.json, alert_id: "SEC-PAUSED-1" });
    const cliNc = await asRole("cli");
    await jetstream(cliNc).publish(topo.subjects.raw, replay);
    const mine = await Collector.start(cliNc, topo);
    await mine.waitFor(() => mine.on(topo.subjects.executed).some((i) => ExecutedMessage.parse(i.data).alert.sourceId === "SEC-PAUSED-1"), 30_000, "the paused alert");
    const x = mine.on(topo.subjects.executed).map((i) => ExecutedMessage.parse(i.data)).find((e) => e.alert.sourceId === "SEC-PAUSED-1")!;
    expect(x.decision.mode).toBe("shadow");
    expect(x.decision.policy.rules.find((r) => r.rule === "kill_switch.paused")?.reason).toMatch(/paused by alice .*bad feed/);
    expect(x.execution.status).toBe("shadow");

    const resumed = await runCli(["resume", "--by", "bob"]);
    expect(resumed.code).toBe(0);
    await pipeline.stop();
    pipeline = await startPipeline(nats.url, topo, env);
    await jetstream(cliNc).publish(topo.subjects.raw, JSON.stringify({ ...sample4.json, alert_id: "SEC-RESUMED-1", details: { ...(sample4.json.details as object) } }));
    await mine.waitFor(() => mine.on(topo.subjects.executed).some((i) => ExecutedMessage.parse(i.data).alert.sourceId === "SEC-RESUMED-1"), 30_000, "the resumed alert");
    const y = mine.on(topo.subjects.executed).map((i) => ExecutedMessage.parse(i.data)).find((e) => e.alert.sourceId === "SEC-RESUMED-1")!;
    expect(y.decision.mode).toBe("auto");
    expect(y.decision.policy.rules.map((r) => r.rule)).not.toContain("kill_switch.paused");
    mine.stop();
    await cliNc.close();
  }, 120_000);
});
