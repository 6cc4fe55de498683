// Command-line options, read by node:util parseArgs for every command (secops, npm run bench).
import { parseArgs } from "node:util";

/**
 * `--name value` and `--name=value` options, and the positional arguments. Options not in
 * `known`, and known ones given without a value, are returned in `unknown` (as written) for the
 * command to report with its usage; nothing is dropped silently.
 */
export function parseFlags(argv: readonly string[], known: readonly string[]): { flags: Record<string, string>; positional: string[]; unknown: string[] } {
  const { tokens } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(known.map((name) => [name, { type: "string" as const }])),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  const unknown: string[] = [];
  for (const t of tokens) {
    if (t.kind === "positional") positional.push(t.value);
    else if (t.kind === "option") {
      if (known.includes(t.name) && typeof t.value === "string") flags[t.name] = t.value;
      else unknown.push(argv[t.index]!);
    }
  }
  return { flags, positional, unknown };
}
