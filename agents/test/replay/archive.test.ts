// infra/nats/archive-stream.json, the long-retention archive of stream ALERTS that the README's
// Retention section ships, created on a real nats-server 2.9 as the nats CLI would create it.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstream, type StreamConfig } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { startNats, type TestNats } from "../harness/nats.js";
import { connectNats } from "../../src/runtime/nats.js";
import { natsEnv, parseEnv } from "../../src/runtime/config.js";
import { REPO_ROOT } from "../../src/bench/corpus.js";
import { main } from "../../src/cli/main.js";
import { provision, silent } from "./history-fixture.js";

let nats: TestNats;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNats();
  nc = await connectNats(parseEnv(natsEnv, { NATS_URL: nats.url }), "archive-test", silent);
  await provision(nc, nats.topo, nats.url);
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

describe("the archive stream config", () => {
  it("sources every message of the live stream into a stream that keeps two years and refuses deletes", async () => {
    const config = JSON.parse(readFileSync(`${REPO_ROOT}infra/nats/archive-stream.json`, "utf8")) as StreamConfig;
    expect(config.sources?.[0]?.name).toBe("ALERTS");
    const name = `${config.name}_${nats.topo.namespace}`;
    const jsm = await jetstream(nc).jetstreamManager();
    expect(config.max_bytes).toBe(100 * 1024 ** 3);
    // The server reserves max_bytes on its disk up front; a test server's store is smaller than 100 GiB.
    await jsm.streams.add({ ...config, name, sources: [{ name: nats.topo.stream }], max_bytes: 64 * 1024 ** 2 });
    const js = jetstream(nc);
    for (let i = 0; i < 5; i++) await js.publish(nats.topo.subjects.raw, JSON.stringify({ i }));
    await js.publish(nats.topo.subjects.decided, JSON.stringify({ alertId: "al-0123456789abcdef01234567" }));
    const deadline = Date.now() + 10_000;
    let messages = 0;
    while (Date.now() < deadline && messages < 6) {
      messages = (await jsm.streams.info(name)).state.messages;
      if (messages < 6) await new Promise((r) => setTimeout(r, 100));
    }
    expect(messages).toBe(6);
    const info = await jsm.streams.info(name);
    // nats-server 2.9 ignores fields it does not know: read back what it kept.
    expect(info.config.max_age).toBe(2 * 365 * 24 * 3600 * 1e9);
    expect(info.config.deny_delete).toBe(true);
    expect(info.config.deny_purge).toBe(true);
    expect((await jsm.streams.getMessage(name, { seq: 6 }))!.subject).toBe(nats.topo.subjects.decided);
    await expect(jsm.streams.deleteMessage(name, 1)).rejects.toThrow();

    // secops audit reads the archive after the live stream lost everything.
    await jsm.streams.purge(nats.topo.stream);
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), readStdin: async () => "", env: { NATS_URL: nats.url, SECOPS_NAMESPACE: nats.topo.namespace, LOG_LEVEL: "silent" }, cwd: REPO_ROOT };
    expect(await main(["audit", "al-0123456789abcdef01234567"], io)).toBe(1);
    expect(await main(["audit", "--stream", name, "al-0123456789abcdef01234567"], io), err.join("\n")).toBe(0);
    expect((JSON.parse(out[0]!) as { stream: string; entries: { subject: string }[] })).toMatchObject({ stream: name, entries: [{ subject: nats.topo.subjects.decided }] });
  });
});
