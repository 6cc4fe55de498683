import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { Headers } from "@secops/contracts";
import { command } from "../../src/cli/commands/publish.js";
import { natsEnv, parseEnv } from "../../src/runtime/config.js";
import { provisionStream } from "../../src/runtime/provision.js";
import { messageIdFor } from "../../src/enricher/normalize/index.js";
import { startNats, type TestNats } from "../harness/nats.js";
import { capturingIo } from "./cli-io.js";

let nats: TestNats;
let nc: NatsConnection;
let jsm: JetStreamManager;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  nats = await startNats();
  env = { NATS_URL: nats.url, SECOPS_NAMESPACE: nats.topo.namespace, ...(nats.user ? { NATS_USER: nats.user, NATS_PASSWORD: nats.pass } : {}) };
  nc = await connect({ servers: nats.url, user: nats.user, pass: nats.pass });
  jsm = await jetstreamManager(nc);
  await provisionStream(jsm, nats.topo, parseEnv(natsEnv, env));
});

afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

describe("secops publish", () => {
  it("publishes each alert as its own message with an ack, a stable Nats-Msg-Id and the Alert-Format header", async () => {
    const dir = mkdtempSync(join(tmpdir(), "publish-cli-"));
    writeFileSync(join(dir, "batch.json"), JSON.stringify([{ title: "one", src_ip: "203.0.113.1" }, { title: "two" }], null, 2));
    writeFileSync(join(dir, "line.cef"), "CEF:0|V|P|1|9|Scan|5|src=198.51.100.7\n");
    const io = capturingIo("", env, dir);
    expect(await command.run(["--format", "webhook", "batch.json", "line.cef"], io)).toBe(0);
    const subject = nats.topo.subjects.raw;
    expect(io.outLines).toEqual([`batch.json[0] -> ${subject} seq=1`, `batch.json[1] -> ${subject} seq=2`, `line.cef -> ${subject} seq=3`]);

    const first = await jsm.streams.getMessage(nats.topo.stream, { seq: 1 });
    expect(first!.string()).toBe('{"title":"one","src_ip":"203.0.113.1"}');
    expect(first!.header.get(Headers.msgId)).toBe(messageIdFor('{"title":"one","src_ip":"203.0.113.1"}'));
    expect(first!.header.get(Headers.alertFormat)).toBe("webhook");
    const cef = await jsm.streams.getMessage(nats.topo.stream, { seq: 3 });
    expect(cef!.string()).toBe("CEF:0|V|P|1|9|Scan|5|src=198.51.100.7");

    // The same bytes again: JetStream says duplicate and stores nothing new.
    const again = capturingIo("", env, dir);
    expect(await command.run(["line.cef"], again)).toBe(0);
    expect(again.outLines).toEqual([`line.cef -> ${subject} seq=3 duplicate`]);
  });

  it("publishes what it can and exits non-zero naming each input it could not read", async () => {
    const io = capturingIo('{"title":"from stdin"}', env);
    expect(await command.run(["-", "/nonexistent/alerts.json"], io)).toBe(1);
    expect(io.outLines).toHaveLength(1);
    expect(io.outLines[0]).toMatch(/^- -> .*\.raw seq=\d+$/);
    expect(io.errLines.join("\n")).toMatch(/\/nonexistent\/alerts\.json: cannot read: no such file or directory/);
    expect(io.errLines.at(-1)).toMatch(/1 of 2 not published: \/nonexistent\/alerts\.json/);
  });

  it("reports an unreachable server instead of hanging", async () => {
    const io = capturingIo('{"title":"x"}', { NATS_URL: "nats://127.0.0.1:1" });
    expect(await command.run(["-"], io)).toBe(1);
    expect(io.errLines[0]).toMatch(/cannot connect to NATS at nats:\/\/127\.0\.0\.1:1/);
  });
});
