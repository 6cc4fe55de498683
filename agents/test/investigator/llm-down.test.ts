// Start-up with the LLM down: one probe, then every alert goes straight to the rules analyst.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLlmClient } from "../../src/llm/client.js";
import { investigateAlert } from "../../src/investigator/handler.js";
import { llmEnv, parseEnv } from "../../src/runtime/config.js";
import { createLogger } from "../../src/runtime/logger.js";
import { refusedUrl, startFakeLlm, type FakeLlm } from "../fakes/fake-llm-server.js";
import { enrichedMessage, seeds } from "./seed-fixtures.js";

const log = createLogger("investigator-test", "silent");

/**
 * A FAKE LLM server that is up but cannot serve: every request gets 503 with an OpenAI-shaped
 * error body, as LM Studio answers while no model is loaded. It counts the requests it gets.
 */
let down: Server;
let downUrl = "";
const hits: string[] = [];
let up: FakeLlm;
beforeAll(async () => {
  down = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(503, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: "No models loaded", type: "server_error" } }));
  });
  await new Promise<void>((r) => down.listen(0, "127.0.0.1", () => r()));
  const a = down.address();
  downUrl = `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}/v1`;
  up = await startFakeLlm();
});
afterAll(async () => {
  await new Promise<void>((r) => down.close(() => r()));
  await up.close();
});

const client = (url: string) =>
  createLlmClient(parseEnv(llmEnv, { LLM_API_URL: url, LLM_TIMEOUT_SECONDS: "2", LLM_MAX_RETRIES: "3", LLM_BREAKER_COOLDOWN_SECONDS: "60" }), log, { sleep: async () => {} });

describe("an LLM that is down at start costs nothing", () => {
  it("probes once, opens the breaker, and sends no alert to the server while it is open", async () => {
    hits.length = 0;
    const llm = client(downUrl);
    expect(await llm.probe()).toBe(false);
    expect(llm.breakerState()).toBe("open");
    for (const s of Object.values(seeds)) {
      const inv = await investigateAlert(enrichedMessage(s.alert, s.enrichment), { llm, log });
      expect(inv.analyst).toBe("rules");
      expect(inv.fallbackReason).toMatch(/circuit breaker is open/);
    }
    expect(hits).toEqual(["GET /v1/models"]); // the probe, and not one chat completion or retry
  });

  it("after the cool-down, sends one probe call, not retried, and falls back at once when it fails", async () => {
    hits.length = 0;
    let now = 1_000_000;
    const llm = createLlmClient(parseEnv(llmEnv, { LLM_API_URL: downUrl, LLM_TIMEOUT_SECONDS: "2", LLM_MAX_RETRIES: "3", LLM_BREAKER_COOLDOWN_SECONDS: "30" }), log, { sleep: async () => {}, now: () => now });
    expect(await llm.probe()).toBe(false);
    now += 31_000;
    expect(llm.breakerState()).toBe("half_open");
    const inv = await investigateAlert(enrichedMessage(seeds.seed2.alert, seeds.seed2.enrichment), { llm, log });
    expect(inv.analyst).toBe("rules");
    expect(hits).toEqual(["GET /v1/models", "POST /v1/chat/completions"]);
    expect(llm.breakerState()).toBe("open");
  });

  it("treats a refused connection the same way", async () => {
    const llm = client(await refusedUrl());
    expect(await llm.probe()).toBe(false);
    const inv = await investigateAlert(enrichedMessage(seeds.seed1.alert, seeds.seed1.enrichment), { llm, log });
    expect(inv.analyst).toBe("rules");
  });

  it("leaves the breaker closed when the server answers the probe, and the LLM investigates", async () => {
    const llm = client(up.url);
    expect(await llm.probe()).toBe(true);
    expect(llm.breakerState()).toBe("closed");
    const inv = await investigateAlert(enrichedMessage(seeds.seed3.alert, seeds.seed3.enrichment), { llm, log });
    expect(inv.analyst).toBe("llm");
  });
});
