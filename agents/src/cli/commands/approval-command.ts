// `secops approve` and `secops reject` differ only in the verdict they record and what they
// print, so both are made here.
import type { CliCommand } from "../command.js";
import { ApprovalError, type Approvals } from "../../responder/approvals.js";
import { UsageError, parseDecisionArgs } from "../../responder/cli-args.js";
import { withResponder } from "../../responder/session.js";

type Verdict = "approve" | "reject";
type Record_ = Awaited<ReturnType<Approvals["approve"]>>;

export function approvalCommand(verdict: Verdict, summary: string, describe: (r: Record_) => Record<string, unknown>): CliCommand {
  const command: CliCommand = {
    name: verdict,
    summary,
    usage: `secops ${verdict} <approval-id> [--by <name>] [--comment <text>]`,
    async run(argv, io) {
      let args;
      try {
        args = parseDecisionArgs(argv, io.env, { comment: true });
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        io.err(`secops ${verdict}: ${e.message}\nusage: ${command.usage}`);
        return 2;
      }
      try {
        const r = await withResponder(io.env, (resp) => resp.approvals[verdict](args.id, args.by, args.comment));
        io.out(JSON.stringify({ id: r.id, status: r.status, alertId: r.alertId, action: r.action, digest: r.digest, ...describe(r) }));
        return 0;
      } catch (e) {
        if (e instanceof ApprovalError) {
          io.err(`secops ${verdict}: ${e.message}`);
          return 1;
        }
        throw e;
      }
    },
  };
  return command;
}
