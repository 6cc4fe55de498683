import type { CliCommand } from "../command.js";
import { ApprovalError } from "../../responder/approvals.js";
import { UsageError, parseDecisionArgs } from "../../responder/cli-args.js";
import { withResponder } from "../../responder/session.js";

export const command: CliCommand = {
  name: "approve",
  summary: "approve a pending action (two different people for a two-person approval)",
  usage: "secops approve <approval-id> [--by <name>] [--comment <text>]",
  async run(argv, io) {
    let args;
    try {
      args = parseDecisionArgs(argv, io.env, { comment: true });
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      io.err(`secops approve: ${e.message}\nusage: ${command.usage}`);
      return 2;
    }
    try {
      const r = await withResponder(io.env, (resp) => resp.approvals.approve(args.id, args.by, args.comment));
      const approvers = r.approvers.map((a) => a.by);
      io.out(JSON.stringify({ id: r.id, status: r.status, alertId: r.alertId, action: r.action, digest: r.digest, approvers, approversRequired: r.approversRequired, expiresAt: r.expiresAt }));
      return 0;
    } catch (e) {
      if (e instanceof ApprovalError) {
        io.err(`secops approve: ${e.message}`);
        return 1;
      }
      throw e;
    }
  },
};
