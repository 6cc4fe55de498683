// Runs only against a real OpenAI-compatible server: LLM_API_URL=http://localhost:1234/v1 npx vitest run agents/test/llm/live.test.ts
import { describe, expect, it } from "vitest";
import { Investigation } from "@secops/contracts";
import { createLlmClient } from "../../src/llm/client.js";
import { investigateAlert } from "../../src/investigator/handler.js";
import { llmEnv, parseEnv } from "../../src/runtime/config.js";
import { createLogger } from "../../src/runtime/logger.js";
import { enrichedMessage, seeds } from "../investigator/seed-fixtures.js";

describe.runIf(!!process.env.LLM_API_URL)("live LLM", () => {
  it("investigates every seed sample with a validated LLM answer", { timeout: 15 * 60_000 }, async () => {
    const log = createLogger("live-llm-test", process.env.LOG_LEVEL ?? "warn");
    const client = createLlmClient(parseEnv(llmEnv), log);
    for (const [name, s] of Object.entries(seeds)) {
      const inv = Investigation.parse(await investigateAlert(enrichedMessage(s.alert, s.enrichment), { llm: client, log }));
      console.log(name, JSON.stringify({ action: inv.recommendedAction, target: inv.recommendedTarget, severity: inv.severity, confidence: inv.confidence, llm: inv.llm, fallbackReason: inv.fallbackReason }));
      expect(inv.fallbackReason, `${name}: ${inv.fallbackReason}`).toBeNull();
      expect(inv.analyst).toBe("llm");
      expect(inv.llm!.promptTokens ?? 0).toBeLessThan(2500);
    }
  });
});
