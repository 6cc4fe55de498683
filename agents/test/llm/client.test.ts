import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLlmClient, type LlmClientOptions } from "../../src/llm/client.js";
import { LlmError } from "../../src/llm/errors.js";
import { LlmInvestigationAnswer, normalizeAnswer } from "../../src/investigator/answer.js";
import { llmEnv, parseEnv } from "../../src/runtime/config.js";
import { createLogger } from "../../src/runtime/logger.js";
import { lastUserMessage, qwenContent, refusedUrl, startFakeLlm, type FakeLlm, type FakeReply } from "../fakes/fake-llm-server.js";

const log = createLogger("llm-test", "silent");
const good = {
  severity: "critical", confidence: 0.95, verdict: "true_positive", summary: "Ransomware on ws1.", reasoning: "Mass encryption.",
  mitre: ["T1486"], evidence: ["mass file encryption"], recommendedAction: "ISOLATE_HOST", recommendedTarget: "ws1.example.com",
};
const json = (v: unknown) => JSON.stringify(v);

let fake: FakeLlm;
beforeAll(async () => { fake = await startFakeLlm(); });
afterAll(async () => { await fake.close(); });
beforeEach(() => { fake.requests.length = 0; });

function client(env: Record<string, string> = {}, opts: LlmClientOptions = {}, url = fake.url) {
  const waits: number[] = [];
  const cfg = parseEnv(llmEnv, { LLM_API_URL: url, LLM_TIMEOUT_SECONDS: "2", LLM_MAX_RETRIES: "2", ...env });
  const c = createLlmClient(cfg, log, { sleep: async (ms) => { waits.push(ms); }, ...opts });
  return { c, waits };
}

function ask(c: ReturnType<typeof client>["c"], onProgress?: () => void) {
  return c.completeStructured({
    system: "You are a SOC analyst.", user: "category: malware\nhost: ws1.example.com",
    schema: LlmInvestigationAnswer, schemaName: "investigation", normalize: normalizeAnswer, promptVersion: "test-v1",
    ...(onProgress ? { onProgress } : {}),
  });
}

async function failure(p: Promise<unknown>): Promise<LlmError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(LlmError);
  return e as LlmError;
}

describe("thinking off (default)", () => {
  it("appends /no_think, sends the hard switch, non-thinking sampling and response_format; strips the empty think block", async () => {
    fake.setScenario((req) => ({ content: qwenContent(req, json(good)), usage: { prompt_tokens: 321, completion_tokens: 45 } }));
    const { c } = client({ LLM_PRESENCE_PENALTY: "1.5" });
    const r = await ask(c);
    expect(r.value).toEqual(good);
    expect(r.thinking).toBeNull();
    expect(r).toMatchObject({ model: "fake-qwen3-8b", promptVersion: "test-v1", thinkingMode: "off", promptTokens: 321, completionTokens: 45, attempts: 1, repaired: false });
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
    const body = fake.requests[0]!.body;
    expect(lastUserMessage(fake.requests[0]!)).toMatch(/\n\/no_think$/);
    expect(body.messages[0]!.content).not.toContain("/no_think");
    expect(body.chat_template_kwargs).toEqual({ enable_thinking: false });
    expect(body.reasoning_effort).toBeUndefined();
    expect(body).toMatchObject({ temperature: 0.7, top_p: 0.8, top_k: 20, min_p: 0, presence_penalty: 1.5, max_tokens: 1200 });
    expect(body.response_format?.type).toBe("json_schema");
    expect(body.response_format?.json_schema?.schema).toMatchObject({ type: "object", additionalProperties: false });
    expect(JSON.stringify(body.response_format)).not.toContain('"pattern"');
  });
  // Ollama: agents/test/llm/ollama.test.ts (the native /api/chat).
});

describe("thinking on", () => {
  it("uses thinking sampling, no /no_think, and keeps the <think> trace out of the answer", async () => {
    fake.setScenario((req) => ({ content: qwenContent(req, json(good), 'Maybe {"verdict":"benign"}? No: encryption is ongoing.') }));
    const { c } = client({ LLM_THINKING: "on" });
    const r = await ask(c);
    expect(r.value.verdict).toBe("true_positive");
    expect(r.thinking).toContain("encryption is ongoing");
    const body = fake.requests[0]!.body;
    expect(lastUserMessage(fake.requests[0]!)).not.toContain("/no_think");
    expect(body).toMatchObject({ temperature: 0.6, top_p: 0.95, top_k: 20, min_p: 0, max_tokens: 8000, chat_template_kwargs: { enable_thinking: true } });
  });

  it("captures reasoning_content (LM Studio, llama.cpp)", async () => {
    fake.setScenario([{ content: json(good), reasoning_content: "separate reasoning" }]);
    const r = await ask(client({ LLM_THINKING: "on" }).c);
    expect(r.thinking).toBe("separate reasoning");
  });
});

