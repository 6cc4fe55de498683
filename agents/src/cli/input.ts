// What the `secops` commands read: files, directories (recursively, alert-like extensions
// only) and `-` for standard input, each split into single alerts by splitBatch.
import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join, relative, resolve } from "node:path";
import { AlertFormat, FORMAT_LIST } from "@secops/contracts";
import type { CliIo } from "./command.js";
import { splitBatch, type BatchItem } from "../enricher/normalize/split.js";
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

/** The `--format` option: undefined when absent; null, after saying what is accepted, when unknown. */
export function parseFormatFlag(value: string | undefined, io: CliIo): AlertFormat | undefined | null {
  if (value === undefined) return undefined;
  const parsed = AlertFormat.safeParse(value);
  if (parsed.success) return parsed.data;
  io.err(`--format ${value}: unknown format (accepted: ${FORMAT_LIST.join(", ")})`);
  return null;
}

/**
 * The options and inputs of a command that reads files: on an unknown or incomplete option, or
 * no input, it says so with the usage and returns null (the command exits 2).
 */
export function parseInputArgs(argv: readonly string[], known: readonly string[], io: CliIo, usage: string): { flags: Record<string, string>; positional: string[] } | null {
  const { flags, positional, unknown } = parseFlags(argv, known);
  if (unknown.length > 0 || positional.length === 0) {
    io.err(unknown.length > 0 ? `unknown or incomplete option: ${unknown.join(" ")}` : "no input given");
    io.err(`usage: ${usage}`);
    return null;
  }
  return { flags, positional };
}
