// Plain lists, and the project's original line format (no header):
//   indicator[,verdict[,tag[,note]]]      # comments and blank lines are ignored
// verdict is malicious (default) | suspicious | clean; IPs may be CIDRs.
import { FeedError, type FeedIndicator } from "./entry.js";

const VERDICTS = new Set(["malicious", "suspicious", "clean"]);

export function parseLines(path: string, text: string, source: string): FeedIndicator[] {
  const out: FeedIndicator[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const clean = line.replace(/#.*/, "").trim();
    if (!clean) return;
    const [indicator = "", verdictRaw = "malicious", tag = "", ...note] = clean.split(",").map((s) => s.trim());
    const verdict = verdictRaw.toLowerCase() || "malicious";
    if (!VERDICTS.has(verdict)) throw new FeedError(`${path}:${i + 1}: verdict "${verdictRaw}" is not one of malicious, suspicious, clean`);
    out.push({ value: indicator, type: null, verdict: verdict as FeedIndicator["verdict"], tags: tag ? [tag] : [], note: note.join(",") || null, source, confidence: null, validUntil: null });
  });
  return out;
}
