/**
 * The OpenAI-compatible client the investigator uses. One call = one structured answer:
 * thinking switched per LLM_THINKING, sampling from the Qwen3 model card, `response_format`
 * json_schema when the server takes it, reasoning captured and never parsed, tolerant extraction,
 * zod validation, one repair round that shows the model its errors. Around it: a per-process
 * adaptive concurrency limit (AIMD, llm/concurrency.ts), bounded retries on 429/5xx/connection errors honouring Retry-After, a
 * per-request timeout, a circuit breaker, and a progress callback while waiting.
 *
 * Worst-case duration of one call: 2 exchanges (answer + repair) × (LLM_MAX_RETRIES + 1) requests
 * × LLM_TIMEOUT_SECONDS, plus backoff (≤ 8 s per retry, or Retry-After capped at the timeout).
 * Timeouts are not retried: a local model that is too slow once will be too slow again.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import { z } from "zod";
import type { Logger } from "../runtime/logger.js";
import type { LlmConfig } from "../runtime/config.js";
import { splitThinking } from "./answer-text.js";
import { backoffDelayMs, retryAfterMs } from "./backoff.js";
import { CircuitBreaker, type BreakerState } from "./circuit-breaker.js";
import { AdaptiveConcurrency } from "./concurrency.js";
import { LlmError } from "./errors.js";
import { extractJson, type Validation } from "./extract-json.js";
import {
  QWEN3_SAMPLING, resolveServerKind, thinkingSwitches, withSoftSwitch,
  type ChatMessage, type LlmServerKind, type ThinkingMode,
} from "./thinking.js";

export interface StructuredRequest<T> {
  system: string;
  user: string;
  /** Validates the answer and is the source of the response_format JSON Schema: strings, enums, numbers, nullable. */
  schema: z.ZodType<T>;
  schemaName: string;
  /** Applied to the parsed JSON before validation, e.g. to turn a confidence of 85 into 0.85. */
  normalize?: (parsed: Record<string, unknown>) => unknown;
  promptVersion: string;
  /** Called every few seconds while the call waits (in the queue or on the server). */
  onProgress?: () => void;
  /** The answer may be this many times as long as one investigation (a batch of several alerts); default 1. */
  answerScale?: number;
  /**
   * Place in the replica's queue for an LLM slot: a higher one is sent first (the alert's severity
   * rank, so a critical alert does not wait behind the low ones already queued). Default 0.
   */
  priority?: number;
}

const MAX_ANSWER_SCALE = 8;

export interface StructuredResult<T> {
  value: T;
  thinking: string | null;
  /** The model's answer as it came (thinking split off), before extraction and validation: kept for audits. */
  answer: string;
  model: string;
  promptVersion: string;
  thinkingMode: ThinkingMode;
  promptTokens: number | null;
  completionTokens: number | null;
  latencyMs: number;
  /** HTTP requests made, retries and the repair round included. */
  attempts: number;
  repaired: boolean;
}

export interface LlmClient {
  readonly model: string;
  readonly thinkingMode: ThinkingMode;
  readonly server: LlmServerKind;
  breakerState(): BreakerState;
  /** The adaptive concurrency limit and its use right now. */
  concurrency(): ConcurrencyState;
  /**
   * Asks the server once whether it answers (GET /models). When it does not, the breaker opens at
   * once, so the first alerts go straight to the rules analyst instead of each retrying until the
   * breaker would have opened; the usual half-open probe after LLM_BREAKER_COOLDOWN_SECONDS finds
   * the server when it comes up.
   */
  probe(timeoutMs?: number): Promise<boolean>;
  completeStructured<T>(request: StructuredRequest<T>): Promise<StructuredResult<T>>;
}

export interface ConcurrencyState {
  limit: number;
  inFlight: number;
  queued: number;
  /** Lowest and highest limit the replica has set since start. */
  lowest: number;
  highest: number;
  /** How long a call asked for now would wait for a slot (the backlog ahead of it). */
  expectedWaitMs: number;
}

