// secops replay and secops audit --export against a real nats-server: a recorded history of 200
// alerts decided under the default policy is replayed with a stricter one.
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { DecidedMessage, SchemaIds, topology, type Topology } from "@secops/contracts";
import { startNats, type TestNats } from "../harness/nats.js";
import { startFakeLlm, type FakeLlm } from "../fakes/fake-llm-server.js";
import { main } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/command.js";
import { connectNats } from "../../src/runtime/nats.js";
import { llmEnv, natsEnv, parseEnv } from "../../src/runtime/config.js";
import { createLlmClient } from "../../src/llm/client.js";
import { investigateAlert } from "../../src/investigator/handler.js";
import { DEFAULT_POLICY_FILE } from "../../src/shared/policy.js";
import { loadPolicyWithText, policyKey, policyVersionText } from "../../src/state/policy-versions.js";
import { createResponder } from "../../src/responder/handler.js";
import { newReplayNamespace } from "../../src/shared/replay-namespace.js";
import { deciderStage } from "../../src/decider/main.js";
import type { AgentRuntime } from "../../src/runtime/agent.js";
import { provision, recordHistory, silent } from "./history-fixture.js";

let nats: TestNats;
let nc: NatsConnection;
let topo: Topology;
let originals: DecidedMessage[];
let llm: FakeLlm;
const dir = mkdtempSync(join(tmpdir(), "secops-replay-"));

// The stricter policy: blocks and tickets wait for a person; everything else as in the default.
const STRICT = readFileSync(DEFAULT_POLICY_FILE, "utf8")
  .replace(/version: "default-2025.1"/, 'version: "strict-test"')
  .replace(/CREATE_TICKET:\s+\{ mode: auto/, "CREATE_TICKET:        { mode: approval")
  .replace(/BLOCK_IP:\s+\{ mode: auto/, "BLOCK_IP:             { mode: approval");
const strictFile = join(dir, "strict.yaml");
writeFileSync(strictFile, STRICT);

function cli(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), readStdin: async () => "", env: { NATS_URL: nats.url, SECOPS_NAMESPACE: topo.namespace, LOG_LEVEL: "silent", ...env }, cwd: dir };
  return { io, out, err, run: (...argv: string[]) => main(argv, io) };
}

/** Everything a replay could write to: every stream message and every key revision of every live bucket. */
async function liveState(): Promise<unknown> {
  const jsm = await jetstream(nc).jetstreamManager();
  const s = (await jsm.streams.info(topo.stream)).state;
  const buckets: Record<string, [string, number][]> = {};
  for (const name of Object.values(topo.buckets)) {
    const kv = await new Kvm(nc).open(name);
    const keys: string[] = [];
    for await (const k of await kv.keys()) keys.push(k);
    buckets[name] = [];
    for (const k of keys.sort()) buckets[name].push([k, (await kv.get(k))?.revision ?? -1]);
  }
  return { messages: s.messages, lastSeq: s.last_seq, bytes: s.bytes, buckets };
}

const target = (d: DecidedMessage["decision"]) => (d.parameters.action === "BLOCK_IP" ? d.parameters.ip : d.parameters.action === "ISOLATE_HOST" ? d.parameters.host : null);

beforeAll(async () => {
  nats = await startNats();
  topo = nats.topo;
  nc = await connectNats(parseEnv(natsEnv, { NATS_URL: nats.url }), "replay-test", silent);
  await provision(nc, topo, nats.url);
  originals = await recordHistory(nc, topo, loadPolicyWithText(), 200, "rp");
  llm = await startFakeLlm();
}, 120_000);

afterAll(async () => {
  await llm?.close();
  await nc?.close();
  await nats?.stop();
});

