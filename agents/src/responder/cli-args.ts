// Arguments of the approve, reject and undo commands: one id, then --by and --comment.
import { parseArgs } from "node:util";

export interface DecisionArgs {
  id: string;
  by: string;
  comment: string | null;
}

export class UsageError extends Error {}

export function parseDecisionArgs(argv: string[], env: NodeJS.ProcessEnv, opts: { comment: boolean }): DecisionArgs {
  const accepted = opts.comment ? "--by, --comment" : "--by";
  let values: { by?: string | boolean; comment?: string | boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: { by: { type: "string" }, ...(opts.comment ? { comment: { type: "string" as const } } : {}) },
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    const code = (e as { code?: string }).code;
    const option = /'(-[^' ]+)/.exec((e as Error).message)?.[1] ?? "";
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw new UsageError(`unknown option ${option} (accepted: ${accepted})`);
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") throw new UsageError(`${option.replace(/ .*/, "")} needs a value`);
    throw new UsageError((e as Error).message);
  }
  const [id, extra] = positionals;
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}": give exactly one id`);
  if (!id) throw new UsageError("missing the id");
  // Without --by the person is who runs the command, as the shell knows them.
  const who = (typeof values.by === "string" ? values.by : env.SECOPS_USER ?? env.USER ?? env.LOGNAME ?? "").trim();
  if (!who) throw new UsageError("who is deciding? pass --by <name> (or set SECOPS_USER)");
  return { id, by: who, comment: typeof values.comment === "string" ? values.comment : null };
}
