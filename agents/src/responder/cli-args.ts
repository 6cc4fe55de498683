// Arguments of the approve, reject and undo commands: one id, then --by and --comment.
export interface DecisionArgs {
  id: string;
  by: string;
  comment: string | null;
}

export class UsageError extends Error {}

export function parseDecisionArgs(argv: string[], env: NodeJS.ProcessEnv, opts: { comment: boolean }): DecisionArgs {
  let id: string | undefined;
  let by: string | undefined;
  let comment: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === "--by") by = value();
    else if (a.startsWith("--by=")) by = a.slice(5);
    else if (opts.comment && a === "--comment") comment = value();
    else if (opts.comment && a.startsWith("--comment=")) comment = a.slice(10);
    else if (a.startsWith("-")) throw new UsageError(`unknown option ${a} (accepted: --by${opts.comment ? ", --comment" : ""})`);
    else if (id === undefined) id = a;
    else throw new UsageError(`unexpected argument "${a}": give exactly one id`);
  }
  if (!id) throw new UsageError("missing the id");
  // Without --by the person is who runs the command, as the shell knows them.
  const who = (by ?? env.SECOPS_USER ?? env.USER ?? env.LOGNAME ?? "").trim();
  if (!who) throw new UsageError("who is deciding? pass --by <name> (or set SECOPS_USER)");
  return { id, by: who, comment };
}
