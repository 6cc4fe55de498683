import type { CliCommand } from "../command.js";
import { ApprovalError } from "../../responder/approvals.js";
import { UsageError, parseDecisionArgs } from "../../responder/cli-args.js";
import { withResponder } from "../../responder/session.js";

export const command: CliCommand = {
  name: "reject",
  summary: "reject a pending action: it will not run",
  usage: "secops reject <approval-id> [--by <name>] [--comment <text>]",
  async run(argv, io) {
    let args;
    try {
      args = parseDecisionArgs(argv, io.env, { comment: true });
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      io.err(`secops reject: ${e.message}\nusage: ${command.usage}`);
      return 2;
    }
    try {
      const r = await withResponder(io.env, (resp) => resp.approvals.reject(args.id, args.by, args.comment));
      io.out(JSON.stringify({ id: r.id, status: r.status, alertId: r.alertId, action: r.action, digest: r.digest, rejectedBy: r.rejectedBy }));
      return 0;
    } catch (e) {
      if (e instanceof ApprovalError) {
        io.err(`secops reject: ${e.message}`);
        return 1;
      }
      throw e;
    }
  },
};
