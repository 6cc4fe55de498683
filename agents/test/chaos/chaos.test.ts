// The short chaos suite in `npm test`: 500 alerts through the agents as real processes on a real
// nats-server, once with every agent killed with SIGKILL and restarted, once with the server
// itself stopped (SIGTERM) and started again. Read back from the stream and the buckets: nothing
// lost, nothing done twice, nothing recorded failed that could have run, no consumer left stuck.
// `npm run chaos` runs the full suite (5,000 alerts, every scenario).
import { describe, expect, it } from "vitest";
import { natsServerBinary } from "../../src/start/local-nats.js";
import { runScenario, type ScenarioName } from "../../src/chaos/run.js";

const bin = natsServerBinary(process.env);

describe.each<ScenarioName>(["agent-kill", "server-sigterm"])("chaos: %s", (scenario) => {
  it("loses nothing, doubles nothing, fails nothing that could run, leaves nothing stuck", async () => {
    expect(bin, "nats-server must be installed for the chaos suite").not.toBeNull();
    const r = await runScenario(scenario, { alerts: 500, stallS: 120, drainTimeoutS: 400, natsServerBin: bin! });
    const summary = { lost: r.lostIds, double: r.doubleDetails, failed: r.failedReasons, failedButApplied: r.failedButApplied, stuck: r.stuckConsumers, drained: r.drained, logs: r.logs };
    console.log(`chaos ${scenario}: ${JSON.stringify({ ...summary, drainS: r.drainS, recoveryS: r.recoveryS })}`);
    expect(r.published).toBe(500);
    expect(summary).toEqual({ lost: [], double: [], failed: {}, failedButApplied: 0, stuck: [], drained: true, logs: null });
  }, 480_000);
});
