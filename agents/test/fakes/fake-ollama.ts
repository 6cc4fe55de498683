/**
 * FAKE Ollama server, for LLM client tests. Written from Ollama's API documentation
 * (docs.ollama.com/api/chat: `POST /api/chat` with model, messages, stream, think, format (a JSON
 * Schema) and `options` (temperature, top_p, top_k, min_p, presence_penalty, num_predict...); the
 * answer's message.content / message.thinking, done_reason, prompt_eval_count, eval_count; errors
 * as `{"error": "..."}`, 404 for a model that is not pulled; streaming NDJSON unless stream is
 * false) and its OpenAI compatibility page (docs.ollama.com/api/openai-compatibility), whose list
 * of supported request fields has no top_k or min_p: the /v1 endpoint here drops them, and
 * `applied` shows what each request's sampling really was.
 */
import { startHttpFake, type FakeRequest, type HttpFake } from "./http-fake.js";

export interface OllamaReply {
  status?: number;
  error?: string;
  content?: string;
  thinking?: string;
  doneReason?: "stop" | "length";
}

export interface FakeOllama extends HttpFake {
  /** The base URL a user configures: http://127.0.0.1:<port>/v1, as for any OpenAI-compatible server. */
  v1Url: string;
  /** The sampling each request ended up with, after the endpoint dropped what it does not read. */
  applied: { endpoint: "native" | "openai"; options: Record<string, unknown> }[];
  setScenario(s: (req: FakeRequest, index: number) => OllamaReply): void;
}

const OPENAI_FIELDS_READ = ["temperature", "top_p", "presence_penalty", "frequency_penalty", "seed", "stop", "max_tokens"];

export async function startFakeOllama(o: { models?: string[] } = {}): Promise<FakeOllama> {
  const models = o.models ?? ["qwen3:8b"];
  const applied: FakeOllama["applied"] = [];
  let scenario: (req: FakeRequest, index: number) => OllamaReply = () => ({ content: "{}" });
  let n = 0;
  const base = await startHttpFake((req) => {
    if (req.method === "POST" && req.path === "/api/chat") {
      const b = (req.json ?? {}) as { model?: string; messages?: unknown; stream?: boolean; think?: boolean; options?: Record<string, unknown> };
      if (!b.model || !models.includes(b.model)) return { status: 404, body: { error: `model "${String(b.model)}" not found, try pulling it first` } };
      if (!Array.isArray(b.messages)) return { status: 400, body: { error: "messages: expected an array" } };
      applied.push({ endpoint: "native", options: { ...b.options } });
      const r = scenario(req, n++);
      if (r.status && r.status >= 400) return { status: r.status, body: { error: r.error ?? "fake failure" } };
      const message = { role: "assistant", content: r.content ?? "", ...(b.think && r.thinking ? { thinking: r.thinking } : {}) };
      const final = {
        model: b.model, created_at: new Date().toISOString(), message, done: true, done_reason: r.doneReason ?? "stop",
        total_duration: 1_000_000, load_duration: 1000, prompt_eval_count: 123, prompt_eval_duration: 1000, eval_count: 45, eval_duration: 1000,
      };
      if (b.stream !== false) {
        // Ollama streams by default: one JSON object per line.
        return { status: 200, contentType: "application/x-ndjson", text: `${JSON.stringify({ model: b.model, message: { role: "assistant", content: r.content ?? "" }, done: false })}\n${JSON.stringify({ ...final, message: { role: "assistant", content: "" } })}\n` };
      }
      return { status: 200, body: final };
    }
    if (req.method === "POST" && req.path === "/v1/chat/completions") {
      const b = (req.json ?? {}) as Record<string, unknown>;
      applied.push({ endpoint: "openai", options: Object.fromEntries(Object.entries(b).filter(([k]) => OPENAI_FIELDS_READ.includes(k))) });
      const r = scenario(req, n++);
      return { status: 200, body: { id: "chatcmpl-1", object: "chat.completion", created: 0, model: b.model, choices: [{ index: 0, message: { role: "assistant", content: r.content ?? "" }, finish_reason: "stop" }] } };
    }
    return { status: 404, text: "404 page not found" };
  });
  return Object.assign(base, {
    v1Url: `${base.url}/v1`,
    applied,
    setScenario(s: (req: FakeRequest, index: number) => OllamaReply) {
      scenario = s;
      n = 0;
    },
  });
}