/** LLM_CONCURRENCY is where the limit starts; MIN and MAX bound it. A contradiction stops the process naming the variables. */
export function concurrencyBounds(cfg: Pick<LlmConfig, "LLM_CONCURRENCY" | "LLM_CONCURRENCY_MIN" | "LLM_CONCURRENCY_MAX">): { min: number; max: number; initial: number } {
  const { LLM_CONCURRENCY: initial, LLM_CONCURRENCY_MIN: min, LLM_CONCURRENCY_MAX: max } = cfg;
  if (min > max) throw new Error(`LLM_CONCURRENCY_MIN (${min}) is above LLM_CONCURRENCY_MAX (${max}); expected MIN ≤ MAX`);
  if (initial < min || initial > max) throw new Error(`LLM_CONCURRENCY (${initial}) is outside LLM_CONCURRENCY_MIN..LLM_CONCURRENCY_MAX (${min}..${max}); expected a start value within them`);
  return { min, max, initial };
}

export interface LlmClientOptions {
  progressIntervalMs?: number;
  /** Replaces the wait between retries, for tests. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const DEFAULT_MAX_TOKENS: Record<ThinkingMode, number> = { off: 1200, on: 8000 };

export function createLlmClient(cfg: LlmConfig, log: Logger, opts: LlmClientOptions = {}): LlmClient {
  return new OpenAiCompatibleClient(cfg, log, opts);
}

interface Exchange {
  content: string;
  reasoningField: string | null;
  finishReason: string | null;
  model: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  requests: number;
}

class OpenAiCompatibleClient implements LlmClient {
  readonly model: string;
  readonly thinkingMode: ThinkingMode;
  readonly server: LlmServerKind;
  private readonly openai: OpenAI;
  private readonly breaker: CircuitBreaker;
  private readonly limiter: AdaptiveConcurrency;
  private readonly timeoutMs: number;
  private readonly maxTokens: number;
  private readonly progressIntervalMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly jsonSchemas = new WeakMap<z.ZodType, Record<string, unknown>>();
  /** Learned from a 400 on the first request that carried response_format; kept for the process. */
  private responseFormatSupported = true;

  constructor(private readonly cfg: LlmConfig, private readonly log: Logger, opts: LlmClientOptions) {
    this.model = cfg.LLM_MODEL_NAME;
    this.thinkingMode = cfg.LLM_THINKING;
    this.server = resolveServerKind(cfg.LLM_SERVER, cfg.LLM_API_URL);
    this.timeoutMs = cfg.LLM_TIMEOUT_SECONDS * 1000;
    this.maxTokens = cfg.LLM_MAX_TOKENS ?? DEFAULT_MAX_TOKENS[cfg.LLM_THINKING];
    this.progressIntervalMs = opts.progressIntervalMs ?? 5_000;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = opts.now ?? Date.now;
    // Retries are ours (bounded, counted, logged); the SDK's would retry timeouts too.
    this.openai = new OpenAI({ baseURL: cfg.LLM_API_URL, apiKey: cfg.LLM_API_KEY, timeout: this.timeoutMs, maxRetries: 0 });
    this.breaker = new CircuitBreaker({
      failureThreshold: cfg.LLM_BREAKER_FAILURES,
      invalidThreshold: cfg.LLM_BREAKER_INVALID_ANSWERS,
      cooldownMs: cfg.LLM_BREAKER_COOLDOWN_SECONDS * 1000,
      now: this.now,
    });
    this.limiter = new AdaptiveConcurrency(concurrencyBounds(cfg));
  }

  breakerState(): BreakerState {
    return this.breaker.state;
  }

  async probe(timeoutMs = 2_000): Promise<boolean> {
    const url = this.server === "ollama" ? ollamaChatUrl(this.cfg.LLM_API_URL).replace(/\/api\/chat$/, "/api/tags") : `${this.cfg.LLM_API_URL.replace(/\/$/, "")}/models`;
    try {
      const r = await fetch(url, { headers: { authorization: `Bearer ${this.cfg.LLM_API_KEY}` }, signal: AbortSignal.timeout(timeoutMs) });
      // Any HTTP answer means the server is up (a 401 or 404 here is for the call to report in detail).
      if (r.status < 500) return true;
      this.log.warn({ url, status: r.status }, "the LLM server answered the start-up probe with an error; the breaker opens and the rules analyst answers until it recovers");
    } catch (e) {
      this.log.warn({ url, error: causeMessage(e as Error) }, "the LLM server did not answer the start-up probe; the breaker opens and the rules analyst answers until it recovers");
    }
    this.breaker.trip();
    return false;
  }

