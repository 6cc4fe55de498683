// Response, end to end, through the running pipeline (real nats-server, LLM unreachable so the
// rules analyst decides): every action with its local default and a connector against a real
// HTTP receiver, approvals through the dashboard API and the CLI, rejection, expiry (fail
// closed), undo through the API and the CLI, and the EDL a firewall polls.
import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { pino } from "pino";
import type { FastifyInstance } from "fastify";
import type { z } from "zod";
import { DecidedMessage, ExecutedMessage, actionDigest } from "@secops/contracts";
import { startNats, type TestNats } from "../harness/nats.js";
import { startReceiver, type Receiver, type Recorded } from "../responder/receiver.js";
import { Collector, startPipeline } from "./pipeline-harness.js";
import { loadSamples } from "./samples.js";
import { openResponderBuckets, type ResponderBuckets } from "../../src/state/buckets.js";
import { listJson } from "../../src/state/kv.js";
import { createResponder } from "../../src/responder/handler.js";
import { ApprovalRecord, BlockRecord, ClosureRecord, IsolationRecord, ReviewRecord, SuppressionRecord, TicketRecord } from "../../src/state/records.js";
import type { CliIo } from "../../src/cli/command.js";
import { command as approveCommand } from "../../src/cli/commands/approve.js";
import { command as rejectCommand } from "../../src/cli/commands/reject.js";
import { command as undoCommand } from "../../src/cli/commands/undo.js";
import { buildDashboard } from "../../../dashboard/src/server.js";
import { parseDashboardUsers } from "../../src/runtime/config.js";

const TOKEN = "e2e-dashboard-token-0123456789";
const TICKET_SECRET = "ticket-secret-0123456789abcdef";
const ISOLATION_SECRET = "isolation-secret-0123456789abcd";
const DEFAULT_POLICY = fileURLToPath(new URL("../../policy/default.yaml", import.meta.url));

let nats: TestNats;
let nc: NatsConnection;
let receiver: Receiver;
let pipeline: Awaited<ReturnType<typeof startPipeline>>;
let seen: Collector;
let dashboard: FastifyInstance;
let buckets: ResponderBuckets;
let policyDir: string;
let connectorEnv: Record<string, string>;

