// From bytes to one parsed document, and from a document to the format that can map it.
// Each failure names what was wrong and what is accepted.
import type { FormatNormalizer, ParsedInput } from "./draft.js";
import { isObject } from "./paths.js";

export const ACCEPTED = "accepted: one JSON object per message, or a CEF line";

export type InputFailure = { code: "empty" | "too_large" | "binary" | "malformed_json" | "invalid"; reason: string };

const CEF_START = /(?:^|\s)CEF:\d+\|/;

function decode(input: string | Uint8Array): string | InputFailure {
  if (typeof input === "string") return input;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(input);
  } catch {
    return { code: "binary", reason: `input is not UTF-8 text (${ACCEPTED})` };
  }
}

function looksBinary(text: string): boolean {
  // NUL and most C0 controls never occur in JSON or CEF text; a few tolerated ones (tab, CR, LF, FF) do.
  let controls = 0;
  for (let i = 0; i < Math.min(text.length, 4096); i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return true;
    if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) controls++;
  }
  return controls > 0 && controls * 20 > Math.min(text.length, 4096);
}

/** Parses one message: a JSON object (an array holding exactly one object is unwrapped), or a CEF line. */
export function parseInput(input: string | Uint8Array, maxBytes: number): ParsedInput | InputFailure {
  const size = typeof input === "string" ? Buffer.byteLength(input, "utf8") : input.byteLength;
  if (size > maxBytes) return { code: "too_large", reason: `input is ${size} bytes, over the limit of ${maxBytes} bytes (one alert per message)` };
  const decoded = decode(input);
  if (typeof decoded !== "string") return decoded;
  const text = decoded.replace(/^\uFEFF/, "").trim();
  if (text === "") return { code: "empty", reason: `input is empty (${ACCEPTED})` };
  if (looksBinary(text)) return { code: "binary", reason: `input contains binary data (${ACCEPTED})` };
  if (text.startsWith("{") || text.startsWith("[")) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const pos = /position (\d+)/.exec(msg)?.[1] ?? String(text.length);
      return { code: "malformed_json", reason: `malformed JSON at position ${pos}: ${msg.replace(/\s*\(line.*\)$/, "").slice(0, 200)} (${ACCEPTED})` };
    }
    if (Array.isArray(value)) {
      if (value.length === 1 && isObject(value[0])) value = value[0];
      else return { code: "invalid", reason: `a JSON array of ${value.length} items is not one alert; send one alert per message (secops publish and POST /ingest split arrays) (${ACCEPTED})` };
    }
    if (!isObject(value)) return { code: "invalid", reason: `expected a JSON object, got ${value === null ? "null" : typeof value} (${ACCEPTED})` };
    if (Object.keys(value).length === 0) return { code: "empty", reason: `the JSON object is empty (${ACCEPTED})` };
    return { kind: "json", value, text };
  }
  if (CEF_START.test(text.split("\n", 1)[0]!)) return { kind: "text", text: text.split("\n", 1)[0]! };
  if (/^["\d-]|^(true|false|null)\b/.test(text)) return { code: "invalid", reason: `expected a JSON object, got a JSON ${text.startsWith('"') ? "string" : "scalar"} (${ACCEPTED})` };
  return { code: "invalid", reason: `input is neither JSON nor a CEF line (starts with ${JSON.stringify(text.slice(0, 20))}; ${ACCEPTED})` };
}

/** Elasticsearch hits wrap the document in `_source`; detection looks inside. */
export function unwrapSearchHit(doc: ParsedInput): ParsedInput {
  if (doc.kind === "json" && isObject(doc.value) && isObject(doc.value._source) && ("_index" in doc.value || "_id" in doc.value)) {
    return { kind: "json", value: doc.value._source, text: doc.text };
  }
  return doc;
}

/** The first normalizer (in registry order, generic last) whose detector accepts the document. */
export function detectFormat(doc: ParsedInput, registry: readonly FormatNormalizer[]): FormatNormalizer | null {
  for (const n of registry) {
    try {
      if (n.detect(doc)) return n;
    } catch {
      // A detector that throws on hostile input simply did not match.
    }
  }
  return null;
}
