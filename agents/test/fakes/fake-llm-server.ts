/**
 * FAKE OpenAI-compatible LLM server for tests. Not a model: it answers from programmable scenarios
 * that reproduce what Qwen3 and its servers really do (tech.md §E): <think> blocks, the empty think
 * block under /no_think, reasoning_content (LM Studio, llama.cpp) and reasoning (vLLM, Ollama), JSON
 * in code fences or prose, invalid JSON, wrong enum values, 85 for 0.85, missing fields, 429 with
 * Retry-After, 500, answers slower than the client's timeout, usage counts. Every request is
 * recorded so tests can assert what the client sent.
 */
import { createServer } from "node:net";
import Fastify from "fastify";

export interface ChatRequestBody {
  model?: string;
  messages: { role: string; content: string }[];
  response_format?: { type: string; json_schema?: { name: string; strict?: boolean; schema: Record<string, unknown> } };
  temperature?: number;
  top_p?: number;
  top_k?: number;
  min_p?: number;
  presence_penalty?: number;
  max_tokens?: number;
  chat_template_kwargs?: { enable_thinking?: boolean };
  reasoning_effort?: string;
  [key: string]: unknown;
}

export interface RecordedRequest {
  body: ChatRequestBody;
  headers: Record<string, string | string[] | undefined>;
  at: number;
}

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  /** Answers after this long (the client may have given up by then). */
  delayMs?: number;
  /** Error body for non-2xx replies. */
  error?: unknown;
  content?: string | null;
  reasoning_content?: string;
  reasoning?: string;
  finishReason?: "stop" | "length";
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  model?: string;
}

export type Scenario = (request: RecordedRequest, index: number) => FakeReply | Promise<FakeReply>;

export interface FakeLlm {
  /** Base URL for the OpenAI client; ends with /v1. */
  url: string;
  requests: RecordedRequest[];
  setScenario(scenario: Scenario | FakeReply[]): void;
  close(): Promise<void>;
}

export interface FakeLlmOptions {
  scenario?: Scenario | FakeReply[];
  model?: string;
}

export async function startFakeLlm(opts: FakeLlmOptions = {}): Promise<FakeLlm> {
  const model = opts.model ?? "fake-qwen3-8b";
  const requests: RecordedRequest[] = [];
  let scenario: Scenario = toScenario(opts.scenario ?? smartScenario());
  const timers = new Set<NodeJS.Timeout>();
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 10 * 1024 * 1024 });

  app.get("/v1/models", async () => ({ object: "list", data: [{ id: model, object: "model", owned_by: "fake" }] }));

  app.post("/v1/chat/completions", async (req, reply) => {
    const recorded: RecordedRequest = { body: req.body as ChatRequestBody, headers: req.headers, at: Date.now() };
    const index = requests.push(recorded) - 1;
    const r = await scenario(recorded, index);
    if (r.delayMs) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { timers.delete(t); resolve(); }, r.delayMs);
        timers.add(t);
      });
    }
    for (const [k, v] of Object.entries(r.headers ?? {})) reply.header(k, v);
    const status = r.status ?? 200;
    if (status >= 400) {
      return reply.code(status).send(r.error ?? { error: { message: `fake error ${status}`, type: "fake_error", code: status } });
    }
    const message: Record<string, unknown> = { role: "assistant", content: r.content ?? null };
    if (r.reasoning_content !== undefined) message.reasoning_content = r.reasoning_content;
    if (r.reasoning !== undefined) message.reasoning = r.reasoning;
    const promptText = recorded.body.messages.map((m) => m.content).join("\n");
    const usage = r.usage === null ? undefined : r.usage ?? {
      prompt_tokens: Math.ceil(promptText.length / 4),
      completion_tokens: Math.ceil(((r.content ?? "").length + (r.reasoning_content ?? r.reasoning ?? "").length) / 4),
    };
    return reply.code(200).send({
      id: `chatcmpl-fake-${index}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: r.model ?? model,
      choices: [{ index: 0, message, finish_reason: r.finishReason ?? "stop" }],
      ...(usage ? { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } } : {}),
    });
  });

  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("fake LLM server has no TCP address");
  return {
    url: `http://127.0.0.1:${address.port}/v1`,
    requests,
    setScenario(s) {
      scenario = toScenario(s);
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await app.close();
    },
  };
}