  concurrency(): ConcurrencyState {
    return { limit: this.limiter.limit, inFlight: this.limiter.inFlight, queued: this.limiter.queued, lowest: this.limiter.lowest, highest: this.limiter.highest, expectedWaitMs: this.limiter.expectedWaitMs };
  }

  async completeStructured<T>(request: StructuredRequest<T>): Promise<StructuredResult<T>> {
    if (!this.breaker.tryAcquire()) {
      throw new LlmError("circuit_open", `the LLM circuit breaker is open after repeated ${this.breaker.openedBy ?? "failures"}; next probe in ${Math.ceil(this.breaker.retryInMs / 1000)} s`);
    }
    const progress = request.onProgress ? setInterval(request.onProgress, this.progressIntervalMs) : null;
    try {
      const result = await this.limiter.run(() => this.answerAndRepair(request), request.priority ?? 0);
      this.breaker.succeeded();
      return result;
    } catch (e) {
      if (e instanceof LlmError && e.countsAgainstServer) this.breaker.failed();
      else if (e instanceof LlmError && (e.kind === "invalid_output" || e.kind === "truncated")) this.breaker.invalidAnswer();
      else this.breaker.released(); // a programming error says nothing about the server
      throw e;
    } finally {
      if (progress) clearInterval(progress);
    }
  }

