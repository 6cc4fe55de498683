// `secops approve` and `secops reject` differ only in the verdict they record and what they
// print, so both are made here.
import type { CliCommand } from "../command.js";
import { ApprovalError, type Approvals } from "../../responder/approvals.js";
import { UsageError, parseDecisionArgs } from "../../responder/cli-args.js";
import { withResponder } from "../../responder/session.js";
import { ID_SOURCES, IdError, approvalIdFor } from "../ids.js";

type Verdict = "approve" | "reject";
type Record_ = Awaited<ReturnType<Approvals["approve"]>>;

export function approvalCommand(verdict: Verdict, summary: string, describe: (r: Record_) => Record<string, unknown>): CliCommand {
  const command: CliCommand = {
    name: verdict,
    summary,
    usage: `secops ${verdict} <id> [--by <name>] [--comment <text>]
  <id> names the pending approval:
    ${ID_SOURCES.approval}
  or the alert it is for (its one pending approval is taken):
    ${ID_SOURCES.source}
    ${ID_SOURCES.alert}
  --by <name>   who decides; without it SECOPS_USER, else $USER (or $LOGNAME): the login name
  --comment     an optional note kept with the approval
  Prints the approval record as one JSON line. NATS_URL (and SECOPS_NAMESPACE) say which pipeline.`,
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
        const r = await withResponder(io.env, async (resp, s) => resp.approvals[verdict](await approvalIdFor(s, args.id), args.by, args.comment));
        io.out(JSON.stringify({ id: r.id, status: r.status, alertId: r.alertId, action: r.action, digest: r.digest, ...describe(r) }));
        return 0;
      } catch (e) {
        if (e instanceof ApprovalError || e instanceof IdError) {
          io.err(`secops ${verdict}: ${e.message}`);
          return 1;
        }
        throw e;
      }
    },
  };
  return command;
}