describe("secops replay", () => {
  it("replays 200 alerts with a stricter policy, lists exactly the decisions that change, and writes nothing live", async () => {
    // The history has what the stricter policy changes, and what it leaves alone.
    const autoChanged = originals.filter((m) => m.decision.mode === "auto" && ["BLOCK_IP", "CREATE_TICKET"].includes(m.decision.action));
    expect(autoChanged.length).toBeGreaterThan(10);
    expect(originals.length - autoChanged.length).toBeGreaterThan(10);

    const before = await liveState();
    const seen: string[] = [];
    const sub = nc.subscribe(topo.all, { callback: (_e, m) => { seen.push(m.subject); } });
    const c = cli();
    const code = await c.run("replay", "--since", "2000-01-01T00:00:00Z", "--policy", strictFile, "--json", "--fail-on-change");
    await nc.flush();
    sub.unsubscribe();
    expect(code, c.err.join("\n")).toBe(3);
    const report = JSON.parse(c.out.join("")) as { rows: { alertId: string; changed: boolean; original: { action: string; mode: string; target: string | null }; replayed: { action: string; mode: string; target: string | null }; execution: string }[]; summary: { alerts: number; changed: number; newlyNeedingApproval: number; newlyAutomatic: number; transitions: Record<string, number>; forbidden: unknown[] } };
    expect(report.summary.alerts).toBe(200);

    // The expected diff, from the policy change itself: auto blocks and tickets now wait for approval, with the same target.
    const expectedChanged = new Map(autoChanged.map((m) => [m.alertId, m]));
    const changed = report.rows.filter((r) => r.changed);
    expect(new Set(changed.map((r) => r.alertId))).toEqual(new Set(expectedChanged.keys()));
    for (const r of changed) {
      const o = expectedChanged.get(r.alertId)!.decision;
      expect(r.original).toMatchObject({ action: o.action, mode: "auto", target: target(o) });
      expect(r.replayed).toMatchObject({ action: o.action, mode: "approval", target: target(o) });
    }
    expect(report.summary.changed).toBe(autoChanged.length);
    expect(report.summary.newlyNeedingApproval).toBe(autoChanged.length);
    expect(report.summary.newlyAutomatic).toBe(0);
    expect(report.summary.forbidden).toEqual([]);
    const blocks = autoChanged.filter((m) => m.decision.action === "BLOCK_IP").length;
    expect(report.summary.transitions["BLOCK_IP/auto → BLOCK_IP/approval"] ?? 0).toBe(blocks);
    // The replay responder ran every decision in shadow mode, approvals included.
    expect(new Set(report.rows.map((r) => r.execution))).toEqual(new Set(["shadow"]));
    expect(c.err.some((l) => /200\/200 \(100%\).*ETA done/.test(l))).toBe(true);

    expect(seen).toEqual([]);
    expect(await liveState()).toEqual(before);
  }, 120_000);

  it("prints a table and CSV, and exits 0 without --fail-on-change or when nothing changed", async () => {
    const table = cli();
    expect(await table.run("replay", "--since", "2000-01-01T00:00:00Z", "--policy", strictFile)).toBe(0);
    expect(table.out.join("\n")).toMatch(/200 alerts, 200 replayed, 0 failed, \d+ changed/);
    expect(table.out.join("\n")).toContain("BLOCK_IP/auto → BLOCK_IP/approval");
    const same = cli();
    expect(await same.run("replay", "--alerts", originals.slice(0, 5).map((m) => m.alertId).join(","), "--fail-on-change", "--csv")).toBe(0);
    expect(same.out[0]).toMatch(/^alertId,sourceId,changed,orig_action/);
    expect(same.out).toHaveLength(6);
    const bad = cli();
    expect(await bad.run("replay", "--from-stage", "decided", "--since", "2000-01-01T00:00:00Z")).toBe(2);
    expect(bad.err[0]).toContain("expected raw, enriched, investigated");
  }, 120_000);

  it("--from-stage investigated makes no LLM call; --from-stage enriched does", async () => {
    const ids = originals.slice(0, 3).map((m) => m.alertId).join(",");
    const before = llm.requests.length;
    const c = cli();
    expect(await c.run("replay", "--alerts", ids, "--from-stage", "investigated", "--analyst", "llm", "--llm-url", llm.url, "--llm-model", "fake-qwen3-8b", "--json"), c.err.join("\n")).toBe(0);
    expect(llm.requests.length).toBe(before);
    const e = cli();
    expect(await e.run("replay", "--alerts", ids, "--from-stage", "enriched", "--analyst", "llm", "--llm-url", llm.url, "--llm-model", "fake-qwen3-8b", "--json"), e.err.join("\n")).toBe(0);
    expect(llm.requests.length).toBeGreaterThanOrEqual(before + 3);
    const rows = (JSON.parse(e.out.join("")) as { rows: { replayed: { analyst: string } | null }[] }).rows;
    expect(rows.every((r) => r.replayed?.analyst === "llm")).toBe(true);
  }, 120_000);

  it("--from-stage raw normalizes the raw messages again", async () => {
    const c = cli();
    expect(await c.run("replay", "--alerts", originals.slice(0, 10).map((m) => m.alertId).join(","), "--from-stage", "raw", "--json"), c.err.join("\n")).toBe(0);
    const rows = (JSON.parse(c.out.join("")) as { rows: { alertId: string; error: string | null; changed: boolean }[] }).rows;
    expect(rows.map((r) => r.error)).toEqual(Array(10).fill(null));
    expect(rows.filter((r) => r.changed)).toEqual([]);
  }, 120_000);
});