/** The default policy, but isolation always waits for two people and sanctioned activity at 0.85 is closed. */
function writePolicy(dir: string): string {
  const text = readFileSync(DEFAULT_POLICY, "utf8")
    .replace(/ISOLATE_HOST:\s*\{ mode: auto, /, "ISOLATE_HOST:         { mode: approval, ")
    .replace(/CLOSE_FALSE_POSITIVE: \{ mode: auto, {5}minConfidence: 0\.9,/, "CLOSE_FALSE_POSITIVE: { mode: auto,     minConfidence: 0.85,");
  // Fail loudly when the default policy's layout changed and the replacements silently did nothing.
  expect(text).toMatch(/ISOLATE_HOST:\s+\{ mode: approval,/);
  expect(text).toMatch(/CLOSE_FALSE_POSITIVE: \{ mode: auto,\s+minConfidence: 0\.85,/);
  const file = join(dir, "policy.yaml");
  writeFileSync(file, text);
  return file;
}

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
  receiver = await startReceiver();
  receiver.on("POST", "/ticket", { status: 200, body: { ok: true } });
  receiver.on("POST", "/isolate", { status: 200, body: { ok: true } });
  receiver.on("POST", "/slack", { status: 200, body: "ok" });
  policyDir = mkdtempSync(join(tmpdir(), "secops-policy-"));
  connectorEnv = {
    TICKET_WEBHOOK_URL: `${receiver.url}/ticket`,
    TICKET_WEBHOOK_SECRET: TICKET_SECRET,
    ISOLATION_WEBHOOK_URL: `${receiver.url}/isolate`,
    ISOLATION_WEBHOOK_SECRET: ISOLATION_SECRET,
    SLACK_WEBHOOK_URL: `${receiver.url}/slack`,
    BLOCK_COMMAND: "nft add element inet filter blocklist { {ip} }",
    BLOCK_UNDO_COMMAND: "nft delete element inet filter blocklist { {ip} }",
    BLOCK_COMMAND_DRY_RUN: "true",
  };
  pipeline = await startPipeline(nats.url, nats.topo, { ...connectorEnv, POLICY_FILE: writePolicy(policyDir) });
  seen = await Collector.start(nc, nats.topo);
  buckets = await openResponderBuckets(nc, nats.topo);
  ({ app: dashboard } = await buildDashboard({
    nc, topo: nats.topo, log: pino({ level: "silent" }), token: TOKEN,
    // Per-person tokens: a two-person rule needs two identities, not two typed names.
    users: parseDashboardUsers(Object.entries(PEOPLE).map(([name, token]) => `${name}:${token}`).join(",")),
    env: { NATS_URL: nats.url, SECOPS_NAMESPACE: nats.topo.namespace, ...connectorEnv },
  }));
  await dashboard.ready();
}, 30_000);

afterAll(async () => {
  seen?.stop();
  await dashboard?.close();
  await pipeline?.stop();
  await receiver?.close();
  await nc?.close();
  await nats?.stop();
  if (policyDir) rmSync(policyDir, { recursive: true, force: true });
});

// ---- alerts ---------------------------------------------------------------------------------

const sample = (n: number) => loadSamples()[n - 1]!.json;

function variant(n: number, alertId: string, details: Record<string, unknown>): Record<string, unknown> {
  const base = sample(n);
  return { ...base, alert_id: alertId, details: { ...(base.details as Record<string, unknown>), ...details } };
}

/** Sanctioned activity: a scan the security team ran under a change ticket, nothing flagged. */
const SANCTIONED_SCAN = {
  alert_id: "SEC-E2E-FP-1",
  name: "Authorized vulnerability scan of the DMZ",
  severity: "Low",
  source: "Vulnerability Scanner",
  timestamp: "2026-03-14T10:00:00Z",
  description: "Quarterly authenticated scan run by the security team",
  details: { pentest_authorized: true, change_ticket: "CHG-4242", scan_type: "authenticated", scanned_ports: [22, 443] },
  affected_systems: ["dmz-fw-1.corp.example.com"],
  tactic: "Discovery",
  technique: "Network Service Discovery",
};

/** Nothing the rules know: no indicator, no category, no baseline. A person has to look. */
const UNCLEAR_CHANGE = {
  alert_id: "SEC-E2E-REVIEW-1",
  name: "Group policy object modified outside the change calendar",
  severity: "Medium",
  source: "Config Monitor",
  timestamp: "2026-03-14T11:00:00Z",
  description: "A group policy object was modified by a deployment account",
  details: { object: "Default Workstation Policy", modified_by: "svc-deploy" },
  affected_systems: ["gpo-mgmt.corp.example.com"],
};

const RANSOM_APPROVED = sample(3); // eng-wks-31: approved by two people
const INSIDER_REJECTED = sample(5); // dm-personal-mbp: rejected
const RANSOM_EXPIRED = variant(3, "SEC-E2E-RANSOM-EXPIRES", { endpoint: "eng-wks-77.corp.example.com", file_hash: "0b4c2f95e1a84b3d06f1e9c5a2d8b47e03c6a91f" });
const SCAN_API_UNDO = sample(4); // 80.82.77.139
const SCAN_CLI_UNDO = variant(4, "SEC-E2E-SCAN-2", { source_ip: "80.82.77.140" });

// ---- helpers --------------------------------------------------------------------------------

const executed = (sourceId: string) =>
  seen.on(nats.topo.subjects.executed).map((i) => ExecutedMessage.parse(i.data)).filter((m) => m.alert.sourceId === sourceId);
const decided = (sourceId: string) =>
  seen.on(nats.topo.subjects.decided).map((i) => DecidedMessage.parse(i.data)).filter((m) => m.alert.sourceId === sourceId);

async function executedOnce(sourceId: string, timeoutMs = 30_000): Promise<ExecutedMessage> {
  await seen.waitFor(() => executed(sourceId).length > 0, timeoutMs, `${sourceId} on alerts.executed`);
  const all = executed(sourceId);
  expect(all, `${sourceId} executed once`).toHaveLength(1);
  return all[0]!;
}

async function publish(alert: Record<string, unknown>): Promise<void> {
  await jetstream(nc).publish(nats.topo.subjects.raw, JSON.stringify(alert));
}

async function records<T>(kv: ResponderBuckets[keyof ResponderBuckets], schema: z.ZodType<T>): Promise<T[]> {
  return (await listJson(kv, schema)).map((e) => e.value);
}

/** Checks the HMAC a signed webhook carries, computed here independently of the connector. */
function expectSigned(req: Recorded, secret: string): void {
  const ts = String(req.headers["x-secops-timestamp"]);
  expect(Math.abs(Date.now() / 1000 - Number(ts))).toBeLessThan(120);
  const expected = `sha256=${createHmac("sha256", secret).update(`${ts}.${req.body}`).digest("hex")}`;
  expect(req.headers["x-secops-signature"]).toBe(expected);
  expect(req.headers["x-secops-action-id"]).toBeTruthy();
}

/** The CLI as a person: its identity is the NATS user it runs with (NATS_USER). */
function cliIo(natsUser?: string): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout, stderr,
    out: (l) => stdout.push(l), err: (l) => stderr.push(l), readStdin: async () => "",
    env: { NATS_URL: nats.url, SECOPS_NAMESPACE: nats.topo.namespace, LOG_LEVEL: "silent", ...connectorEnv, ...(natsUser ? { NATS_USER: natsUser } : {}) },
    cwd: process.cwd(),
  };
}