/** A URL on which nothing listens: connections are refused. */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

/** Replies in order; the last one repeats. */
export function sequence(replies: FakeReply[]): Scenario {
  if (replies.length === 0) throw new Error("sequence needs at least one reply");
  return (_req, index) => replies[Math.min(index, replies.length - 1)]!;
}

function toScenario(s: Scenario | FakeReply[]): Scenario {
  return Array.isArray(s) ? sequence(s) : s;
}

export function lastUserMessage(req: RecordedRequest): string {
  const users = req.body.messages.filter((m) => m.role === "user");
  return users[users.length - 1]?.content ?? "";
}

export function noThinkRequested(req: RecordedRequest): boolean {
  return /\/no_think\s*$/.test(lastUserMessage(req)) || req.body.chat_template_kwargs?.enable_thinking === false;
}

/**
 * Wraps an answer the way Qwen3 does: an empty think block when thinking is off (soft or hard
 * switch), a reasoning trace when it is on.
 */
export function qwenContent(req: RecordedRequest, answer: string, trace = "The user wants a triage of the alert. Let me weigh the evidence {draft: not JSON}."): string {
  return noThinkRequested(req) ? `<think>\n\n</think>\n\n${answer}` : `<think>\n${trace}\n</think>\n\n${answer}`;
}

/** A sensible answer for the alert in the prompt, from its category and the data in the fence. */
export function smartAnswer(req: RecordedRequest): Record<string, unknown> {
  const prompt = req.body.messages.find((m) => m.role === "user")?.content ?? "";
  const field = (name: string) => new RegExp(`^${name}: (.*)$`, "m").exec(prompt)?.[1]?.trim() ?? null;
  const category = field("category") ?? "other";
  const host = field("host")?.split(" ")[0] ?? null;
  const externalSource = /^- ip (\S+) \(source, external\)/m.exec(prompt)?.[1] ?? /^- ip (\S+) \(external\)/m.exec(prompt)?.[1] ?? null;
  const base = { summary: `Fake analysis of a ${category} alert.`, reasoning: `Answered by the fake LLM from the category ${category}.`, evidence: [`category: ${category}`] };
  switch (category) {
    case "malware":
      return { ...base, severity: "critical", confidence: 0.95, verdict: "true_positive", mitre: ["T1486"], recommendedAction: host ? "ISOLATE_HOST" : "CREATE_TICKET", recommendedTarget: host };
    case "network_scan":
      return { ...base, severity: "medium", confidence: 0.8, verdict: "true_positive", mitre: ["T1046"], recommendedAction: externalSource ? "BLOCK_IP" : "CREATE_TICKET", recommendedTarget: externalSource };
    case "authentication":
      return { ...base, severity: "high", confidence: 0.9, verdict: "true_positive", mitre: ["T1078", "T1110"], recommendedAction: "CREATE_TICKET", recommendedTarget: null };
    case "data_exfiltration": {
      const departing = /resignation_notice: true/.test(prompt);
      return departing
        ? { ...base, severity: "high", confidence: 0.9, verdict: "true_positive", mitre: ["T1213"], recommendedAction: host ? "ISOLATE_HOST" : "CREATE_TICKET", recommendedTarget: host }
        : { ...base, severity: "high", confidence: 0.85, verdict: "true_positive", mitre: ["T1567"], recommendedAction: "CREATE_TICKET", recommendedTarget: null };
    }
    default:
      return { ...base, severity: "medium", confidence: 0.5, verdict: "undetermined", mitre: [], recommendedAction: "MANUAL_REVIEW", recommendedTarget: null };
  }
}

/** The default scenario: Qwen3-like content around a sensible answer. */
export function smartScenario(): Scenario {
  return (req) => ({ content: qwenContent(req, JSON.stringify(smartAnswer(req))) });
}
