/**
 * A FAKE OpenAI-compatible LLM server for the bench. Not a model: it answers every chat
 * completion, after a fixed delay that stands in for inference time, the way Qwen3 answers with
 * thinking off (an empty <think></think> block, then the JSON), choosing a plausible verdict from
 * the alert category in the prompt. It listens on 127.0.0.1 only. The tests' richer fake
 * (agents/test/fakes/fake-llm-server.ts) is not used here because test files are not compiled.
 *
 * With `slots` it has a real capacity, the way vLLM with `--max-num-seqs K` behind a rate
 * limiter or an OpenAI deployment does: at most K completions are served at once, and a request
 * beyond K is answered at once with 429, an OpenAI-shaped error body
 * (`{"error":{"message","type":"rate_limit_error","code":"rate_limit_exceeded"}}`) and the
 * `retry-after-ms` / `retry-after` headers the OpenAI API documents (platform.openai.com/docs/guides/rate-limits,
 * and the openai-node SDK reads both). Without `slots` it serves every request at once.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

export interface BenchFakeLlm {
  /** Base URL for the OpenAI client; ends with /v1. */
  url: string;
  /** Chat completions answered so far. */
  readonly answered: number;
  /** Requests refused with 429 because all slots were busy. */
  readonly rejected: number;
  /** Most completions served at once. */
  readonly peakInFlight: number;
  /** Prompt tokens (chars / 4) of the answered completions. */
  readonly promptTokens: number;
  close(): Promise<void>;
}

