import { describe, expect, it } from "vitest";
import { agentEnv, ConfigError, llmEnv, parseEnv } from "../../src/runtime/config.js";

describe("configuration from the environment", () => {
  it("applies the documented defaults", () => {
    const cfg = parseEnv({ ...agentEnv, ...llmEnv }, {});
    expect(cfg.NATS_URL).toBe("nats://127.0.0.1:4222");
    expect(cfg.STREAM_MAX_AGE_DAYS).toBe(30);
    expect(cfg.LLM_API_URL).toBe("http://localhost:1234/v1");
    expect(cfg.LLM_MODEL_NAME).toBe("qwen3-8b");
    expect(cfg.LLM_THINKING).toBe("off");
  });

  it("stops on a bad value, naming the variable, the value and what it accepts", () => {
    let err: unknown;
    try {
      parseEnv({ ...agentEnv, ...llmEnv }, { LLM_TIMEOUT_SECONDS: "soon", LLM_THINKING: "maybe", STREAM_REPLICAS: "2" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/LLM_TIMEOUT_SECONDS="soon": expected a number of seconds/);
    expect(msg).toMatch(/LLM_THINKING="maybe": expected on or off/);
    expect(msg).toMatch(/STREAM_REPLICAS="2": expected 1, 3 or 5/);
    expect((err as ConfigError).problems.map((p) => p.variable).sort()).toEqual(["LLM_THINKING", "LLM_TIMEOUT_SECONDS", "STREAM_REPLICAS"]);
  });

  it("treats an empty variable as unset", () => {
    expect(parseEnv(llmEnv, { LLM_MODEL_NAME: "" }).LLM_MODEL_NAME).toBe("qwen3-8b");
  });

  it("rejects a URL that is not one", () => {
    expect(() => parseEnv(llmEnv, { LLM_API_URL: "localhost:1234" })).toThrow(/LLM_API_URL="localhost:1234": expected an http\(s\) URL/);
  });
});
