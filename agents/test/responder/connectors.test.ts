import { createHmac } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TransientError } from "../../src/runtime/errors.js";
import { ConfigError } from "../../src/runtime/config.js";
import { buildConnectors } from "../../src/responder/connectors/index.js";
import { commandArgv } from "../../src/responder/connectors/block-command.js";
import { block, decided, isolate, silentLog, ticket, useResponderEnv } from "./fixtures.js";
import { startReceiver, type Receiver } from "./receiver.js";

const env = useResponderEnv();
let rx: Receiver;
const SECRET = "s3cret-s3cret-s3cret";

beforeEach(async () => {
  rx = await startReceiver();
});
afterEach(async () => {
  await rx.close();
});

function executed(o: { kind: string; execution?: unknown }) {
  if (o.kind !== "executed") throw new Error(`expected an execution, got ${o.kind}`);
  return (o as { execution: import("@secops/contracts").Execution }).execution;
}

function verifySignature(headers: Record<string, unknown>, body: string) {
  const ts = String(headers["x-secops-timestamp"]);
  expect(ts).toMatch(/^\d+$/);
  const expected = `sha256=${createHmac("sha256", SECRET).update(`${ts}.${body}`).digest("hex")}`;
  expect(headers["x-secops-signature"]).toBe(expected);
}

describe("connector configuration", () => {
  it("stays off with nothing configured and names a bad variable", () => {
    expect(buildConnectors({}, { log: silentLog, timeoutMs: 1000 }).size).toBe(0);
    expect(() => buildConnectors({ TICKET_WEBHOOK_URL: "not a url", TICKET_WEBHOOK_SECRET: SECRET }, { log: silentLog, timeoutMs: 1000 })).toThrow(/TICKET_WEBHOOK_URL/);
    expect(() => buildConnectors({ TICKET_WEBHOOK_URL: "http://x.example" }, { log: silentLog, timeoutMs: 1000 })).toThrow(ConfigError);
    expect(() => buildConnectors({ BLOCK_COMMAND: "nft add element" }, { log: silentLog, timeoutMs: 1000 })).toThrow(/must contain \{ip\}/);
  });
});

describe("ticket connectors", () => {
  it("generic webhook: signed JSON; undo sends ticket.close", async () => {
    rx.on("POST", "/hooks/tickets", { status: 202 });
    const r = await env.make({ TICKET_WEBHOOK_URL: `${rx.url}/hooks/tickets`, TICKET_WEBHOOK_SECRET: SECRET });
    const msg = decided(ticket("Webhook ticket"));
    const ex = executed(await r.execute(msg));
    expect(ex.status).toBe("success");
    expect(ex.connector).toBe("kv:tickets+webhook:ticket");
    expect(rx.requests).toHaveLength(1);
    const req = rx.requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["x-secops-action-id"]).toBe(ex.actionId);
    verifySignature(req.headers, req.body);
    expect(req.json()).toMatchObject({ event: "ticket.create", actionId: ex.actionId, alertId: msg.alertId, ticket: { id: ex.details.ticketId, title: "Webhook ticket", priority: "high" } });
    expect(req.body).not.toContain('"raw"');
    await r.undo(ex.actionId, "alice");
    expect(rx.requests[1]!.json()).toMatchObject({ event: "ticket.close", ticketId: ex.details.ticketId, by: "alice" });
    verifySignature(rx.requests[1]!.headers, rx.requests[1]!.body);
  });

  it("TheHive 5: POST /api/v1/alert with bearer key and sourceRef = action id", async () => {
    rx.on("POST", "/api/v1/alert", { status: 201, body: { _id: "~4120" } });
    const r = await env.make({ THEHIVE_URL: rx.url, THEHIVE_API_KEY: "hive-key" });
    const ex = executed(await r.execute(decided({ action: "CREATE_TICKET", title: "Hive", priority: "critical", description: "d", assets: ["ws-1"] })));
    expect(ex.status).toBe("success");
    const req = rx.requests[0]!;
    expect(req.headers.authorization).toBe("Bearer hive-key");
    expect(req.json()).toMatchObject({ type: "secops-pipeline", source: "secops", sourceRef: ex.actionId, title: "Hive", severity: 4, observables: [{ dataType: "hostname", data: "ws-1" }] });
    expect((ex.details.connectors as Record<string, { ref: unknown }>).thehive!.ref).toEqual({ thehiveAlertId: "~4120" });
  });

  it("a connector that is down: the failure is recorded retryable and a later delivery succeeds once", async () => {
    let up = false;
    rx.on("POST", "/t", () => (up ? { status: 200 } : { status: 503, body: { error: "maintenance" } }));
    const r = await env.make({ TICKET_WEBHOOK_URL: `${rx.url}/t`, TICKET_WEBHOOK_SECRET: SECRET });
    const msg = decided(ticket("retry"));
    await expect(r.execute(msg)).rejects.toBeInstanceOf(TransientError);
    up = true;
    const ex = executed(await r.execute(msg));
    expect(ex.status).toBe("success");
    expect(executed(await r.execute(msg))).toEqual(ex); // a later redelivery: the stored outcome, no third call
    expect(rx.requests.map((q) => q.json() as { actionId: string }).every((b) => b.actionId === ex.actionId)).toBe(true);
    expect(rx.requests).toHaveLength(2);
  });

  it("a 4xx answer fails the action for good with the status in the error, and no secret", async () => {
    rx.on("POST", "/api/v1/alert", { status: 403, body: { type: "AuthorizationError" } });
    const r = await env.make({ THEHIVE_URL: rx.url, THEHIVE_API_KEY: "very-secret-key" });
    const ex = executed(await r.execute(decided(ticket("forbidden"))));
    expect(ex.status).toBe("failed");
    expect(ex.error).toMatch(/thehive: POST http:\/\/127\.0\.0\.1:\d+\/api\/v1\/alert answered 403/);
    expect(ex.error).not.toContain("very-secret-key");
  });

  it("a receiver that does not answer in time fails with a timeout", async () => {
    const slow = await startReceiverThatHangs();
    try {
      const r = await env.make({ TICKET_WEBHOOK_URL: `${slow.url}/slow`, TICKET_WEBHOOK_SECRET: SECRET, CONNECTOR_TIMEOUT_SECONDS: "0.3" });
      await expect(r.execute(decided(ticket("slow")))).rejects.toThrow(/timed out after 300 ms/);
    } finally {
      await slow.close();
    }
  });
});