  private async answerAndRepair<T>(request: StructuredRequest<T>): Promise<StructuredResult<T>> {
    const started = this.now();
    const validate = (parsed: unknown): Validation<T> => {
      const input = request.normalize && isRecord(parsed) ? request.normalize(parsed) : parsed;
      const r = request.schema.safeParse(input);
      return r.success
        ? { ok: true, value: r.data }
        : { ok: false, errors: r.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(answer)"}: ${i.message}`) };
    };
    const messages: ChatMessage[] = [
      { role: "system", content: request.system },
      { role: "user", content: request.user },
    ];
    const first = await this.exchange(messages, request);
    const firstSplit = this.split(first);
    const firstTry = extractJson(firstSplit.answer, validate);
    const usage = { prompt: first.promptTokens, completion: first.completionTokens };
    const meta = (requests: number, repaired: boolean, thinking: string | null, model: string | null) => ({
      thinking,
      model: model ?? this.model,
      promptVersion: request.promptVersion,
      thinkingMode: this.thinkingMode,
      promptTokens: usage.prompt,
      completionTokens: usage.completion,
      latencyMs: this.now() - started,
      attempts: requests,
      repaired,
    });
    if (firstTry.ok) return { value: firstTry.value, answer: firstSplit.answer, ...meta(first.requests, false, firstSplit.thinking, first.model) };

    const problems = first.finishReason === "length"
      ? [...firstTry.errors, "the answer was cut off at the token limit: answer with the JSON object only, keep strings short"]
      : firstTry.errors;
    this.log.warn({ errors: problems.slice(0, 10) }, "LLM answer did not validate; asking the model to repair it once");
    // Only the final answer goes back into the history, never the reasoning (Qwen3 card, multi-turn).
    const repairMessages: ChatMessage[] = [
      ...messages,
      { role: "assistant", content: firstTry.candidate ?? (firstSplit.answer.slice(0, 4000) || "(empty answer)") },
      { role: "user", content: repairInstruction(problems) },
    ];
    const second = await this.exchange(repairMessages, request);
    const secondSplit = this.split(second);
    usage.prompt = sum(usage.prompt, second.promptTokens);
    usage.completion = sum(usage.completion, second.completionTokens);
    const thinking = joinThinking(firstSplit.thinking, secondSplit.thinking);
    const secondTry = extractJson(secondSplit.answer, validate);
    if (secondTry.ok) return { value: secondTry.value, answer: secondSplit.answer, ...meta(first.requests + second.requests, true, thinking, second.model ?? first.model) };
    throw new LlmError(
      second.finishReason === "length" ? "truncated" : "invalid_output",
      `the LLM answer did not validate after one repair attempt: ${secondTry.errors.slice(0, 5).join("; ")}`,
      { attempts: first.requests + second.requests, validationErrors: secondTry.errors },
    );
  }

  private split(exchange: Exchange): { answer: string; thinking: string | null } {
    const fromContent = splitThinking(exchange.content);
    return { answer: fromContent.answer, thinking: joinThinking(exchange.reasoningField, fromContent.thinking) };
  }

  /** One chat completion with bounded retries; falls back to no response_format once if the server refuses it. */
  private async exchange<T>(messages: ChatMessage[], request: StructuredRequest<T>): Promise<Exchange> {
    let requests = 0;
    for (let retry = 0; ; retry++) {
      const withFormat = this.responseFormatSupported;
      requests++;
      const ticket = this.limiter.begin();
      try {
        const answer = await this.complete(messages, request, withFormat);
        this.limiter.answered(ticket);
        return { ...answer, requests };
      } catch (firstError) {
        if (overloadSignal(firstError)) this.limiter.overloaded(ticket);
        else this.limiter.abandoned(ticket);
        let e: unknown = firstError;
        if (withFormat && formatRefused(e)) {
          // Servers without structured output answer 400/422 to response_format; retry without it, remember it.
          this.log.warn({ status: e instanceof APIError ? e.status : (e as LlmError).details.status, error: (e as Error).message }, "LLM server rejected response_format; retrying without it and relying on extraction");
          requests++;
          try {
            const answer = await this.complete(messages, request, false);
            this.responseFormatSupported = false;
            return { ...answer, requests };
          } catch (retryError) {
            e = retryError;
          }
        }
        const failure = classify(e, requests);
        const retriable = failure.kind === "rate_limited" || failure.kind === "server_error" || failure.kind === "unreachable";
        // The half-open probe after a cool-down is one request: the alert it carries must not wait out retries.
        const maxRetries = this.breaker.state === "half_open" ? 0 : this.cfg.LLM_MAX_RETRIES;
        if (!retriable || retry >= maxRetries) throw failure;
        const asked = e instanceof APIError ? retryAfterMs(e.headers as Headers | undefined, this.now()) : null;
        if (asked !== null && asked > this.timeoutMs) {
          throw new LlmError(failure.kind, `${failure.message}; the server asks to retry after ${Math.round(asked / 1000)} s, longer than LLM_TIMEOUT_SECONDS`, failure.details);
        }
        const wait = asked ?? backoffDelayMs(retry);
        this.log.warn({ kind: failure.kind, status: failure.details.status, retry: retry + 1, waitMs: wait }, "LLM request failed; retrying");
        await this.sleep(wait);
      }
    }
  }

  /** One request: Ollama's native /api/chat for Ollama, the OpenAI-compatible chat completion for the rest. */
  private async complete<T>(messages: ChatMessage[], request: StructuredRequest<T>, withFormat: boolean): Promise<Omit<Exchange, "requests">> {
    if (this.server === "ollama") return this.ollamaChat(messages, request, withFormat);
    const completion = await this.openai.chat.completions.create(this.body(messages, request, withFormat), { timeout: this.timeoutMs, maxRetries: 0 });
    return readCompletion(completion);
  }

  /**
   * Ollama's native chat API (docs.ollama.com/api/chat). Its OpenAI-compatible /v1 endpoint
   * silently drops top_k and min_p (they are not among its supported request fields), so the
   * model card's sampling reaches Ollama only as native `options`; `think` is its thinking switch
   * and `format` takes the JSON Schema.
   */
  private async ollamaChat<T>(messages: ChatMessage[], request: StructuredRequest<T>, withFormat: boolean): Promise<Omit<Exchange, "requests">> {
    const sampling = QWEN3_SAMPLING[this.thinkingMode];
    const body = {
      model: this.model,
      messages: withSoftSwitch(messages, this.thinkingMode),
      stream: false,
      think: this.thinkingMode === "on",
      ...(withFormat ? { format: this.jsonSchemaOf(request.schema) } : {}),
      options: {
        temperature: sampling.temperature,
        top_p: sampling.top_p,
        top_k: sampling.top_k,
        min_p: sampling.min_p,
        presence_penalty: this.cfg.LLM_PRESENCE_PENALTY,
        num_predict: this.maxTokensFor(request),
      },
    };
    let res: Response;
    try {
      res = await fetch(ollamaChatUrl(this.cfg.LLM_API_URL), {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${this.cfg.LLM_API_KEY}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      if (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError")) {
        throw new LlmError("timeout", "the LLM did not answer within LLM_TIMEOUT_SECONDS", {}, { cause: e });
      }
      throw new LlmError("unreachable", `the LLM server is unreachable: ${causeMessage(e as Error)}`, {}, { cause: e });
    }
    const text = await res.text();
    if (!res.ok) {
      let reason = text.slice(0, 300);
      try {
        const parsed = JSON.parse(text) as { error?: unknown };
        if (typeof parsed.error === "string") reason = parsed.error;
      } catch {
        // not JSON: keep the text
      }
      const details = { status: res.status };
      if (res.status === 429) throw new LlmError("rate_limited", "the LLM server is rate limiting (429)", details);
      if (res.status >= 500) throw new LlmError("server_error", `the LLM server failed (${res.status}): ${reason}`, details);
      throw new LlmError("rejected", `the LLM server rejected the request (${res.status}): ${reason}`, details);
    }
    let answer: { model?: unknown; message?: { content?: unknown; thinking?: unknown }; done_reason?: unknown; prompt_eval_count?: unknown; eval_count?: unknown };
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      throw new LlmError("invalid_output", "Ollama answered with a body that is not JSON", { status: res.status });
    }
    const thinking = typeof answer.message?.thinking === "string" && answer.message.thinking.trim() ? answer.message.thinking.trim() : null;
    return {
      content: typeof answer.message?.content === "string" ? answer.message.content : "",
      reasoningField: thinking,
      finishReason: typeof answer.done_reason === "string" ? answer.done_reason : null,
      model: typeof answer.model === "string" && answer.model ? answer.model : null,
      promptTokens: typeof answer.prompt_eval_count === "number" ? answer.prompt_eval_count : null,
      completionTokens: typeof answer.eval_count === "number" ? answer.eval_count : null,
    };
  }

  private body<T>(messages: ChatMessage[], request: StructuredRequest<T>, withFormat: boolean) {
    const sampling = QWEN3_SAMPLING[this.thinkingMode];
    const extras: Record<string, unknown> = {
      top_k: sampling.top_k,
      min_p: sampling.min_p,
      ...thinkingSwitches(this.thinkingMode, this.server),
    };
    return {
      model: this.model,
      messages: withSoftSwitch(messages, this.thinkingMode),
      temperature: sampling.temperature,
      top_p: sampling.top_p,
      presence_penalty: this.cfg.LLM_PRESENCE_PENALTY,
      max_tokens: this.maxTokensFor(request),
      stream: false as const,
      ...(withFormat
        ? { response_format: { type: "json_schema" as const, json_schema: { name: request.schemaName, strict: true, schema: this.jsonSchemaOf(request.schema) } } }
        : {}),
      // Server extensions the SDK's types do not know; sent through as-is in the JSON body.
      ...(extras as object),
    };
  }

  private maxTokensFor<T>(request: StructuredRequest<T>): number {
    const scale = Math.min(MAX_ANSWER_SCALE, Math.max(1, Math.ceil(request.answerScale ?? 1)));
    return this.maxTokens * scale;
  }

  private jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
    let cached = this.jsonSchemas.get(schema);
    if (!cached) {
      const { $schema: _dialect, ...rest } = z.toJSONSchema(schema) as Record<string, unknown>;
      cached = rest;
      this.jsonSchemas.set(schema, cached);
    }
    return cached;
  }
}

/** Ollama's native chat endpoint from the configured base URL (usually http://host:11434/v1). */
export function ollamaChatUrl(apiUrl: string): string {
  const u = new URL(apiUrl);
  const path = u.pathname.replace(/\/+$/, "").replace(/\/v1$/, "");
  return `${u.origin}${path}/api/chat`;
}

/** 429 and 503 are the server saying it has no free slot: the adaptive limit backs off. */
function overloadSignal(e: unknown): boolean {
  const status = e instanceof APIError ? e.status : e instanceof LlmError ? e.details.status : undefined;
  return status === 429 || status === 503;
}

/** A server that refuses structured output answers 400/422 to it. */
function formatRefused(e: unknown): boolean {
  const status = e instanceof APIError ? e.status : e instanceof LlmError && e.kind === "rejected" ? e.details.status : undefined;
  return status === 400 || status === 422;
}

function readCompletion(completion: OpenAI.Chat.Completions.ChatCompletion): Omit<Exchange, "requests"> {
  const choice = completion.choices?.[0];
  // reasoning_content: LM Studio, llama.cpp, older vLLM; reasoning: current vLLM, Ollama /v1.
  const message = (choice?.message ?? {}) as { content?: string | null; reasoning_content?: unknown; reasoning?: unknown };
  const reasoning = [message.reasoning_content, message.reasoning].find((r): r is string => typeof r === "string" && r.trim().length > 0) ?? null;
  return {
    content: typeof message.content === "string" ? message.content : "",
    reasoningField: reasoning?.trim() ?? null,
    finishReason: choice?.finish_reason ?? null,
    model: typeof completion.model === "string" && completion.model.length > 0 ? completion.model : null,
    promptTokens: completion.usage?.prompt_tokens ?? null,
    completionTokens: completion.usage?.completion_tokens ?? null,
  };
}

function classify(e: unknown, attempts: number): LlmError {
  if (e instanceof LlmError) return e;
  if (e instanceof APIConnectionTimeoutError) return new LlmError("timeout", "the LLM did not answer within LLM_TIMEOUT_SECONDS", { attempts }, { cause: e });
  if (e instanceof APIConnectionError) {
    return new LlmError("unreachable", `the LLM server is unreachable: ${causeMessage(e)}`, { attempts }, { cause: e });
  }
  if (e instanceof APIError && typeof e.status === "number") {
    const details = { status: e.status, attempts };
    if (e.status === 429) return new LlmError("rate_limited", "the LLM server is rate limiting (429)", details, { cause: e });
    if (e.status >= 500) return new LlmError("server_error", `the LLM server failed (${e.status})`, details, { cause: e });
    return new LlmError("rejected", `the LLM server rejected the request (${e.status}): ${e.message}`, details, { cause: e });
  }
  throw e; // not an LLM failure: a programming error must surface
}

/** The most specific reason in an error's cause chain: a code like ECONNREFUSED beats "fetch failed". */
function causeMessage(e: Error): string {
  let fallback = e.message;
  let cur: unknown = e;
  for (let depth = 0; cur && typeof cur === "object" && depth < 5; depth++) {
    const code = "code" in cur ? (cur as { code: unknown }).code : undefined;
    if (typeof code === "string" && /^E[A-Z]+/.test(code)) return code;
    if (cur instanceof Error && cur !== e && cur.message) fallback = cur.message;
    cur = (cur as { cause?: unknown }).cause;
  }
  return fallback;
}

function repairInstruction(errors: string[]): string {
  return [
    "Your previous answer could not be used. Problems:",
    ...errors.slice(0, 15).map((e) => `- ${e}`),
    "Reply with the corrected JSON object only: no prose, no code fence, every required field present.",
  ].join("\n");
}

function joinThinking(a: string | null, b: string | null): string | null {
  const parts = [a, b].filter((p): p is string => !!p && p.trim().length > 0);
  return parts.length ? parts.join("\n\n") : null;
}

function sum(a: number | null, b: number | null): number | null {
  return a === null && b === null ? null : (a ?? 0) + (b ?? 0);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
