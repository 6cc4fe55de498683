// Ollama through its native /api/chat: the Qwen3 model card's sampling (top_k, min_p) arrives as
// native options, which Ollama's OpenAI-compatible endpoint would have dropped.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLlmClient } from "../../src/llm/client.js";
import { LlmError } from "../../src/llm/errors.js";
import { LlmInvestigationAnswer, normalizeAnswer } from "../../src/investigator/answer.js";
import { llmEnv, parseEnv } from "../../src/runtime/config.js";
import { createLogger } from "../../src/runtime/logger.js";
import { startFakeOllama, type FakeOllama } from "../fakes/fake-ollama.js";

const log = createLogger("ollama-test", "silent");
const good = {
  severity: "critical", confidence: 0.95, verdict: "true_positive", summary: "Ransomware on ws1.", reasoning: "Mass encryption.",
  mitre: ["T1486"], evidence: ["mass file encryption"], recommendedAction: "ISOLATE_HOST", recommendedTarget: "ws1.example.com",
};

let fake: FakeOllama;
beforeAll(async () => { fake = await startFakeOllama(); });
afterAll(async () => { await fake.close(); });
beforeEach(() => { fake.requests.length = 0; fake.applied.length = 0; });

function ask(env: Record<string, string> = {}) {
  const cfg = parseEnv(llmEnv, { LLM_API_URL: fake.v1Url, LLM_SERVER: "ollama", LLM_MODEL_NAME: "qwen3:8b", LLM_TIMEOUT_SECONDS: "2", LLM_MAX_RETRIES: "1", ...env });
  const c = createLlmClient(cfg, log, { sleep: async () => {} });
  return c.completeStructured({ system: "You are a SOC analyst.", user: "host: ws1", schema: LlmInvestigationAnswer, schemaName: "investigation", normalize: normalizeAnswer, promptVersion: "t" });
}

describe("LLM_SERVER=ollama", () => {
  it("uses /api/chat with think:false, the JSON Schema as format, and top_k/min_p as native options", async () => {
    fake.setScenario(() => ({ content: JSON.stringify(good) }));
    const r = await ask({ LLM_PRESENCE_PENALTY: "1.5" });
    expect(r.value).toEqual(good);
    expect(r).toMatchObject({ model: "qwen3:8b", promptTokens: 123, completionTokens: 45, thinking: null, attempts: 1 });
    expect(fake.requests.map((q) => q.path)).toEqual(["/api/chat"]);
    const body = fake.requests[0]!.json as Record<string, unknown>;
    expect(body).toMatchObject({ model: "qwen3:8b", stream: false, think: false });
    expect(body.format).toMatchObject({ type: "object", additionalProperties: false });
    expect(fake.applied[0]).toEqual({ endpoint: "native", options: { temperature: 0.7, top_p: 0.8, top_k: 20, min_p: 0, presence_penalty: 1.5, num_predict: 1200 } });
  });

  it("thinking on: think:true, the thinking sampling, and message.thinking captured as the reasoning", async () => {
    fake.setScenario(() => ({ content: JSON.stringify(good), thinking: "the files are being encrypted" }));
    const r = await ask({ LLM_THINKING: "on" });
    expect(r.thinking).toBe("the files are being encrypted");
    expect((fake.requests[0]!.json as { think: boolean }).think).toBe(true);
    expect(fake.applied[0]!.options).toMatchObject({ temperature: 0.6, top_p: 0.95, top_k: 20, min_p: 0, num_predict: 8000 });
  });

  it("the reason: Ollama's OpenAI-compatible endpoint does not apply top_k or min_p", async () => {
    fake.setScenario(() => ({ content: "{}" }));
    await fetch(`${fake.v1Url}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "qwen3:8b", messages: [], temperature: 0.7, top_k: 20, min_p: 0 }) });
    expect(fake.applied[0]).toEqual({ endpoint: "openai", options: { temperature: 0.7 } });
  });

  it("a model that is not pulled is rejected with Ollama's reason; a 503 is retried", async () => {
    const e = await ask({ LLM_MODEL_NAME: "qwen3:32b" }).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(LlmError);
    expect((e as LlmError).kind).toBe("rejected");
    expect((e as LlmError).message).toContain('model "qwen3:32b" not found, try pulling it first');
    fake.setScenario((_req, i) => (i === 0 ? { status: 503, error: "server busy" } : { content: JSON.stringify(good) }));
    const r = await ask();
    expect(r.value).toEqual(good);
    expect(r.attempts).toBe(2);
  });
});
