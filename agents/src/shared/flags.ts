// Command-line options, read by node:util parseArgs for every command (secops, npm run bench).
import { parseArgs, type ParseArgsConfig } from "node:util";

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

/** A command line the command cannot run with; the message says what was wrong and what is accepted. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;
type StrictParse<O extends OptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/**
 * Strict options read by node:util parseArgs (`--name value`, `--name=value`, booleans,
 * positionals). An unknown option, or one given without its value, is a UsageError that names
 * it and the options accepted.
 */
export function parseOptions<const O extends OptionsConfig>(argv: readonly string[], options: O): StrictParse<O> {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const option = /'(-[^' ]+)/.exec((e as Error).message)?.[1] ?? "";
    const accepted = Object.keys(options).map((n) => `--${n}`).join(", ");
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw new UsageError(`unknown option ${option} (accepted: ${accepted})`);
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") throw new UsageError(`${option.replace(/ .*/, "")} needs a value`);
    throw new UsageError((e as Error).message);
  }
}
