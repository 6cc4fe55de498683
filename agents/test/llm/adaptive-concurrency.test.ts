import { afterEach, describe, expect, it } from "vitest";
import { startBenchFakeLlm, type BenchFakeLlm } from "../../src/bench/fake-llm.js";
import { createLlmClient } from "../../src/llm/client.js";
import { AdaptiveConcurrency } from "../../src/llm/concurrency.js";
import { LlmInvestigationAnswer, normalizeAnswer } from "../../src/investigator/answer.js";
import { llmEnv, parseEnv } from "../../src/runtime/config.js";
import { createLogger } from "../../src/runtime/logger.js";

const log = createLogger("llm-test", "silent");
let fake: BenchFakeLlm | null = null;
afterEach(async () => { await fake?.close(); fake = null; });

function client(url: string, env: Record<string, string>) {
  const cfg = parseEnv(llmEnv, { LLM_API_URL: url, LLM_TIMEOUT_SECONDS: "10", LLM_MAX_RETRIES: "8", ...env });
  return createLlmClient(cfg, log);
}

const ask = (c: ReturnType<typeof client>) => c.completeStructured({
  system: "You are a SOC analyst.", user: "category: malware\nhost: ws1.example.com",
  schema: LlmInvestigationAnswer, schemaName: "investigation", normalize: normalizeAnswer, promptVersion: "test-v1",
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs `total` calls through the client, `parallel` at a time (the investigator's stage concurrency), sampling the limit. */
async function storm(c: ReturnType<typeof client>, total: number, parallel: number) {
  const limits: number[] = [];
  let next = 0;
  let failed = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < total) {
      next++;
      await ask(c).catch(() => { failed++; });
      limits.push(c.concurrency().limit);
    }
  }));
  return { limits, failed };
}

describe("adaptive LLM concurrency against a fake server with K slots", () => {
  it("grows from 1 to about K on a server that answers 429 beyond K, stays within its bounds, and loses no call", async () => {
    const K = 4;
    fake = await startBenchFakeLlm({ delayMs: 100, slots: K });
    const c = client(fake.url, { LLM_CONCURRENCY: "1", LLM_CONCURRENCY_MIN: "1", LLM_CONCURRENCY_MAX: "12" });
    const { limits, failed } = await storm(c, 160, 12);
    expect(failed).toBe(0);
    expect(fake.answered).toBe(160);
    const state = c.concurrency();
    expect(state.lowest).toBeGreaterThanOrEqual(1);
    expect(state.highest).toBeLessThanOrEqual(12);
    expect(state.highest).toBeGreaterThanOrEqual(K); // it found the capacity
    // Converged near K: the second half of the run sits within one of K.
    for (const l of limits.slice(80)) expect(Math.abs(l - K)).toBeLessThanOrEqual(1);
    // It used the server without flooding it: far fewer refusals than answers.
    expect(fake.rejected).toBeLessThan(160 / 2);
  });

  it("backs off on a single-slot server that queues (latency grows) instead of piling requests on it", async () => {
    fake = await startBenchFakeLlm({ delayMs: 25, slots: 1, overflow: "queue" });
    const c = client(fake.url, { LLM_CONCURRENCY: "4", LLM_CONCURRENCY_MIN: "1", LLM_CONCURRENCY_MAX: "8" });
    const { limits, failed } = await storm(c, 60, 8);
    expect(failed).toBe(0);
    expect(c.concurrency().highest).toBeLessThanOrEqual(8);
    // Two in flight keep the one slot busy; more only add queueing. The limit settles at 2-3
    // (4 at worst on a loaded machine, where timer jitter blurs the latency), not at the maximum of 8.
    for (const l of limits.slice(30)) expect(l).toBeLessThanOrEqual(4);
    expect(median(limits.slice(30))).toBeLessThanOrEqual(3);
  });

  it("keeps a fixed number when LLM_CONCURRENCY_MIN = LLM_CONCURRENCY_MAX", async () => {
    fake = await startBenchFakeLlm({ delayMs: 20 });
    const c = client(fake.url, { LLM_CONCURRENCY: "3", LLM_CONCURRENCY_MIN: "3", LLM_CONCURRENCY_MAX: "3" });
    await storm(c, 30, 10);
    expect(fake.peakInFlight).toBe(3);
    expect(c.concurrency()).toMatchObject({ lowest: 3, highest: 3, limit: 3 });
  });

  it("stops on contradictory bounds, naming the variables", () => {
    expect(() => client("http://127.0.0.1:9/v1", { LLM_CONCURRENCY_MIN: "5", LLM_CONCURRENCY_MAX: "2", LLM_CONCURRENCY: "2" })).toThrow(/LLM_CONCURRENCY_MIN \(5\) is above LLM_CONCURRENCY_MAX \(2\)/);
    expect(() => client("http://127.0.0.1:9/v1", { LLM_CONCURRENCY: "20", LLM_CONCURRENCY_MAX: "16" })).toThrow(/LLM_CONCURRENCY \(20\) is outside/);
  });
});

describe("AdaptiveConcurrency (clocked by hand)", () => {
  it("never leaves [min, max] whatever the signals, and grows only while calls wait", async () => {
    let t = 0;
    const a = new AdaptiveConcurrency({ min: 2, max: 6, initial: 2, now: () => t });
    // No one waiting: answers teach nothing.
    for (let i = 0; i < 20; i++) { const k = a.begin(); t += 10; a.answered(k); }
    expect(a.limit).toBe(2);
    // Calls waiting: the limit climbs, but not past max.
    const release: (() => void)[] = [];
    const calls = Array.from({ length: 20 }, () => a.run(() => new Promise<void>((r) => release.push(r))));
    await Promise.resolve();
    for (let i = 0; i < 50; i++) { const k = a.begin(); t += 10; a.answered(k); }
    expect(a.limit).toBe(6);
    expect(a.inFlight).toBe(6);
    // Overload after overload: down, not below min.
    for (let i = 0; i < 50; i++) { t += 1; const k = a.begin(); t += 1; a.overloaded(k); }
    expect(a.limit).toBe(2);
    expect(a.lowest).toBe(2);
    expect(a.highest).toBe(6);
    // The calls already running finish; new ones start only below the new limit.
    while (release.length) { release.shift()!(); await new Promise((r) => setImmediate(r)); expect(a.inFlight).toBeLessThanOrEqual(Math.max(2, a.inFlight)); }
    await Promise.all(calls);
    expect(a.inFlight).toBe(0);
  });

  it("decreases once per round trip: a burst of 429s from requests sent under the old limit counts once", () => {
    let t = 0;
    const a = new AdaptiveConcurrency({ min: 1, max: 40, initial: 20, now: () => t });
    const first = a.begin(); t += 10; a.answered(first); // the no-load latency, measured alone
    const sent = Array.from({ length: 20 }, () => a.begin());
    t += 5;
    for (const k of sent.slice(10).reverse()) a.overloaded(k);
    expect(a.limit).toBe(18); // 20 × 0.9, once
  });

  it("ends slow start's overshoot in one step: a 429 to the n-th request in flight sets the limit below n", () => {
    let t = 0;
    const a = new AdaptiveConcurrency({ min: 1, max: 64, initial: 32, now: () => t });
    const first = a.begin(); t += 10; a.answered(first);
    const sent = Array.from({ length: 32 }, () => a.begin());
    t += 5;
    a.overloaded(sent[9]!); // the 10th request in flight was refused
    expect(a.limit).toBe(9);
  });
});
