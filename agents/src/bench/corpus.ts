// The alerts the bench measures with: the format fixtures (agents/test/fixtures/formats/<format>/)
// and the seed samples (input_alerts/), read at run time as data files from the repository.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { splitBatch } from "../enricher/normalize/split.js";

/** The repository root: agents/src/bench and agents/dist/bench both sit three levels below it. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface CorpusItem {
  /** The fixture directory the item came from (a format id), or "input_alerts" for the seed samples. */
  group: string;
  /** `file`, `file[2]` or `file:7`, as the CLI labels batch items. */
  input: string;
  text: string;
}

export interface Sample {
  file: string;
  body: string;
}

export class CorpusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CorpusError";
  }
}

function mustBeDirectory(path: string, what: string): void {
  if (!existsSync(path)) throw new CorpusError(`${what} not found at ${path}; run the bench from a checkout of the repository (npm run bench)`);
}

export function fixturesDir(root = REPO_ROOT): string {
  return join(root, "agents", "test", "fixtures", "formats");
}

export function samplesDir(root = REPO_ROOT): string {
  return join(root, "input_alerts");
}

/** The seed samples input_alerts/sample_alert<N>.json, in file-name order. */
export function loadSamples(root = REPO_ROOT): Sample[] {
  const dir = samplesDir(root);
  mustBeDirectory(dir, "the sample alerts folder");
  const files = readdirSync(dir).filter((f) => /^sample_alert\d+\.json$/.test(f)).sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  if (files.length === 0) throw new CorpusError(`no sample_alert<N>.json files in ${dir}`);
  return files.map((file) => ({ file, body: readFileSync(join(dir, file), "utf8") }));
}

/** Every single alert of every format fixture, then the seed samples, each split like the CLI splits them. */
export function loadCorpus(root = REPO_ROOT): CorpusItem[] {
  const dir = fixturesDir(root);
  mustBeDirectory(dir, "the format fixtures folder");
  const items: CorpusItem[] = [];
  for (const group of readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    for (const file of readdirSync(join(dir, group)).sort()) {
      const text = readFileSync(join(dir, group, file), "utf8");
      items.push(...splitBatch(text, `${group}/${file}`).map((i) => ({ group, input: i.input, text: i.text })));
    }
  }
  for (const s of loadSamples(root)) items.push({ group: "input_alerts", input: `input_alerts/${s.file}`, text: s.body });
  return items;
}
