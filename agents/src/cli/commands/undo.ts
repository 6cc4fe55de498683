import type { CliCommand } from "../command.js";
import { UndoError } from "../../responder/undo.js";
import { UsageError, parseDecisionArgs } from "../../responder/cli-args.js";
import { withResponder } from "../../responder/session.js";

export const command: CliCommand = {
  name: "undo",
  summary: "reverse an executed action (unblock, release, reopen, close the ticket, dismiss the review)",
  usage: "secops undo <action-id> [--by <name>]",
  async run(argv, io) {
    let args;
    try {
      args = parseDecisionArgs(argv, io.env, { comment: false });
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      io.err(`secops undo: ${e.message}\nusage: ${command.usage}`);
      return 2;
    }
    try {
      const r = await withResponder(io.env, (resp) => resp.undo(args.id, args.by));
      io.out(JSON.stringify({ actionId: args.id, undoActionId: r.undoActionId, status: r.status, summary: r.execution.summary, by: args.by }));
      return 0;
    } catch (e) {
      if (e instanceof UndoError) {
        io.err(`secops undo: ${e.message}`);
        return 1;
      }
      throw e;
    }
  },
};
