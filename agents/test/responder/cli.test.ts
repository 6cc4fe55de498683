import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { startNats, type TestNats } from "../harness/nats.js";
import type { CliIo } from "../../src/cli/command.js";
import { command as approve } from "../../src/cli/commands/approve.js";
import { command as reject } from "../../src/cli/commands/reject.js";
import { command as undo } from "../../src/cli/commands/undo.js";
import { awaiting, block, decided, isolate, natsEnvFor, ticket, type Env } from "./fixtures.js";

let nats: TestNats;
let env: Env;
let cliEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  nats = await startNats();
  env = await natsEnvFor(nats.url, nats.topo);
  cliEnv = { NATS_URL: nats.url, SECOPS_NAMESPACE: nats.topo.namespace, LOG_LEVEL: "silent" };
});
afterAll(async () => {
  await env.nc.close();
  await nats.stop();
});

function io(extra: NodeJS.ProcessEnv = {}): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), readStdin: async () => "", env: { ...cliEnv, ...extra }, cwd: "/" };
}

describe("secops approve | reject | undo", () => {
  it("approve by two people (two NATS identities) prints the record as one JSON line; a third call says it is decided", async () => {
    const r = await env.make();
    const msg = awaiting(isolate("ws-cli"), { approversRequired: 2 });
    await r.execute(msg);
    const id = msg.decision.approval!.id;
    const a = io({ NATS_USER: "alice" });
    expect(await approve.run([id, "--comment", "ok"], a)).toBe(0);
    expect(JSON.parse(a.stdout[0]!)).toMatchObject({ id, status: "pending", approvers: ["alice"] });
    const b = io({ NATS_USER: "bob" });
    expect(await approve.run([id], b)).toBe(0);
    expect(JSON.parse(b.stdout[0]!)).toMatchObject({ status: "approved", approvers: ["alice", "bob"] });
    const c = io({ NATS_USER: "carol" });
    expect(await approve.run([id], c)).toBe(1);
    expect(c.stderr.join("\n")).toMatch(/already approved by alice, bob/);
  });

  it("behind the shared CLI user, --by alice then --by ALICE or --by bob is still one person", async () => {
    const r = await env.make();
    const msg = awaiting(isolate("ws-cli-shared"), { approversRequired: 2 });
    await r.execute(msg);
    const id = msg.decision.approval!.id;
    for (const by of ["alice", "ALICE", "bob"]) {
      const x = io();
      expect(await approve.run([id, "--by", by], x)).toBe(0);
      expect(JSON.parse(x.stdout[0]!)).toMatchObject({ status: "pending", approvers: ["alice (nats user cli)"] });
      expect(x.stderr.join("\n")).toMatch(/counted as one approver .*needs 2 different people.*NATS_USER/);
    }
    // A person's NATS identity cannot claim another name.
    const m = io({ NATS_USER: "alice" });
    expect(await approve.run([id, "--by", "mallory"], m)).toBe(2);
    expect(m.stderr[0]).toMatch(/--by mallory is not your NATS user alice/);
  });

  it("reject; unknown id and bad usage fail with a clear message", async () => {
    const r = await env.make();
    const msg = awaiting(block("203.0.113.90"));
    await r.execute(msg);
    const x = io();
    expect(await reject.run([msg.decision.approval!.id, "--by", "dana", "--comment", "no"], x)).toBe(0);
    expect(JSON.parse(x.stdout[0]!)).toMatchObject({ status: "rejected", rejectedBy: { by: "dana (nats user cli)", comment: "no" } });
    const u = io();
    expect(await approve.run(["APR-DOESNOTEXIST", "--by", "x"], u)).toBe(1);
    expect(u.stderr[0]).toMatch(/no approval has the id APR-DOESNOTEXIST/);
    const bad = io();
    expect(await approve.run(["--by", "x"], bad)).toBe(2);
    expect(bad.stderr[0]).toMatch(/missing the id/);
    const opt = io();
    expect(await reject.run(["id", "--force"], opt)).toBe(2);
    expect(opt.stderr[0]).toMatch(/unknown option --force/);
  });

  it("approve and undo take the alert id and the ticket id too, and name what they resolved to", async () => {
    const r = await env.make();
    const alertId = `al-${randomBytes(12).toString("hex")}`;
    const msg = awaiting(block("203.0.113.91"), {}, { alertId });
    await r.execute(msg);
    const a = io();
    expect(await approve.run([alertId, "--by", "gina"], a), a.stderr.join("\n")).toBe(0);
    expect(JSON.parse(a.stdout[0]!)).toMatchObject({ id: msg.decision.approval!.id, status: "approved", alertId });
    const again = io();
    expect(await reject.run([alertId, "--by", "gina"], again)).toBe(1);
    expect(again.stderr[0]).toMatch(new RegExp(`alert ${alertId} has no pending approval: ${msg.decision.approval!.id} is approved`));

    const ticketAlert = `al-${randomBytes(12).toString("hex")}`;
    const out = await r.execute(decided(ticket("cli ticket id"), {}, { alertId: ticketAlert }));
    if (out.kind !== "executed") throw new Error("expected execution");
    const ticketId = String(out.execution.details.ticketId);
    const u = io();
    expect(await undo.run([ticketId, "--by", "hal"], u), u.stderr.join("\n")).toBe(0);
    expect(JSON.parse(u.stdout[0]!)).toMatchObject({ actionId: out.execution.actionId, status: "success" });
    const none = io();
    expect(await undo.run([ticketAlert, "--by", "hal"], none)).toBe(1);
    expect(none.stderr[0]).toMatch(/has nothing to undo: CREATE_TICKET already undone/);
  });

  it("each command's help says where its id comes from and who --by is without it", async () => {
    for (const c of [approve, reject, undo]) {
      expect(c.usage).toMatch(/SECOPS_USER, else \$USER/);
      expect(c.usage).toMatch(/SEC-2026-0101/);
    }
    expect(approve.usage).toMatch(/APR-/);
    expect(undo.usage).toMatch(/TKT-/);
  });

  it("undo reverses an action once and reports unknown ids", async () => {
    const r = await env.make();
    const out = await r.execute(decided(ticket("cli undo")));
    if (out.kind !== "executed") throw new Error("expected execution");
    const a = io();
    expect(await undo.run([out.execution.actionId, "--by", "erin"], a)).toBe(0);
    expect(JSON.parse(a.stdout[0]!)).toMatchObject({ actionId: out.execution.actionId, status: "success", by: "erin" });
    const b = io();
    expect(await undo.run([out.execution.actionId, "--by", "erin"], b)).toBe(0);
    expect(JSON.parse(b.stdout[0]!).status).toBe("duplicate");
    const c = io();
    expect(await undo.run(["f".repeat(64), "--by", "erin"], c)).toBe(1);
    expect(c.stderr[0]).toMatch(/no action has the id/);
  });
});
