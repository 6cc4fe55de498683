import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { actionDigest, canonicalJson } from "../src/action-digest.js";

describe("canonicalJson", () => {
  it("sorts keys at every level, drops undefined members, and writes undefined array items as null", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: "x" }, u: undefined })).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
    expect(canonicalJson([undefined, 1])).toBe("[null,1]");
    expect(canonicalJson([])).toBe("[]");
    expect(canonicalJson({})).toBe("{}");
    expect(canonicalJson({ 'we"ird': "q\"uote" })).toBe('{"we\\"ird":"q\\"uote"}');
    expect(canonicalJson(null)).toBe("null");
    expect(canonicalJson("s")).toBe('"s"');
  });

  it("refuses values JSON cannot write, naming the type", () => {
    expect(() => canonicalJson(undefined)).toThrow("cannot canonicalize a undefined");
    expect(() => canonicalJson(() => 1)).toThrow("cannot canonicalize a function");
  });
});

describe("actionDigest", () => {
  const block = { action: "BLOCK_IP", ip: "203.0.113.7", durationHours: 24, reason: "c2" } as const;

  it("is the sha256 hex of the canonical JSON, whatever the key order", () => {
    const expected = createHash("sha256").update('{"action":"BLOCK_IP","durationHours":24,"ip":"203.0.113.7","reason":"c2"}').digest("hex");
    expect(actionDigest(block)).toBe(expected);
    expect(actionDigest({ reason: "c2", durationHours: 24, ip: "203.0.113.7", action: "BLOCK_IP" })).toBe(expected);
  });

  it("changes with the target, a parameter, or non-ASCII text (hashed as UTF-8)", () => {
    expect(actionDigest({ ...block, ip: "203.0.113.8" })).not.toBe(actionDigest(block));
    expect(actionDigest({ ...block, durationHours: 25 })).not.toBe(actionDigest(block));
    expect(actionDigest({ ...block, reason: "é" })).toBe(createHash("sha256").update(Buffer.from('{"action":"BLOCK_IP","durationHours":24,"ip":"203.0.113.7","reason":"é"}', "utf8")).digest("hex"));
  });
});
