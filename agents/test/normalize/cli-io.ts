// An in-process CliIo that records what a command prints.
import type { CliIo } from "../../src/cli/command.js";

export function capturingIo(stdin = "", env: NodeJS.ProcessEnv = {}, cwd = process.cwd()): CliIo & { outLines: string[]; errLines: string[] } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  return { outLines, errLines, out: (l) => outLines.push(l), err: (l) => errLines.push(l), readStdin: async () => stdin, env, cwd };
}
