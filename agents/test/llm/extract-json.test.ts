import { describe, expect, it } from "vitest";
import { z } from "zod";
import { splitThinking } from "../../src/llm/answer-text.js";
import { extractJson, type Validation } from "../../src/llm/extract-json.js";
import { normalizeConfidence } from "../../src/llm/confidence.js";

const Answer = z.object({ verdict: z.enum(["a", "b"]), score: z.number() });
const validate = (v: unknown): Validation<z.infer<typeof Answer>> => {
  const r = Answer.safeParse(v);
  return r.success ? { ok: true, value: r.data } : { ok: false, errors: r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) };
};

describe("splitThinking", () => {
  it("removes an empty /no_think block", () => {
    expect(splitThinking('<think>\n\n</think>\n\n{"x":1}')).toEqual({ answer: '{"x":1}', thinking: null });
  });
  it("keeps a reasoning trace apart from the answer", () => {
    expect(splitThinking('<think>draft {"verdict":"b"}</think>{"verdict":"a"}')).toEqual({ answer: '{"verdict":"a"}', thinking: 'draft {"verdict":"b"}' });
  });
  it("treats an unclosed think block (cut off at max_tokens) as all reasoning", () => {
    expect(splitThinking("<think>still thinking {")).toEqual({ answer: "", thinking: "still thinking {" });
  });
  it("handles a closing tag whose opening tag the server stripped", () => {
    expect(splitThinking('reasoning here</think>\n{"x":1}')).toEqual({ answer: '{"x":1}', thinking: "reasoning here" });
  });
});

describe("extractJson", () => {
  it("reads JSON from a code fence", () => {
    expect(extractJson('Here you go:\n```json\n{"verdict":"a","score":1}\n```', validate)).toEqual({ ok: true, value: { verdict: "a", score: 1 } });
  });
  it("skips prose braces and finds the balanced object that validates, not the first brace", () => {
    const text = 'I considered {the options} and {"verdict": "x"} but settled on {"verdict":"b","score":2,"note":"a } in a string"} finally.';
    expect(extractJson(text, validate)).toEqual({ ok: true, value: { verdict: "b", score: 2 } });
  });
  it("reports validation errors of the most complete candidate for the repair prompt", () => {
    const r = extractJson('{"verdict":"c","score":1}', validate);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.join()).toMatch(/verdict/);
      expect(r.candidate).toBe('{"verdict":"c","score":1}');
    }
  });
  it("reports invalid JSON as such", () => {
    const r = extractJson('{"verdict": "a", score: 1,}', validate);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(/not valid JSON/);
  });
  it("reports when there is no JSON at all", () => {
    const r = extractJson("I cannot help with that.", validate);
    expect(r).toEqual({ ok: false, errors: ["the answer contains no JSON object"], candidate: null });
  });
  it("stays fast on a hostile answer full of braces", () => {
    const started = Date.now();
    extractJson("{".repeat(100_000), validate);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe("normalizeConfidence", () => {
  it.each([
    [0.85, 0.85], [85, 0.85], ["85%", 0.85], ["0.85", 0.85], ["85", 0.85], [1, 1], [0, 0], [100, 1], ["100%", 1],
  ])("%s → %s", (input, expected) => {
    expect(normalizeConfidence(input)).toBeCloseTo(expected as number, 6);
  });
  it.each([[8500], [-1], ["high"], ["120%"], [null]])("leaves %s for validation to reject", (input) => {
    expect(normalizeConfidence(input)).toBe(input);
  });
});