describe("what an investigation keeps for an audit", () => {
  it("the model's raw answer, beside its thinking, tokens, model and prompt version", async () => {
    const client = createLlmClient(parseEnv(llmEnv, { LLM_API_URL: llm.url, LLM_MODEL_NAME: "fake-qwen3-8b", LLM_MAX_RETRIES: "0" }), silent);
    const inv = await investigateAlert({ ...originals[0]!, schema: SchemaIds.enriched }, { llm: client, log: silent });
    expect(inv.analyst).toBe("llm");
    const sent = llm.requests.at(-1)!;
    expect(sent).toBeDefined();
    expect(inv.llm!.answer).toBeTruthy();
    expect(JSON.parse(inv.llm!.answer!.replace(/^[^{]*/, "").replace(/[^}]*$/, ""))).toMatchObject({ verdict: inv.verdict });
    expect(inv.llm).toMatchObject({ model: expect.any(String), promptVersion: expect.any(String) });
  });
});

describe("the responder in a replay namespace", () => {
  it("runs auto and approval decisions in shadow mode, whatever the caller sends", async () => {
    const block = originals.find((m) => m.decision.action === "BLOCK_IP" && m.decision.mode === "auto")!;
    const rtopo = topology(newReplayNamespace());
    const replay = await createResponder({ nc, js: jetstream(nc), topo: rtopo, log: silent, env: {} });
    const auto = await replay.execute(block);
    expect(auto.kind === "executed" && auto.execution.status).toBe("shadow");
    const forged = DecidedMessage.parse({ ...block, decision: { ...block.decision, status: "approved" } });
    const approved = await replay.execute(forged);
    expect(approved.kind === "executed" && approved.execution.status).toBe("shadow");
    const waiting = DecidedMessage.parse({ ...block, decision: { ...block.decision, mode: "approval", status: "awaiting_approval", approval: { id: "APR-0000000000000001", digest: "0".repeat(64), requiredRole: "responder", approversRequired: 1, expiresAt: new Date(Date.now() + 60_000).toISOString(), approvers: [], rejectedBy: null } } });
    expect((await replay.execute(waiting)).kind).toBe("executed");
    const keys = async (kv: { keys(): Promise<AsyncIterable<string>> }) => { const out: string[] = []; for await (const k of await kv.keys()) out.push(k); return out; };
    expect(await keys(replay.buckets.blocklist)).toEqual([]);
    expect(await keys(replay.buckets.approvals)).toEqual([]);
    await expect(replay.undo("x", "me")).rejects.toThrow(/replay namespace/);

    // The same decision in an ordinary namespace does block: the check above is what stops it.
    const live = await createResponder({ nc, js: jetstream(nc), topo: topology(`t${rtopo.namespace.slice(6)}`), log: silent, env: {} });
    const real = await live.execute(block);
    expect(real.kind === "executed" && real.execution.status).toBe("success");
    expect(await keys(live.buckets.blocklist)).toHaveLength(1);
  }, 60_000);
});

