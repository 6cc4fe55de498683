/**
 * One `secops` subcommand. Each lives in its own file under cli/commands/ and is listed once
 * in cli/main.ts. `run` returns the exit code; it writes results to io.out (one JSON line per
 * item for machine-readable commands) and diagnostics to io.err.
 */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** The whole of standard input, for `-` arguments. */
  readStdin: () => Promise<string>;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}
