import { describe, expect, it } from "vitest";
import { normalizeAlert } from "../../src/enricher/normalize/index.js";
import { fixtureItems, mustNormalize } from "./fixtures.js";

function failureOf(input: string | Uint8Array, opts?: Parameters<typeof normalizeAlert>[1]) {
  const r = normalizeAlert(input, opts);
  if (r.ok) throw new Error(`expected a failure, got a ${r.alert.format} alert`);
  return r.error;
}

describe("bad input gets a typed failure with a reason that says what is accepted", () => {
  it("truncated JSON names the position", () => {
    const e = failureOf('{"rule": {"level": 5');
    expect(e.code).toBe("malformed_json");
    expect(e.reason).toMatch(/^malformed JSON at position \d+: .+ \(accepted: one JSON object per message, or a CEF line\)$/);
  });

  it("empty inputs and empty objects", () => {
    expect(failureOf("").code).toBe("empty");
    expect(failureOf("   \n ").code).toBe("empty");
    expect(failureOf("{}").code).toBe("empty");
  });

  it("a vendor envelope with a broken field is that vendor's error, not a generic webhook alert", () => {
    const wazuh = JSON.parse(fixtureItems("wazuh", "sshd-brute-force.json")[0]!) as Record<string, unknown>;
    const asString = failureOf(JSON.stringify({ ...wazuh, rule: "5710" }));
    expect(asString).toMatchObject({ code: "invalid", tried: ["wazuh"], errors: [{ path: "rule" }] });
    expect(asString.reason).toMatch(/^looks like a wazuh alert but `rule` must be an object .* got a string \("5710"\)$/);
    const wordLevel = failureOf(JSON.stringify({ ...wazuh, rule: { level: "high", description: "sshd: brute force" } }));
    expect(wordLevel.errors).toEqual([{ path: "rule.level", message: expect.stringMatching(/must be a number 0-16, got a string/) }]);

    const suricata = JSON.parse(fixtureItems("suricata", "et-scan.json")[0]!) as Record<string, unknown>;
    expect(failureOf(JSON.stringify({ ...suricata, alert: "ET SCAN" }))).toMatchObject({ code: "invalid", tried: ["suricata"], errors: [{ path: "alert" }] });
    // Outside such an envelope a bare `rule` string is still a fine generic title.
    expect(mustNormalize(JSON.stringify({ rule: "Door sensor tripped", host: "lobby-1" })).format).toBe("webhook");
  });

  it("binary junk", () => {
    expect(failureOf(new Uint8Array([0xff, 0xfe, 0x00, 0x12, 0x80])).code).toBe("binary");
    expect(failureOf("abc\u0000def").code).toBe("binary");
  });

  it("too large", () => {
    const e = failureOf(JSON.stringify({ title: "x", pad: "y".repeat(2000) }), { maxBytes: 1000 });
    expect(e.code).toBe("too_large");
    expect(e.reason).toMatch(/over the limit of 1000 bytes/);
  });

  it("scalars, arrays of several alerts, and plain text", () => {
    expect(failureOf("42").reason).toMatch(/expected a JSON object/);
    expect(failureOf("[1,2]").reason).toMatch(/array of 2 items is not one alert/);
    expect(failureOf("hello world").reason).toMatch(/neither JSON nor a CEF line/);
  });

  it("unknown formats list what was tried and what the generic mapping needs", () => {
    const e = failureOf('{"foo": 1, "bar": [true]}');
    expect(e.code).toBe("unknown_format");
    expect(e.tried).toHaveLength(15);
    expect(e.reason).toMatch(/^no known format matched \(tried: wazuh, suricata, .*webhook\); the generic webhook mapping needs at least a title-like field/);
  });

  it("wrong types are not coerced: numeric or object titles are not titles", () => {
    expect(failureOf('{"title": 404}').code).toBe("unknown_format");
    const e = failureOf('{"alert_id": "A-1", "name": {"x": 1}, "details": {}, "timestamp": "2026-01-01T00:00:00Z"}');
    expect(e.code).toBe("invalid");
    expect(e.reason).toMatch(/seed: no title \(looked at name\)/);
  });

  it("an unreadable time falls back to the receive time, says so and keeps the original", () => {
    const at = new Date("2026-05-05T05:05:05.000Z");
    const a = mustNormalize('{"title":"x","timestamp":"yesterday-ish"}', { receivedAt: at });
    expect(a.time).toBe("2026-05-05T05:05:05.000Z");
    expect(a.context).toMatchObject({ time_source: "received", time_original: "yesterday-ish" });
  });

  it("huge fields are truncated with a marker, not rejected", () => {
    const a = mustNormalize(JSON.stringify({ title: "T".repeat(5000), description: "D".repeat(100_000) }));
    expect(a.title.length).toBeLessThanOrEqual(1024);
    expect(a.title).toMatch(/truncated \d+ chars\]$/);
    expect(a.description.length).toBeLessThanOrEqual(16384);
  });

  it("a forced unknown format is refused with the accepted list", () => {
    const e = failureOf("{}".replace("{}", '{"title":"x"}'), { format: "nope" as never });
    expect(e.code).toBe("unknown_format");
    expect(e.reason).toMatch(/accepted: wazuh, suricata/);
  });

  it("vendor keys like __proto__ and constructor stay plain data", () => {
    const a = mustNormalize('{"alert_id":"A-2","name":"n","timestamp":"2026-01-01T00:00:00Z","severity":"constructor","details":{"__proto__":["x"],"constructor":"y"}}');
    expect(a.severity).toBe("medium");
    expect(a.severityOriginal).toBe("constructor");
    expect(Object.getPrototypeOf(a.context)).toBe(Object.prototype);
    expect(a.context.constructor).toBe("y");
    const cef = mustNormalize("CEF:0|V|P|1|s|n|5|__proto__=a cs1Label=__proto__ cs1=b");
    expect(Object.getPrototypeOf(cef.context)).toBe(Object.prototype);
  });

  it("the raw alert is kept as parsed JSON, or as the CEF line", () => {
    const wazuh = fixtureItems("wazuh", "sshd-brute-force.json")[0]!;
    expect(mustNormalize(wazuh).raw).toEqual(JSON.parse(wazuh));
  });
});