const PEOPLE: Record<string, string> = { alice: "e2e-alice-token-0123456789", carol: "e2e-carol-token-0123456789" };
const auth = (user: keyof typeof PEOPLE) => ({ authorization: `Bearer ${PEOPLE[user]}` });

async function pendingApprovalFor(sourceId: string): Promise<{ id: string; alertId: string }> {
  let found: { id: string; alertId: string } | undefined;
  await seen.waitFor(() => decided(sourceId).some((d) => d.decision.status === "awaiting_approval"), 30_000, `${sourceId} awaiting approval`);
  const alertId = decided(sourceId)[0]!.alertId;
  const deadline = Date.now() + 15_000;
  while (!found && Date.now() < deadline) {
    const res = await dashboard.inject({ method: "GET", url: "/api/approvals?status=pending" });
    found = (res.json() as { approvals: { id: string; alertId: string }[] }).approvals.find((a) => a.alertId === alertId);
    if (!found) await new Promise((r) => setTimeout(r, 100));
  }
  if (!found) {
    // Say why: usually the responder refused the decision and published a failed execution.
    const outcome = executed(sourceId).map((x) => `${x.execution.status}: ${x.execution.summary}`);
    throw new Error(`no pending approval for ${sourceId} within 15 s; its executions: ${JSON.stringify(outcome)}`);
  }
  return found;
}

async function edl(): Promise<string[]> {
  const res = await dashboard.inject({ method: "GET", url: "/edl/ip-blocklist.txt" });
  expect(res.statusCode).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^text\/plain/);
  return res.body.split("\n").filter((l) => l && !l.startsWith("#"));
}

// ---- the tests ------------------------------------------------------------------------------