describe("tolerant extraction, validation and one repair", () => {
  it("accepts JSON in a code fence and prose around JSON", async () => {
    fake.setScenario([{ content: "```json\n" + json(good) + "\n```" }, { content: `Sure! Based on {the data}: ${json(good)} Hope this helps.` }]);
    const { c } = client();
    expect((await ask(c)).value).toEqual(good);
    expect((await ask(c)).value).toEqual(good);
    expect(fake.requests).toHaveLength(2);
  });

  it("normalizes 85 and \"85%\" to 0.85 and Title-case enums without a repair", async () => {
    fake.setScenario([{ content: json({ ...good, confidence: 85, severity: "High", recommendedAction: "isolate_host" }) }, { content: json({ ...good, confidence: "85%" }) }]);
    const { c } = client();
    const a = await ask(c);
    expect(a.value).toMatchObject({ confidence: 0.85, severity: "high", recommendedAction: "ISOLATE_HOST" });
    expect(a.repaired).toBe(false);
    expect((await ask(c)).value.confidence).toBeCloseTo(0.85);
  });

  it("repairs invalid JSON once, showing the model its errors, without its reasoning in the history", async () => {
    fake.setScenario([{ content: '<think>hmm</think>{"severity": "high", confidence: 0.9' }, { content: json(good) }]);
    const r = await ask(client().c);
    expect(r).toMatchObject({ repaired: true, attempts: 2 });
    const repair = fake.requests[1]!.body.messages;
    expect(repair.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(repair[2]!.content).not.toContain("hmm");
    expect(repair[3]!.content).toMatch(/not valid JSON/);
    expect(repair[3]!.content).toMatch(/\/no_think$/);
  });

  it("repairs a wrong enum value and a missing field, naming them", async () => {
    const { recommendedTarget: _dropped, ...missing } = good;
    fake.setScenario([{ content: json({ ...missing, recommendedAction: "ESCALATE" }) }, { content: json(good) }]);
    const r = await ask(client().c);
    expect(r.repaired).toBe(true);
    const shown = fake.requests[1]!.body.messages[3]!.content;
    expect(shown).toMatch(/recommendedAction/);
    expect(shown).toMatch(/recommendedTarget/);
  });

  it("rejects a confidence of 8500 and gives up after one repair", async () => {
    fake.setScenario([{ content: json({ ...good, confidence: 8500 }) }]);
    const e = await failure(ask(client().c));
    expect(e.kind).toBe("invalid_output");
    expect(e.message).toMatch(/confidence/);
    expect(fake.requests).toHaveLength(2);
  });

  it("reports an answer cut off at the token limit twice as truncated", async () => {
    fake.setScenario([{ content: "<think>long", finishReason: "length" }]);
    const e = await failure(ask(client().c));
    expect(e.kind).toBe("truncated");
    expect(fake.requests[1]!.body.messages[3]!.content).toMatch(/token limit/);
  });

  it("sums token usage over the answer and the repair", async () => {
    fake.setScenario([{ content: "nope", usage: { prompt_tokens: 100, completion_tokens: 5 } }, { content: json(good), usage: { prompt_tokens: 120, completion_tokens: 50 } }]);
    expect(await ask(client().c)).toMatchObject({ promptTokens: 220, completionTokens: 55 });
  });
});

describe("response_format rejected by the server", () => {
  it("retries without it on 400 and remembers not to send it again", async () => {
    fake.setScenario((req) => (req.body.response_format ? { status: 400, error: { error: { message: "response_format not supported" } } } : { content: json(good) }));
    const { c } = client();
    expect((await ask(c)).value).toEqual(good);
    expect(fake.requests.map((r) => !!r.body.response_format)).toEqual([true, false]);
    await ask(c);
    expect(fake.requests.map((r) => !!r.body.response_format)).toEqual([true, false, false]);
  });
});

describe("transport failures", () => {
  it("retries a 429, honouring Retry-After", async () => {
    fake.setScenario([{ status: 429, headers: { "retry-after": "3" } }, { content: json(good) }]);
    const { c, waits } = client({ LLM_TIMEOUT_SECONDS: "10" });
    const r = await ask(c);
    expect(waits).toEqual([3000]);
    expect(r.attempts).toBe(2);
  });

  it("gives up at once when Retry-After exceeds the timeout", async () => {
    fake.setScenario([{ status: 429, headers: { "retry-after": "120" } }]);
    const e = await failure(ask(client().c));
    expect(e.kind).toBe("rate_limited");
    expect(fake.requests).toHaveLength(1);
  });

  it("retries a 500 with exponential backoff, bounded by LLM_MAX_RETRIES", async () => {
    fake.setScenario([{ status: 500 }]);
    const { c, waits } = client({ LLM_MAX_RETRIES: "3" });
    const e = await failure(ask(c));
    expect(e.kind).toBe("server_error");
    expect(fake.requests).toHaveLength(4);
    expect(waits).toHaveLength(3);
    expect(waits[1]!).toBeGreaterThanOrEqual(500);
    expect(waits[2]!).toBeGreaterThanOrEqual(waits[0]! * 2 - 1);
  });

  it("recovers when a 503 is followed by an answer", async () => {
    fake.setScenario([{ status: 503 }, { content: json(good) }]);
    expect((await ask(client().c)).attempts).toBe(2);
  });

  it("times out an answer slower than LLM_TIMEOUT_SECONDS and does not retry it", async () => {
    fake.setScenario([{ delayMs: 3000, content: json(good) }]);
    const started = Date.now();
    const e = await failure(ask(client({ LLM_TIMEOUT_SECONDS: "0.4" }).c));
    expect(e.kind).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(fake.requests).toHaveLength(1);
  });

  it("reports a refused connection as unreachable after the bounded retries", async () => {
    const { c, waits } = client({ LLM_MAX_RETRIES: "1" }, {}, await refusedUrl());
    const e = await failure(ask(c));
    expect(e.kind).toBe("unreachable");
    expect(e.message).toMatch(/ECONNREFUSED/); // the specific cause, not the wrapper's "fetch failed"
    expect(waits).toHaveLength(1);
  });

  it("rejects other 4xx without retrying", async () => {
    fake.setScenario([{ status: 404, error: { error: { message: "model not found" } } }]);
    const e = await failure(ask(client({ LLM_SERVER: "lmstudio" }).c));
    expect(e.kind).toBe("rejected");
  });
});

describe("circuit breaker", () => {
  it("opens after N consecutive failures, fails fast while open, probes after the cool-down", async () => {
    let now = 1_000_000;
    fake.setScenario([{ status: 500 }]);
    const { c } = client({ LLM_MAX_RETRIES: "0", LLM_BREAKER_FAILURES: "2", LLM_BREAKER_COOLDOWN_SECONDS: "30" }, { now: () => now });
    expect((await failure(ask(c))).kind).toBe("server_error");
    expect(c.breakerState()).toBe("closed");
    expect((await failure(ask(c))).kind).toBe("server_error");
    expect(c.breakerState()).toBe("open");
    const sent = fake.requests.length;
    expect((await failure(ask(c))).kind).toBe("circuit_open");
    expect(fake.requests).toHaveLength(sent);

    now += 30_001;
    expect(c.breakerState()).toBe("half_open");
    expect((await failure(ask(c))).kind).toBe("server_error"); // the probe fails: open again
    expect(c.breakerState()).toBe("open");

    now += 30_001;
    fake.setScenario([{ content: json(good) }]);
    expect((await ask(c)).value).toEqual(good);
    expect(c.breakerState()).toBe("closed");
  });

  it("counts invalid answers apart from server failures and opens after LLM_BREAKER_INVALID_ANSWERS of them in a row", async () => {
    let now = 1_000_000;
    fake.setScenario([{ content: "no json here" }]);
    const { c } = client({ LLM_BREAKER_FAILURES: "1", LLM_BREAKER_INVALID_ANSWERS: "2", LLM_BREAKER_COOLDOWN_SECONDS: "30" }, { now: () => now });
    // A model that answers nonsense is up: one invalid answer does not trip the server threshold of 1.
    expect((await failure(ask(c))).kind).toBe("invalid_output");
    expect(c.breakerState()).toBe("closed");
    // A good answer in between resets the run.
    fake.setScenario([{ content: json(good) }]);
    await ask(c);
    fake.setScenario([{ content: "no json here" }]);
    expect((await failure(ask(c))).kind).toBe("invalid_output");
    expect(c.breakerState()).toBe("closed");
    expect((await failure(ask(c))).kind).toBe("invalid_output");
    expect(c.breakerState()).toBe("open");
    const sent = fake.requests.length;
    const open = await failure(ask(c));
    expect(open.kind).toBe("circuit_open");
    expect(open.message).toContain("invalid answers");
    expect(fake.requests).toHaveLength(sent);
    // The half-open probe answers nonsense again: open for another cool-down.
    now += 30_001;
    expect((await failure(ask(c))).kind).toBe("invalid_output");
    expect(c.breakerState()).toBe("open");
  });
});

describe("concurrency and progress", () => {
  it("keeps at most LLM_CONCURRENCY_MAX requests in flight", async () => {
    let active = 0;
    let peak = 0;
    fake.setScenario(async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 150));
      active--;
      return { content: json(good) } satisfies FakeReply;
    });
    const { c } = client({ LLM_CONCURRENCY: "2", LLM_CONCURRENCY_MAX: "2" });
    await Promise.all(Array.from({ length: 5 }, () => ask(c)));
    expect(peak).toBe(2);
    expect(fake.requests).toHaveLength(5);
  });

  it("calls onProgress every interval while waiting, and stops afterwards", async () => {
    fake.setScenario([{ delayMs: 700, content: json(good) }]);
    let calls = 0;
    const { c } = client({}, { progressIntervalMs: 100 });
    await ask(c, () => { calls++; });
    expect(calls).toBeGreaterThanOrEqual(4);
    const after = calls;
    await new Promise((r) => setTimeout(r, 250));
    expect(calls).toBe(after);
  });
});
