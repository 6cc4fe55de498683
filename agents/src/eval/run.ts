/**
 * Running a labelled corpus through the pipeline offline, as `secops triage` does: normalize,
 * enrich (offline providers), investigate (rules analyst or LLM), decide with the policy. Nothing
 * is executed and no NATS is needed. Each file is one message, as the enricher receives it. The
 * result feeds scoreCorpus().
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join, relative, sep } from "node:path";
import { ALERT_FILE_EXTENSIONS } from "../cli/input.js";
import { analyzeOffline, offlineProducer, type OfflineDeps } from "../cli/offline.js";
import { parseLabels, type AlertLabel, type LabelProblem } from "./labels.js";
import type { Observation } from "./score.js";

export const LABELS_FILE = "labels.json";

export class LabelsError extends Error {
  constructor(readonly file: string, readonly problems: LabelProblem[]) {
    super(`invalid labels file ${file}:\n${problems.map((p) => `  ${p.alert}: ${p.path}: ${p.message}`).join("\n")}`);
    this.name = "LabelsError";
  }
}

/** Reads and validates `<dir>/labels.json`; also checks that every labelled file exists. */
export async function loadCorpusLabels(dir: string): Promise<{ labels: Map<string, AlertLabel>; unlabelled: string[] }> {
  const file = join(dir, LABELS_FILE);
  const st = await stat(dir).catch((e: NodeJS.ErrnoException) => {
    throw new Error(e.code === "ENOENT" ? `${dir}: no such directory` : `${dir}: ${e.message}`);
  });
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory (expected the corpus directory holding labels.json)`);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new LabelsError(file, [{ alert: "(file)", path: "(root)", message: `cannot be read: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? `no ${LABELS_FILE} in ${dir} (see README "Measuring triage quality" for the format)` : (e as Error).message}` }]);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (e) {
    throw new LabelsError(file, [{ alert: "(file)", path: "(root)", message: `is not valid JSON: ${(e as Error).message}` }]);
  }
  const parsed = parseLabels(document);
  if (!parsed.ok) throw new LabelsError(file, parsed.problems);
  const files = await alertFilesUnder(dir);
  const missing = [...parsed.labels.keys()].filter((k) => !files.includes(k));
  if (missing.length > 0) {
    throw new LabelsError(file, missing.map((m) => ({ alert: m, path: "(key)", message: `no such alert file in ${dir} (alert files end in ${[...ALERT_FILE_EXTENSIONS].join(", ")})` })));
  }
  return { labels: parsed.labels, unlabelled: files.filter((f) => !parsed.labels.has(f)) };
}

async function alertFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && e.name !== LABELS_FILE && ALERT_FILE_EXTENSIONS.has(extname(e.name).toLowerCase())) out.push(relative(dir, p).split(sep).join("/"));
    }
  };
  await walk(dir);
  return out;
}

export type RunDeps = OfflineDeps;

const producer = offlineProducer("secops-eval");

/** What the pipeline makes of one corpus file, read as one message: rejected, decided, or an error. */
export async function observe(dir: string, name: string, deps: RunDeps): Promise<Observation> {
  let content: string;
  try {
    content = await readFile(join(dir, name), "utf8");
  } catch (e) {
    return { kind: "error", reason: `cannot read: ${(e as Error).message}` };
  }
  // One file is one message, as `nats pub alerts.raw "$(cat file)"` sends it: a file holding two
  // alerts is rejected by the normalizer, as the enricher would reject that message.
  const r = await analyzeOffline(content, deps, producer);
  if (!r.ok) return { kind: "rejected", reason: r.error.reason };
  return { kind: "decided", alert: r.alert, decision: r.decision, analyst: r.investigation.analyst };
}
