// Backpressure: with the LLM's queue longer than LLM_MAX_WAIT_SECONDS, low and medium alerts are
// decided by the rules analyst, labelled as such; critical and high wait for the LLM.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBenchFakeLlm, type BenchFakeLlm } from "../../src/bench/fake-llm.js";
import { createLlmClient } from "../../src/llm/client.js";
import { BACKLOG_LABEL, investigateAlert } from "../../src/investigator/handler.js";
import { llmEnv, parseEnv } from "../../src/runtime/config.js";
import { createLogger } from "../../src/runtime/logger.js";
import { enrichedMessage, seeds } from "./seed-fixtures.js";

const log = createLogger("investigator-test", "silent");
let fake: BenchFakeLlm;
beforeAll(async () => { fake = await startBenchFakeLlm({ delayMs: 250 }); });
afterAll(async () => { await fake.close(); });

const { alert, enrichment } = seeds.seed3;
const withSeverity = (severity: "low" | "medium" | "high" | "critical", id: string) => enrichedMessage({ ...alert, severity }, enrichment, id);

describe("LLM backlog backpressure", () => {
  it("sends low and medium alerts to the rules analyst while the queue is too long, and keeps critical and high on the LLM", async () => {
    const llm = createLlmClient(parseEnv(llmEnv, { LLM_API_URL: fake.url, LLM_CONCURRENCY: "1", LLM_CONCURRENCY_MIN: "1", LLM_CONCURRENCY_MAX: "1" }), log);
    const deps = { llm, log, maxWaitMs: 500 };
    // Quiet: a low alert goes to the LLM.
    expect((await investigateAlert(withSeverity("low", "BP-0"), deps)).analyst).toBe("llm");
    // A storm of critical alerts: one in flight, the rest queued (about 4 × 250 ms ahead).
    const storm = Array.from({ length: 4 }, (_, k) => investigateAlert(withSeverity("critical", `BP-C${k}`), deps));
    await new Promise((r) => setTimeout(r, 20));
    expect(llm.concurrency().expectedWaitMs).toBeGreaterThan(500);
    const answeredBefore = fake.answered;
    const [low, medium] = await Promise.all([investigateAlert(withSeverity("low", "BP-L"), deps), investigateAlert(withSeverity("medium", "BP-M"), deps)]);
    for (const inv of [low, medium]) {
      expect(inv.analyst).toBe("rules");
      expect(inv.fallbackReason).toMatch(new RegExp(`^${BACKLOG_LABEL.replace(/[()]/g, "\\$&")}: a (low|medium) alert would wait about \\d+ s`));
    }
    const high = investigateAlert(withSeverity("high", "BP-H"), deps);
    const results = await Promise.all([...storm, high]);
    expect(results.map((r) => r.analyst)).toEqual(["llm", "llm", "llm", "llm", "llm"]);
    expect(fake.answered - answeredBefore).toBe(5); // the storm and the high alert; nothing for low and medium
  });

  it("does not apply without a bound (LLM_MAX_WAIT_SECONDS not given to the handler)", async () => {
    const llm = createLlmClient(parseEnv(llmEnv, { LLM_API_URL: fake.url, LLM_CONCURRENCY: "1", LLM_CONCURRENCY_MIN: "1", LLM_CONCURRENCY_MAX: "1" }), log);
    await investigateAlert(withSeverity("low", "BP2-0"), { llm, log });
    const storm = Array.from({ length: 3 }, (_, k) => investigateAlert(withSeverity("critical", `BP2-C${k}`), { llm, log }));
    await new Promise((r) => setTimeout(r, 20));
    const low = await investigateAlert(withSeverity("low", "BP2-L"), { llm, log });
    expect(low.analyst).toBe("llm");
    await Promise.all(storm);
  });
});
