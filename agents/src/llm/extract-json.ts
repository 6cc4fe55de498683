/**
 * Finds the model's JSON answer in text that may wrap it in code fences or prose. The seed took
 * the first `{` it saw, which picks up "{example}" prose or a draft; here every balanced object is
 * a candidate and the first one that validates wins.
 */
export type Validation<T> = { ok: true; value: T } | { ok: false; errors: string[] };

export type Extraction<T> =
  | { ok: true; value: T }
  | { ok: false; errors: string[]; /** the candidate the errors are about, for the repair prompt */ candidate: string | null };

// Bounds keep a hostile or runaway answer from costing quadratic time.
const MAX_TEXT = 200_000;
const MAX_START_POSITIONS = 400;

export function extractJson<T>(text: string, validate: (value: unknown) => Validation<T>): Extraction<T> {
  const bounded = text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text;
  let firstParsed: { source: string; errors: string[] } | null = null;
  let firstParseError: { source: string; message: string } | null = null;

  for (const source of candidateTexts(bounded)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(source);
    } catch (e) {
      firstParseError ??= { source, message: (e as Error).message };
      continue;
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) continue;
    const result = validate(parsed);
    if (result.ok) return result;
    // The longest object that parsed is most likely the intended answer; report its problems.
    if (!firstParsed || source.length > firstParsed.source.length) firstParsed = { source, errors: result.errors };
  }
  if (firstParsed) return { ok: false, errors: firstParsed.errors, candidate: firstParsed.source };
  if (firstParseError) return { ok: false, errors: [`the answer is not valid JSON: ${firstParseError.message}`], candidate: firstParseError.source };
  return { ok: false, errors: ["the answer contains no JSON object"], candidate: null };
}

function* candidateTexts(text: string): Generator<string> {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) yield trimmed;
  for (const fenced of trimmed.matchAll(/```[a-zA-Z]*\s*\n?([\s\S]*?)```/g)) {
    const body = fenced[1]?.trim();
    if (body) yield body;
  }
  let starts = 0;
  for (let i = text.indexOf("{"); i >= 0 && starts < MAX_START_POSITIONS; i = text.indexOf("{", i + 1), starts++) {
    const end = matchingBrace(text, i);
    if (end > i) yield text.slice(i, end + 1);
  }
}

/** Index of the `}` closing the `{` at `start`, skipping braces inside JSON strings; -1 if unbalanced. */
export function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{") depth++;
    else if (c === "}") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
