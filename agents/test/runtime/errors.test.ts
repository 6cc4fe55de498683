import { describe, expect, it } from "vitest";
import { TimeoutError, NoRespondersError } from "@nats-io/transport-node";
import { PermanentError, TransientError, backoffMs, classifyError } from "../../src/runtime/errors.js";
import { ConnectorError } from "../../src/responder/connectors/http.js";

function stackOverflow(): unknown {
  const deep: Record<string, unknown> = {};
  let cur = deep;
  for (let i = 0; i < 200_000; i++) { const next = {}; cur.a = next; cur = next; }
  try { JSON.stringify(deep); } catch (e) { return e; }
  throw new Error("expected JSON.stringify to overflow the stack");
}

describe("one error taxonomy", () => {
  it("classifies network, NATS, 5xx and 429 as transient", () => {
    expect(classifyError(new TimeoutError())).toBe("transient"); // a KV write timing out
    expect(classifyError(new NoRespondersError("$JS.API.STREAM.INFO"))).toBe("transient");
    expect(classifyError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))).toBe("transient");
    expect(classifyError(new TypeError("fetch failed", { cause: Object.assign(new Error("reset"), { code: "ECONNRESET" }) }))).toBe("transient");
    expect(classifyError(Object.assign(new Error("Too Many Requests"), { status: 429 }))).toBe("transient");
    expect(classifyError(Object.assign(new Error("Bad Gateway"), { status: 502 }))).toBe("transient");
    expect(classifyError(new ConnectorError("jira: 503", true))).toBe("transient");
    expect(classifyError(new TransientError("busy"))).toBe("transient");
  });

  it("classifies contract errors, 4xx and deterministic exceptions such as a stack overflow as permanent", () => {
    expect(classifyError(new PermanentError("does not match the contract"))).toBe("permanent");
    expect(classifyError(stackOverflow())).toBe("permanent");
    expect(classifyError(new TypeError("Cannot read properties of undefined"))).toBe("permanent");
    expect(classifyError(Object.assign(new Error("Bad Request"), { status: 400 }))).toBe("permanent");
    expect(classifyError(new ConnectorError("jira: no such project", false))).toBe("permanent");
  });

  it("leaves anything else unknown (retried with backoff up to max_deliver), a missing stream or bucket included", () => {
    const missing = Object.assign(new Error("stream not found"), { name: "StreamNotFoundError", status: 404, code: 10059 });
    expect(classifyError(missing)).toBe("unknown");
    expect(classifyError(new Error("something odd"))).toBe("unknown");
    expect(classifyError("a string")).toBe("unknown");
  });

  it("backs off along the stage's ladder with at most 20 % jitter, capped", () => {
    const ladderS = [1, 5, 15];
    expect(backoffMs(1, { ladderS, random: () => 0 })).toBe(1_000);
    expect(backoffMs(2, { ladderS, random: () => 0.999 })).toBeLessThanOrEqual(6_000);
    expect(backoffMs(9, { ladderS, random: () => 0 })).toBe(15_000);
    expect(backoffMs(30, { baseMs: 500, capMs: 10_000, random: () => 0 })).toBe(10_000);
  });
});
