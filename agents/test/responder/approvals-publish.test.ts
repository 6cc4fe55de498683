// An approval's outcome goes back on the decided subject through the durable publish: retried
// through NATS timeouts, deduplicated by its message id, and checked against max_payload.
import { describe, expect, it } from "vitest";
import { jetstream, jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
import { TimeoutError } from "@nats-io/transport-node";
import { DecidedMessage } from "@secops/contracts";
import { Approvals } from "../../src/state/approvals.js";
import { PermanentError } from "../../src/runtime/errors.js";
import { awaiting, silentLog, ticket, useResponderEnv } from "./fixtures.js";

const env = useResponderEnv();

/** A JetStream client whose first `failures` publishes time out (the server restarting). */
function flakyJs(js: JetStreamClient, failures: number): { js: JetStreamClient; calls: () => number } {
  let left = failures;
  let calls = 0;
  const proxy = new Proxy(js, {
    get(target, prop, recv) {
      const v = Reflect.get(target, prop, recv) as unknown;
      if (prop !== "publish") return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      return async (...args: Parameters<JetStreamClient["publish"]>) => {
        calls++;
        if (left-- > 0) throw new TimeoutError();
        return target.publish(...args);
      };
    },
  });
  return { js: proxy, calls: () => calls };
}

async function approvalsWith(js: JetStreamClient, maxPayload?: number) {
  const r = await env.make();
  return new Approvals(r.buckets.approvals, {
    js, topo: env.topo, log: silentLog, now: () => new Date(),
    producer: { agent: "responder", version: "test", instance: "t" }, ...(maxPayload ? { maxPayload: () => maxPayload } : {}),
  });
}

describe("approval outcomes are published durably", () => {
  it("retries a publish that times out, and marks the record published once it is on the stream", async () => {
    const flaky = flakyJs(jetstream(env.nc), 2);
    const approvals = await approvalsWith(flaky.js);
    const msg = awaiting(ticket("publish retry"));
    await approvals.createPendingApproval(msg);
    const done = await approvals.approve(msg.decision.approval!.id, "alice");
    expect(done.status).toBe("approved");
    expect(flaky.calls()).toBe(3);
    expect((await approvals.get(done.id))!.published).toBe(true);
    const jsm = await jetstreamManager(env.nc);
    const last = await jsm.streams.getMessage(env.topo.stream, { last_by_subj: env.topo.subjects.decided });
    expect(DecidedMessage.parse(last!.json()).decision).toMatchObject({ status: "approved", approval: { id: done.id } });
  });

  it("an outcome over max_payload fails clearly instead of going out, and does not hold up the sweep", async () => {
    const approvals = await approvalsWith(jetstream(env.nc), 2048);
    const msg = awaiting(ticket("oversize"));
    await approvals.createPendingApproval(msg);
    const e = await approvals.approve(msg.decision.approval!.id, "alice").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PermanentError);
    expect((e as Error).message).toMatch(/max_payload of 2048 bytes/);
    expect((await approvals.get(msg.decision.approval!.id))!.published).toBe(false);
    await expect(approvals.republishDecided()).resolves.toBeGreaterThanOrEqual(0);
  });
});
