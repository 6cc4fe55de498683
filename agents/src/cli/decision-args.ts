// Arguments of the approve, reject and undo commands: one id, then --by and --comment.
import { UsageError, parseOptions } from "../shared/flags.js";

export { UsageError };

export interface DecisionArgs {
  id: string;
  by: string;
  comment: string | null;
}

export function parseDecisionArgs(argv: string[], env: NodeJS.ProcessEnv, opts: { comment: boolean }): DecisionArgs {
  const { values, positionals } = parseOptions(argv, { by: { type: "string" }, ...(opts.comment ? { comment: { type: "string" as const } } : {}) });
  const [id, extra] = positionals;
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}": give exactly one id`);
  if (!id) throw new UsageError("missing the id");
  // Without --by the person is who runs the command, as the shell knows them.
  const who = (typeof values.by === "string" ? values.by : env.SECOPS_USER ?? env.USER ?? env.LOGNAME ?? "").trim();
  if (!who) throw new UsageError("who is deciding? pass --by <name> (or set SECOPS_USER)");
  const comment = (values as { comment?: string }).comment;
  return { id, by: who, comment: typeof comment === "string" ? comment : null };
}
