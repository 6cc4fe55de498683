/**
 * A FAKE OpenAI-compatible LLM server for the chaos suite: it answers like the bench's fake
 * (agents/src/bench/fake-llm.ts) until told to misbehave, then fails the way real servers do:
 * - "500": HTTP 500 with an OpenAI-style error body ({"error": {"message", "type"}}), as vLLM and
 *   LM Studio answer when the engine fails;
 * - "429": HTTP 429 with `retry-after: 1` and an error body of type "rate_limit_exceeded", as the
 *   OpenAI API documents and vLLM/llama.cpp answer when their queue is full;
 * - "garbage": HTTP 200 with a well-formed chat completion whose content is not the JSON asked for;
 * - "stall": accepts the request and answers nothing (a hung GPU), until the client gives up.
 * It counts every chat completion request, so the suite can report LLM calls per alert.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { fakeAnswer } from "../bench/fake-llm.js";

export type LlmFault = "none" | "500" | "429" | "garbage" | "stall";

export interface FaultLlm {
  url: string;
  fault: LlmFault;
  readonly requests: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startFaultLlm(delayMs = 50): Promise<FaultLlm> {
  let requests = 0;
  const state = { fault: "none" as LlmFault };
  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? "").split("?")[0];
      if (req.method === "GET" && path === "/v1/models") return send(res, 200, { object: "list", data: [{ id: "fake-qwen3-chaos", object: "model", owned_by: "fake" }] });
      if (req.method !== "POST" || path !== "/v1/chat/completions") return send(res, 404, { error: { message: `not found: ${req.method} ${path}`, type: "not_found" } });
      const text = await body(req);
      requests++;
      switch (state.fault) {
        case "500": return send(res, 500, { error: { message: "engine failed: CUDA error: an illegal memory access was encountered", type: "server_error" } });
        case "429": return send(res, 429, { error: { message: "Rate limit reached: the server's queue is full", type: "rate_limit_exceeded" } }, { "retry-after": "1" });
        case "stall": return; // never answers; the client's timeout ends it
        default: break;
      }
      let prompt = "";
      try {
        const parsed = JSON.parse(text) as { messages?: { role?: string; content?: unknown }[] };
        prompt = (parsed.messages ?? []).filter((m) => m.role === "user").map((m) => String(m.content ?? "")).join("\n");
      } catch { /* answer anyway */ }
      await new Promise((r) => setTimeout(r, delayMs));
      const content = state.fault === "garbage"
        ? "Sure! Here is my analysis: the alert looks bad, I would block it. {not json"
        : `<think>\n\n</think>\n\n${JSON.stringify(fakeAnswer(prompt))}`;
      send(res, 200, {
        id: `chatcmpl-chaos-${requests}`, object: "chat.completion", created: Math.floor(Date.now() / 1000), model: "fake-qwen3-chaos",
        choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
        usage: { prompt_tokens: Math.ceil(prompt.length / 4), completion_tokens: Math.ceil(content.length / 4), total_tokens: Math.ceil((prompt.length + content.length) / 4) },
      });
    })().catch(() => { if (!res.headersSent) send(res, 500, { error: { message: "fake failed", type: "fake_error" } }); });
  });
  await new Promise<void>((resolve, reject) => { server.once("error", reject); server.listen(0, "127.0.0.1", () => resolve()); });
  const a = server.address();
  if (!a || typeof a === "string") throw new Error("the fault LLM has no TCP address");
  return {
    url: `http://127.0.0.1:${a.port}/v1`,
    get fault() { return state.fault; },
    set fault(f: LlmFault) { state.fault = f; },
    get requests() { return requests; },
    async close() { server.closeAllConnections(); await new Promise<void>((r) => server.close(() => r())); },
  };
}