async function startReceiverThatHangs(): Promise<{ url: string; close(): Promise<void> }> {
  const { createServer } = await import("node:http");
  const sockets = new Set<import("node:net").Socket>();
  const s = createServer(() => { /* never answers */ });
  s.on("connection", (c) => sockets.add(c));
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as import("node:net").AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => { for (const c of sockets) c.destroy(); s.close(() => r()); }) };
}

describe("partial failures", () => {
  it("a retry after a partial failure does not repeat the connectors that succeeded", async () => {
    rx.on("POST", "/api/v1/alert", { status: 201, body: { _id: "~1" } });
    let jiraUp = false;
    rx.on("GET", "/rest/api/3/search/jql", () => (jiraUp ? { body: { issues: [], isLast: true } } : { status: 502 }));
    rx.on("POST", "/rest/api/3/issue", { status: 201, body: { key: "SEC-7" } });
    const r = await env.make({ THEHIVE_URL: rx.url, THEHIVE_API_KEY: "k", JIRA_URL: rx.url, JIRA_EMAIL: "e@x.org", JIRA_API_TOKEN: "t", JIRA_PROJECT_KEY: "SEC" });
    const msg = decided(ticket("partial"));
    await expect(r.execute(msg)).rejects.toBeInstanceOf(TransientError);
    jiraUp = true;
    const ex = executed(await r.execute(msg));
    expect(ex.status).toBe("success");
    expect(ex.connector).toBe("kv:tickets+thehive+jira");
    expect(rx.requests.filter((q) => q.path === "/api/v1/alert")).toHaveLength(1);
    expect(rx.requests.filter((q) => q.path === "/rest/api/3/issue")).toHaveLength(1);
  });
});

describe("isolation connectors", () => {
  it("generic webhook: signed host.isolate, undo host.release", async () => {
    rx.on("POST", "/iso", { status: 200 });
    const r = await env.make({ ISOLATION_WEBHOOK_URL: `${rx.url}/iso`, ISOLATION_WEBHOOK_SECRET: SECRET });
    const ex = executed(await r.execute(decided(isolate("ws-iso-1"))));
    expect(ex.status).toBe("success");
    verifySignature(rx.requests[0]!.headers, rx.requests[0]!.body);
    expect(rx.requests[0]!.json()).toMatchObject({ event: "host.isolate", host: "ws-iso-1", ip: "10.0.0.42", reason: "ransomware" });
    await r.undo(ex.actionId, "bob");
    expect(rx.requests[1]!.json()).toMatchObject({ event: "host.release", host: "ws-iso-1", by: "bob" });
  });

});

describe("block command", () => {
  it("builds an argv array with the validated IP and never a shell string", () => {
    expect(commandArgv("nft add element inet filter blocklist { {ip} }", "203.0.113.5")).toEqual(["nft", "add", "element", "inet", "filter", "blocklist", "{", "203.0.113.5", "}"]);
    expect(() => commandArgv("echo {ip}", "1.2.3.4;reboot")).toThrow(/not an IPv4 or IPv6/);
  });

  it("dry run shows the command and runs nothing; a real run executes it", async () => {
    const dry = await env.make({ BLOCK_COMMAND: "nft add element inet filter blocklist { {ip} }", BLOCK_COMMAND_DRY_RUN: "true" });
    const ex = executed(await dry.execute(decided(block("203.0.113.60"))));
    expect(ex.status).toBe("success");
    expect(ex.summary).toContain("dry run, would run: nft add element inet filter blocklist { 203.0.113.60 }");
    const { mkdtempSync, readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "blk-"));
    const real = await env.make({ BLOCK_COMMAND: `touch ${dir}/{ip}`, BLOCK_UNDO_COMMAND: `rm ${dir}/{ip}` });
    const ex2 = executed(await real.execute(decided(block("203.0.113.61"))));
    expect(ex2.status).toBe("success");
    expect(readFileSync(join(dir, "203.0.113.61"), "utf8")).toBe("");
    await real.undo(ex2.actionId, "x");
    expect(() => readFileSync(join(dir, "203.0.113.61"))).toThrow();
  });
});
