// Batches → single alerts. Files and HTTP bodies may hold one JSON object, a JSON array of
// alerts, JSON lines, or CEF lines; the normalizer takes exactly one alert per call, so every
// way in splits the same way and labels each item: `<source>`, `<source>[index]`, `<source>:line`.

export interface BatchItem {
  /** Where the item came from: `file`, `file[2]` (array element) or `file:7` (line). */
  input: string;
  /** The bytes of that one alert: compact JSON for JSON values, the line as-is otherwise. */
  text: string;
}

export function splitBatch(content: string, label: string): BatchItem[] {
  const body = content.replace(/^\uFEFF/, "");
  const trimmed = body.trim();
  if (trimmed === "") return [{ input: label, text: "" }];
  if (trimmed.startsWith("[") || trimmed.startsWith("{")) {
    try {
      const value = JSON.parse(trimmed) as unknown;
      if (Array.isArray(value)) return value.map((v, i) => ({ input: `${label}[${i}]`, text: JSON.stringify(v) }));
      return [{ input: label, text: JSON.stringify(value) }];
    } catch {
      // Not one JSON document: JSON lines if the first line stands alone, else one broken
      // document that is reported once rather than line by line.
      const first = trimmed.split(/\r?\n/, 1)[0]!;
      let firstLineIsJson = false;
      try { JSON.parse(first); firstLineIsJson = true; } catch { /* broken document */ }
      if (!firstLineIsJson) return [{ input: label, text: trimmed }];
    }
  }
  const lines = body.split(/\r?\n/);
  const items: BatchItem[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    items.push({ input: `${label}:${i + 1}`, text: line.trim() });
  });
  // A single-line input keeps the plain label: there is nothing to tell apart.
  if (items.length === 1 && lines.filter((l) => l.trim() !== "").length === 1 && !trimmed.includes("\n")) return [{ input: label, text: items[0]!.text }];
  return items;
}
