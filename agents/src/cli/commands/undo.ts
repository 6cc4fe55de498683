import type { CliCommand } from "../command.js";
import { UndoError } from "../../state/undo-requests.js";
import { UsageError, parseDecisionArgs } from "../decision-args.js";
import { withResponder } from "../session.js";
import { ID_SOURCES, IdError, actionIdForId } from "../ids.js";

export const command: CliCommand = {
  name: "undo",
  summary: "reverse an executed action (unblock, release, reopen, close the ticket, dismiss the review)",
  usage: `secops undo <id> [--by <name>]
  <id> names the executed action:
    ${ID_SOURCES.action}
    ${ID_SOURCES.record}
  or the alert it was taken for (its one undoable action is taken):
    ${ID_SOURCES.source}
    ${ID_SOURCES.alert}
  --by <name>   who undoes it; without it SECOPS_USER, else $USER (or $LOGNAME): the login name
  Prints {"actionId", "undoActionId", "status", "summary", "by"} as one JSON line; an undo runs once
  (a repeat prints status "duplicate"). NATS_URL (and SECOPS_NAMESPACE) say which pipeline.
example (after npm run demo: closes the ticket opened for the first sample):
  npx secops undo SEC-2026-0101 --by alice`,
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
      const { actionId, r } = await withResponder(io.env, async (resp, s) => {
        const actionId = await actionIdForId(s, args.id);
        return { actionId, r: await resp.undo(actionId, args.by) };
      });
      io.out(JSON.stringify({ actionId, undoActionId: r.undoActionId, status: r.status, summary: r.execution.summary, by: args.by }));
      return 0;
    } catch (e) {
      if (e instanceof UndoError || e instanceof IdError) {
        io.err(`secops undo: ${e.message}`);
        return 1;
      }
      throw e;
    }
  },
};