describe("secops audit --export", () => {
  it("exports one alert by vendor id; the manifest verifies, and fails after one byte changes", async () => {
    const m = originals[1]!;
    const out = join(dir, "bundle-one");
    const c = cli();
    expect(await c.run("audit", "--export", out, m.alert.sourceId!), c.err.join("\n")).toBe(0);
    const files = readdirSync(join(out, "alerts", m.alertId));
    expect(files.some((f) => f.endsWith("-raw.json"))).toBe(true);
    for (const stage of ["enriched", "investigated", "decided"]) expect(files.some((f) => f.endsWith(`-${stage}.json`)), stage).toBe(true);
    const policies = readdirSync(join(out, "policies"));
    expect(policies).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(out, "policies", policies[0]!), "utf8")).text).toBe(readFileSync(DEFAULT_POLICY_FILE, "utf8"));

    const ok = cli();
    expect(await ok.run("audit", "--verify", out)).toBe(0);
    expect(JSON.parse(ok.out[0]!)).toMatchObject({ ok: true, problems: [] });

    const decided = join(out, "alerts", m.alertId, files.find((f) => f.endsWith("-decided.json"))!);
    const bytes = readFileSync(decided);
    bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 1;
    writeFileSync(decided, bytes);
    const bad = cli();
    expect(await bad.run("audit", "--verify", out)).toBe(1);
    expect(bad.err.join("\n")).toContain(`alerts/${m.alertId}/`);
    expect(bad.err.join("\n")).toContain("differs from the manifest");
  }, 60_000);

  it("exports a window", async () => {
    const out = join(dir, "bundle-window");
    const c = cli();
    expect(await c.run("audit", "--export", out, "--since", "2000-01-01T00:00:00Z"), c.err.join("\n")).toBe(0);
    expect(JSON.parse(c.out[0]!)).toMatchObject({ alerts: 200 });
    expect(readdirSync(join(out, "alerts"))).toHaveLength(200);
    expect(await cli().run("audit", "--verify", out)).toBe(0);
  }, 120_000);
});

describe("policy versions", () => {
  it("a decision made under an old policy is explained with that policy's text after the file changed", async () => {
    const file = join(dir, "policy.yaml");
    writeFileSync(file, STRICT);
    // The decider records the policy it loads at start.
    const rt = { env: { POLICY_FILE: file }, nc, topo, log: silent, producer: { agent: "decider", version: "0.1.0", instance: "test" } } as unknown as AgentRuntime;
    await deciderStage.setup!(rt);
    const old = loadPolicyWithText(file);
    const [decided] = await recordHistory(nc, topo, old, 1, "pv", 500);
    // The file changes, and a decider restarts with it.
    writeFileSync(file, STRICT.replace('version: "strict-test"', 'version: "strict-test-2"').replace("defaultDurationHours: 24", "defaultDurationHours: 48"));
    await deciderStage.setup!(rt);

    const c = cli();
    expect(await c.run("audit", decided!.alertId), c.err.join("\n")).toBe(0);
    const audit = JSON.parse(c.out[0]!) as { policies: Record<string, { text: string; matchesVersion: boolean } | null> };
    expect(Object.keys(audit.policies)).toEqual([decided!.decision.policy.version]);
    expect(audit.policies[decided!.decision.policy.version]).toMatchObject({ text: STRICT, matchesVersion: true });
    expect(readFileSync(file, "utf8")).not.toBe(STRICT);

    // A text altered in the bucket no longer matches the digest its version carries.
    const v = decided!.decision.policy.version;
    const kv = await new Kvm(nc).open(topo.buckets.policies);
    const rec = (await kv.get(policyKey(v)))!.json<{ text: string }>();
    await kv.put(policyKey(v), JSON.stringify({ ...rec, text: rec.text.replace("minConfidence: 0.8", "minConfidence: 0.5") }));
    expect(await policyVersionText(nc, topo, v)).toMatchObject({ matchesVersion: false });

    // A record that is not a policy record is refused on read (state/records.ts), naming bucket and key.
    await kv.put(policyKey(v), JSON.stringify({ ...rec, text: 42 }));
    await expect(policyVersionText(nc, topo, v)).rejects.toThrow(new RegExp(`KV record ${topo.buckets.policies}/${policyKey(v).replace(/[.]/g, "\\.")} does not match its schema.*text`));
  }, 60_000);
});
