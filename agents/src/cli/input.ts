// What the `secops` commands read: files, directories (recursively, alert-like extensions
// only) and `-` for standard input, each split into single alerts by splitBatch.
import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join, relative, resolve } from "node:path";
import type { CliIo } from "./command.js";
import { splitBatch, type BatchItem } from "../enricher/normalize/index.js";
import { parseFlags } from "../shared/flags.js";

export const ALERT_FILE_EXTENSIONS = new Set([".json", ".jsonl", ".ndjson", ".cef", ".log", ".txt"]);

export type InputItem = BatchItem | { input: string; error: string };

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile() && ALERT_FILE_EXTENSIONS.has(extname(e.name).toLowerCase())) out.push(p);
  }
  return out;
}

function labelOf(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel.startsWith("..") ? path : rel;
}

/** Every alert named by the arguments, in order; unreadable paths become error items. */
export async function readInputs(paths: readonly string[], io: CliIo): Promise<InputItem[]> {
  const items: InputItem[] = [];
  let stdinUsed = false;
  for (const arg of paths) {
    if (arg === "-") {
      if (stdinUsed) { items.push({ input: "-", error: "standard input can be read only once" }); continue; }
      stdinUsed = true;
      items.push(...splitBatch(await io.readStdin(), "-"));
      continue;
    }
    const full = resolve(io.cwd, arg);
    try {
      const st = await stat(full);
      const files = st.isDirectory() ? await filesUnder(full) : [full];
      if (st.isDirectory() && files.length === 0) {
        items.push({ input: arg, error: `no alert files in directory (looked for ${[...ALERT_FILE_EXTENSIONS].join(", ")})` });
      }
      for (const f of files) {
        try {
          items.push(...splitBatch(await readFile(f, "utf8"), labelOf(f, io.cwd)));
        } catch (e) {
          items.push({ input: labelOf(f, io.cwd), error: `cannot read: ${(e as Error).message}` });
        }
      }
    } catch (e) {
      items.push({ input: arg, error: `cannot read: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or directory" : (e as Error).message}` });
    }
  }
  return items;
}

export { parseFlags };

/** The options a command that reads files takes: each with the values it accepts, or null for any value. */
export type InputOptions = Record<string, readonly string[] | null>;

type FlagsOf<O extends InputOptions> = { [K in keyof O]?: O[K] extends readonly (infer V)[] ? V : string };

/**
 * The options and inputs of a command that reads files: on an unknown or incomplete option, a
 * value the option does not accept, or no input, it says so with the usage and returns null
 * (the command exits 2).
 */
export function parseInputArgs<O extends InputOptions>(argv: readonly string[], options: O, io: CliIo, usage: string): { flags: FlagsOf<O>; positional: string[] } | null {
  const { flags, positional, unknown } = parseFlags(argv, Object.keys(options));
  const refused = Object.entries(flags).find(([name, value]) => options[name] && !options[name]!.includes(value));
  if (unknown.length > 0 || refused || positional.length === 0) {
    io.err(unknown.length > 0 ? `unknown or incomplete option: ${unknown.join(" ")}`
      : refused ? `--${refused[0]} ${refused[1]}: unknown ${refused[0]} (accepted: ${options[refused[0]]!.join(", ")})`
      : "no input given");
    io.err(`usage: ${usage}`);
    return null;
  }
  return { flags: flags as FlagsOf<O>, positional };
}