const MODEL = "fake-qwen3-bench";
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** A plausible investigation for the prompt's alert: the category and host are read from the data lines. */
export function fakeAnswer(prompt: string): Record<string, unknown> {
  const field = (name: string) => new RegExp(`^${name}: (.*)$`, "m").exec(prompt)?.[1]?.trim() ?? null;
  const category = field("category") ?? "other";
  const host = field("host")?.split(" ")[0] ?? null;
  const externalSource = /^- ip (\S+) \(source, external\)/m.exec(prompt)?.[1] ?? /^- ip (\S+) \(external\)/m.exec(prompt)?.[1] ?? null;
  const base = { summary: `Fake analysis of a ${category} alert.`, reasoning: `Answered by the bench's fake LLM from the category ${category}.`, evidence: [`category: ${category}`] };
  switch (category) {
    case "malware":
      return { ...base, severity: "critical", confidence: 0.95, verdict: "true_positive", mitre: ["T1486"], recommendedAction: host ? "ISOLATE_HOST" : "CREATE_TICKET", recommendedTarget: host };
    case "network_scan":
      return { ...base, severity: "medium", confidence: 0.85, verdict: "true_positive", mitre: ["T1046"], recommendedAction: externalSource ? "BLOCK_IP" : "CREATE_TICKET", recommendedTarget: externalSource };
    case "authentication":
      return { ...base, severity: "high", confidence: 0.9, verdict: "true_positive", mitre: ["T1078", "T1110"], recommendedAction: "CREATE_TICKET", recommendedTarget: null };
    case "data_exfiltration":
      return { ...base, severity: "high", confidence: 0.85, verdict: "true_positive", mitre: ["T1567"], recommendedAction: "CREATE_TICKET", recommendedTarget: null };
    default:
      return { ...base, severity: "medium", confidence: 0.5, verdict: "undetermined", mitre: [], recommendedAction: "MANUAL_REVIEW", recommendedTarget: null };
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) { reject(new Error(`request body over ${MAX_BODY_BYTES} bytes`)); req.destroy(); return; }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export interface BenchFakeLlmOptions {
  /** Inference time of one completion. */
  delayMs: number;
  /** Completions served at once; more get 429. Unset: unlimited. */
  slots?: number;
  /** What the 429 asks the client to wait; default the delay (a slot frees within one inference). */
  retryAfterMs?: number;
  /**
   * What a request beyond `slots` gets: "reject" (429, vLLM behind a limiter, OpenAI) or "queue"
   * (waits for a free slot, as a single-slot LM Studio or llama.cpp server does: latency grows).
   */
  overflow?: "reject" | "queue";
}

export async function startBenchFakeLlm(opts: BenchFakeLlmOptions): Promise<BenchFakeLlm> {
  if (!Number.isFinite(opts.delayMs) || opts.delayMs < 0) throw new Error(`fake LLM delay must be 0 or more milliseconds, got ${opts.delayMs}`);
  if (opts.slots !== undefined && (!Number.isInteger(opts.slots) || opts.slots < 1)) throw new Error(`fake LLM slots must be a whole number ≥ 1, got ${opts.slots}`);
  const timers = new Set<NodeJS.Timeout>();
  let answered = 0;
  let rejected = 0;
  let inFlight = 0;
  let peakInFlight = 0;
  let promptTokens = 0;
  const queue: (() => void)[] = [];
  const retryAfter = Math.max(1, Math.round(opts.retryAfterMs ?? opts.delayMs));
  const wait = (ms: number) => new Promise<void>((resolve) => {
    const t = setTimeout(() => { timers.delete(t); resolve(); }, ms);
    timers.add(t);
  });

  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? "").split("?")[0];
      if (req.method === "GET" && path === "/v1/models") return sendJson(res, 200, { object: "list", data: [{ id: MODEL, object: "model", owned_by: "fake" }] });
      if (req.method !== "POST" || path !== "/v1/chat/completions") return sendJson(res, 404, { error: { message: `the fake LLM serves GET /v1/models and POST /v1/chat/completions, not ${req.method} ${path}`, type: "not_found" } });
      let body: { messages?: { role?: string; content?: unknown }[] };
      try {
        body = JSON.parse(await readBody(req)) as typeof body;
      } catch (e) {
        return sendJson(res, 400, { error: { message: `invalid request body: ${(e as Error).message}`, type: "invalid_request_error" } });
      }
      const messages = Array.isArray(body.messages) ? body.messages : [];
      const prompt = messages.filter((m) => m.role === "user").map((m) => String(m.content ?? "")).join("\n");
      let queuedTurn = false;
      if (opts.slots !== undefined && inFlight >= opts.slots && opts.overflow === "queue") {
        // The slot is handed over by the finishing request (counted there), so nobody jumps the queue.
        await new Promise<void>((resolve) => queue.push(resolve));
        queuedTurn = true;
      } else if (opts.slots !== undefined && inFlight >= opts.slots) {
        rejected++;
        const text = JSON.stringify({ error: { message: `all ${opts.slots} slots are busy; retry after ${retryAfter} ms`, type: "rate_limit_error", param: null, code: "rate_limit_exceeded" } });
        res.writeHead(429, {
          "content-type": "application/json", "content-length": Buffer.byteLength(text),
          "retry-after-ms": String(retryAfter), "retry-after": String(Math.max(1, Math.ceil(retryAfter / 1000))),
          "x-ratelimit-limit-requests": String(opts.slots), "x-ratelimit-remaining-requests": "0",
        });
        res.end(text);
        return;
      }
      if (!queuedTurn) {
        inFlight++;
        peakInFlight = Math.max(peakInFlight, inFlight);
      }
      try {
        await wait(opts.delayMs);
      } finally {
        inFlight--;
        const next = queue.shift();
        if (next) { inFlight++; peakInFlight = Math.max(peakInFlight, inFlight); next(); }
      }
      const content = `<think>\n\n</think>\n\n${JSON.stringify(fakeAnswer(prompt))}`;
      const promptChars = messages.reduce((n, m) => n + String(m.content ?? "").length, 0);
      const usage = { prompt_tokens: Math.ceil(promptChars / 4), completion_tokens: Math.ceil(content.length / 4) };
      answered++;
      promptTokens += usage.prompt_tokens;
      sendJson(res, 200, {
        id: `chatcmpl-fake-${answered}`, object: "chat.completion", created: Math.floor(Date.now() / 1000), model: MODEL,
        choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
        usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
      });
    })().catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `fake LLM failed: ${(e as Error).message}`, type: "fake_error" } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the fake LLM server has no TCP address");
  return {
    url: `http://127.0.0.1:${address.port}/v1`,
    get answered() { return answered; },
    get rejected() { return rejected; },
    get peakInFlight() { return peakInFlight; },
    get promptTokens() { return promptTokens; },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
