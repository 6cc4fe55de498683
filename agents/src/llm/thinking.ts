/**
 * Qwen3's thinking switches and sampling, per server (reference: tech.md §E).
 *
 * | server    | thinking off is honoured via                                  |
 * |-----------|---------------------------------------------------------------|
 * | LM Studio | `/no_think` in the last user message (unknown body fields ignored) |
 * | vLLM      | `chat_template_kwargs.enable_thinking=false` (hard switch)    |
 * | llama.cpp | `chat_template_kwargs.enable_thinking=false` (needs --jinja)   |
 * | Ollama /v1| `reasoning_effort: "none"`; `/no_think` ignored on some versions |
 *
 * `/no_think` is always appended when off: it is harmless where the hard switch already works
 * (the template then ignores it) and it is the only switch LM Studio has. `reasoning_effort` is
 * sent only to Ollama because vLLM validates it as low|medium|high and may reject "none".
 */
import type { LlmConfig } from "../runtime/config.js";

export type ThinkingMode = "on" | "off";
export type LlmServerKind = "lmstudio" | "vllm" | "llamacpp" | "ollama" | "generic";

export interface Sampling {
  temperature: number;
  top_p: number;
  top_k: number;
  min_p: number;
}

// Qwen3 model card, "Best Practices". Never greedy: temperature 0 makes Qwen3 repeat itself.
export const QWEN3_SAMPLING: Record<ThinkingMode, Sampling> = {
  on: { temperature: 0.6, top_p: 0.95, top_k: 20, min_p: 0 },
  off: { temperature: 0.7, top_p: 0.8, top_k: 20, min_p: 0 },
};

export const NO_THINK_SWITCH = "/no_think";

export function resolveServerKind(setting: LlmConfig["LLM_SERVER"], apiUrl: string): LlmServerKind {
  if (setting !== "auto") return setting;
  try {
    if (new URL(apiUrl).port === "11434") return "ollama";
  } catch {
    // An unparsable URL is reported by config validation; guessing "generic" is enough here.
  }
  return "generic";
}

/** Body fields beyond the OpenAI API that switch thinking for the given server. */
export function thinkingSwitches(mode: ThinkingMode, server: LlmServerKind): Record<string, unknown> {
  const enable = mode === "on";
  switch (server) {
    case "vllm":
    case "llamacpp":
    case "generic":
      return { chat_template_kwargs: { enable_thinking: enable } };
    case "ollama":
      return enable ? {} : { reasoning_effort: "none" };
    case "lmstudio":
      return {};
  }
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** Appends Qwen3's soft switch to the last user message when thinking is off. */
export function withSoftSwitch(messages: ChatMessage[], mode: ThinkingMode): ChatMessage[] {
  if (mode === "on") return messages;
  const lastUser = messages.map((m) => m.role).lastIndexOf("user");
  return messages.map((m, i) => (i === lastUser ? { ...m, content: `${m.content}\n${NO_THINK_SWITCH}` } : m));
}