describe("response through the running pipeline", () => {
  it("runs each of the five actions with its local default and its connector", async () => {
    for (const a of [sample(1), sample(2), SCAN_API_UNDO, SCAN_CLI_UNDO, SANCTIONED_SCAN, UNCLEAR_CHANGE, RANSOM_APPROVED, INSIDER_REJECTED, RANSOM_EXPIRED]) await publish(a);

    // CREATE_TICKET: a ticket in KV, and a signed webhook call per ticket.
    for (const s of [sample(1), sample(2)]) {
      const x = await executedOnce(String(s.alert_id));
      expect(x.execution).toMatchObject({ action: "CREATE_TICKET", status: "success", connector: "kv:tickets+webhook:ticket" });
      const ticketId = String(x.execution.details.ticketId);
      const stored = (await records(buckets.tickets, TicketRecord)).find((t) => t.id === ticketId);
      expect(stored).toMatchObject({ status: "open", alertId: x.alertId, title: (x.decision.parameters as { title: string }).title });
      const call = receiver.requests.find((r) => r.path === "/ticket" && (r.json() as { ticket: { id: string } }).ticket.id === ticketId);
      expect(call, `webhook call for ${ticketId}`).toBeDefined();
      expectSigned(call!, TICKET_SECRET);
      expect(call!.json()).toMatchObject({ event: "ticket.create", alertId: x.alertId, actionId: x.execution.actionId });
    }

    // BLOCK_IP: the blocklist entry, and the firewall command in dry-run.
    const block = await executedOnce(String(SCAN_API_UNDO.alert_id));
    expect(block.execution).toMatchObject({ action: "BLOCK_IP", status: "success", target: "80.82.77.139", connector: "kv:blocklist+command:block" });
    expect(block.execution.summary).toContain("dry run, would run: nft add element inet filter blocklist { 80.82.77.139 }");
    expect(block.execution.undo).toMatchObject({ action: "unblock" });
    const blocks = await records(buckets.blocklist, BlockRecord);
    expect(blocks.find((b) => b.ip === "80.82.77.139")).toMatchObject({ alertId: block.alertId, actionId: block.execution.actionId });
    expect(Date.parse(blocks.find((b) => b.ip === "80.82.77.139")!.expiresAt)).toBeGreaterThan(Date.now() + 23 * 3600_000);

    // CLOSE_FALSE_POSITIVE: the closure and the suppression of the activity's fingerprint.
    const fp = await executedOnce(SANCTIONED_SCAN.alert_id);
    expect(fp.investigation.verdict).toBe("benign");
    expect(fp.decision).toMatchObject({ action: "CLOSE_FALSE_POSITIVE", mode: "auto", status: "ready" });
    expect(fp.execution).toMatchObject({ action: "CLOSE_FALSE_POSITIVE", status: "success", connector: "kv:closures" });
    const closure = (await records(buckets.closures, ClosureRecord)).find((c) => c.alertId === fp.alertId);
    expect(closure).toMatchObject({ status: "closed", fingerprint: fp.alert.fingerprint, by: "responder" });
    expect(closure!.evidence.join(" ")).toContain("change_ticket = CHG-4242");
    const suppression = (await records(buckets.suppressions, SuppressionRecord)).find((s) => s.fingerprint === fp.alert.fingerprint);
    expect(suppression).toMatchObject({ closureId: closure!.id, actionId: fp.execution.actionId });

    // MANUAL_REVIEW: the review queue, and a Slack notification that names the review.
    const review = await executedOnce(UNCLEAR_CHANGE.alert_id);
    expect(review.execution).toMatchObject({ action: "MANUAL_REVIEW", status: "success", connector: "kv:reviews+slack" });
    const reviewId = String(review.execution.details.reviewId);
    expect((await records(buckets.reviews, ReviewRecord)).find((r) => r.id === reviewId)).toMatchObject({ status: "open", alertId: review.alertId });
    const slack = receiver.requests.filter((r) => r.path === "/slack").map((r) => JSON.stringify(r.json()));
    expect(slack.some((body) => body.includes(reviewId) && body.includes("Manual review needed"))).toBe(true);
  }, 45_000);

  it("isolates a host only after two different people approve, one on the dashboard and one on the CLI", async () => {
    const sourceId = String(RANSOM_APPROVED.alert_id);
    const pending = await pendingApprovalFor(sourceId);
    const waiting = decided(sourceId).find((d) => d.decision.status === "awaiting_approval")!;
    expect(waiting.decision).toMatchObject({ action: "ISOLATE_HOST", mode: "approval", approval: { id: pending.id, approversRequired: 2 } });
    expect(waiting.decision.approval!.digest).toBe(actionDigest(waiting.decision.parameters));
    expect(executed(sourceId)).toHaveLength(0);
    expect((await records(buckets.isolations, IsolationRecord)).some((i) => i.alertId === waiting.alertId)).toBe(false);

    const anonymous = await dashboard.inject({ method: "POST", url: `/api/approvals/${pending.id}/approve`, payload: { by: "mallory" } });
    expect(anonymous.statusCode).toBe(401);

    const first = await dashboard.inject({ method: "POST", url: `/api/approvals/${pending.id}/approve`, headers: auth("alice"), payload: { comment: "confirmed with the EDR console" } });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ status: "pending", approversCount: 1, approversRequired: 2 });
    // One person approving twice (on the dashboard, then on the CLI as NATS user Alice) is still one approver.
    const io0 = cliIo("Alice");
    expect(await approveCommand.run([pending.id], io0)).toBe(0);
    expect(JSON.parse(io0.stdout[0]!)).toMatchObject({ status: "pending", approvers: ["alice"] });
    await new Promise((r) => setTimeout(r, 500));
    expect(executed(sourceId)).toHaveLength(0);

    const io = cliIo("bob");
    expect(await approveCommand.run([pending.id, "--comment", "isolate it"], io), io.stderr.join("\n")).toBe(0);
    expect(JSON.parse(io.stdout[0]!)).toMatchObject({ id: pending.id, status: "approved", approvers: ["alice", "bob"], digest: waiting.decision.approval!.digest });

    const x = await executedOnce(sourceId);
    expect(x.decision.status).toBe("approved");
    expect(x.execution).toMatchObject({ action: "ISOLATE_HOST", status: "success", target: "eng-wks-31.corp.example.com", connector: "kv:isolations+webhook:isolation" });
    expect(x.execution.details).toMatchObject({ mode: "approved", by: "alice, bob" });
    // The decided message carries who approved, when, and the digest of exactly what ran.
    const approved = decided(sourceId).find((d) => d.decision.status === "approved")!;
    const a = approved.decision.approval!;
    expect(a.digest).toBe(actionDigest(x.decision.parameters));
    expect(a.approvers.map((p) => p.by)).toEqual(["alice", "bob"]);
    expect(a.approvers[0]!.comment).toBe("confirmed with the EDR console");
    for (const p of a.approvers) expect(Date.parse(p.at)).toBeGreaterThan(Date.parse(waiting.timestamps.decided!));
    expect((await records(buckets.isolations, IsolationRecord)).find((i) => i.host === "eng-wks-31.corp.example.com")).toMatchObject({ status: "isolated", alertId: x.alertId });
    const call = receiver.requests.find((r) => r.path === "/isolate" && (r.json() as { host: string }).host === "eng-wks-31.corp.example.com");
    expect(call).toBeDefined();
    expectSigned(call!, ISOLATION_SECRET);
    expect(call!.json()).toMatchObject({ event: "host.isolate", alertId: x.alertId });

    // Decided is final: a late approval or rejection is refused with a reason.
    const late = await dashboard.inject({ method: "POST", url: `/api/approvals/${pending.id}/reject`, headers: auth("carol") });
    expect(late.statusCode).toBe(409);
    expect(late.json().message).toMatch(/already approved by alice, bob/);
  }, 45_000);

  it("does not run a rejected action", async () => {
    const sourceId = String(INSIDER_REJECTED.alert_id);
    const pending = await pendingApprovalFor(sourceId);
    const io = cliIo("carol");
    expect(await rejectCommand.run([pending.id, "--comment", "HR is handling it"], io), io.stderr.join("\n")).toBe(0);
    expect(JSON.parse(io.stdout[0]!)).toMatchObject({ status: "rejected", rejectedBy: { by: "carol", comment: "HR is handling it" } });
    const x = await executedOnce(sourceId);
    expect(x.decision.status).toBe("rejected");
    expect(x.decision.approval!.rejectedBy!.by).toBe("carol");
    expect(x.execution).toMatchObject({ action: "ISOLATE_HOST", status: "skipped", connector: "none" });
    expect(x.execution.summary).toMatch(/rejected by carol/);
    const host = (x.decision.parameters as { host: string }).host;
    expect((await records(buckets.isolations, IsolationRecord)).some((i) => i.host === host)).toBe(false);
    expect(receiver.requests.some((r) => r.path === "/isolate" && r.body.includes(host))).toBe(false);
  }, 30_000);

  it("fails closed when an approval expires: never executed, and late approvals are refused", async () => {
    const sourceId = String(RANSOM_EXPIRED.alert_id);
    const pending = await pendingApprovalFor(sourceId);
    const record = (await records(buckets.approvals, ApprovalRecord)).find((r) => r.id === pending.id)!;
    // The policy's 240 minutes are too long to wait: sweep as the clock will read after them.
    const sweeper = await createResponder({ nc, js: jetstream(nc), topo: nats.topo, log: pino({ level: "silent" }), env: {} });
    const later = new Date(Date.parse(record.expiresAt) + 1000);
    const swept = await sweeper.sweep(later);
    expect(swept.expiredApprovals).toEqual([pending.id]);
    expect(swept.expiredBlocks).toEqual([]);

    const x = await executedOnce(sourceId);
    expect(x.decision.status).toBe("expired");
    expect(x.execution).toMatchObject({ action: "ISOLATE_HOST", status: "skipped" });
    expect(x.execution.summary).toMatch(/expired/);
    expect((await records(buckets.isolations, IsolationRecord)).some((i) => i.host === "eng-wks-77.corp.example.com")).toBe(false);
    expect(receiver.requests.some((r) => r.path === "/isolate" && r.body.includes("eng-wks-77"))).toBe(false);

    const late = await dashboard.inject({ method: "POST", url: `/api/approvals/${pending.id}/approve`, headers: auth("alice") });
    expect(late.statusCode).toBe(410);
    expect(late.json().message).toMatch(/expired/);
    const io = cliIo();
    expect(await approveCommand.run([pending.id, "--by", "bob"], io)).toBe(1);
    expect(io.stderr.join("\n")).toMatch(/expired/);
    await new Promise((r) => setTimeout(r, 500));
    expect(executed(sourceId)).toHaveLength(1);
  }, 30_000);

  it("serves the blocklist as an EDL, and undo through the API and the CLI takes addresses off it", async () => {
    const viaApi = await executedOnce(String(SCAN_API_UNDO.alert_id));
    const viaCli = await executedOnce(String(SCAN_CLI_UNDO.alert_id));
    expect(viaCli.execution).toMatchObject({ action: "BLOCK_IP", status: "success", target: "80.82.77.140" });
    expect(await edl()).toEqual(["80.82.77.139", "80.82.77.140"]);

    const noToken = await dashboard.inject({ method: "POST", url: `/api/actions/${viaApi.execution.actionId}/undo` });
    expect(noToken.statusCode).toBe(401);
    const undone = await dashboard.inject({ method: "POST", url: `/api/actions/${viaApi.execution.actionId}/undo`, headers: auth("alice") });
    expect(undone.statusCode).toBe(200);
    expect(undone.json()).toMatchObject({ status: "success", by: "alice", undoActionId: `undo-${viaApi.execution.actionId}` });
    expect(undone.json().summary).toContain("80.82.77.139 unblocked");
    expect(await edl()).toEqual(["80.82.77.140"]);
    // A second click reverses nothing twice.
    const again = await dashboard.inject({ method: "POST", url: `/api/actions/${viaApi.execution.actionId}/undo`, headers: auth("alice") });
    expect(again.json()).toMatchObject({ status: "duplicate" });

    const io = cliIo();
    expect(await undoCommand.run([viaCli.execution.actionId, "--by", "bob"], io), io.stderr.join("\n")).toBe(0);
    expect(JSON.parse(io.stdout[0]!)).toMatchObject({ status: "success", by: "bob" });
    expect(await edl()).toEqual([]);

    const ledger = await dashboard.inject({ method: "GET", url: `/api/ledger/${viaCli.execution.actionId}` });
    expect(ledger.json()).toMatchObject({ undone: { by: "bob" } });
    // An action that was never undoable says so.
    const rejected = executed(String(INSIDER_REJECTED.alert_id))[0]!;
    const refused = await dashboard.inject({ method: "POST", url: `/api/actions/${rejected.execution.actionId}/undo`, headers: auth("alice") });
    expect([404, 409]).toContain(refused.statusCode);
    expect(refused.json().message).toBeTruthy();
  }, 30_000);
});
