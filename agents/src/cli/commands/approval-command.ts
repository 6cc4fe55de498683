// `secops approve` and `secops reject` differ only in the verdict they record and what they
// print, so both are made here.
import type { CliCommand } from "../command.js";
import { ApprovalError, approverKey, type Approvals } from "../../state/approvals.js";
import { UsageError, parseDecisionArgs } from "../decision-args.js";
import { withApprovals } from "../session.js";
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
  --by <name>   who decides; without it SECOPS_USER, else $USER (or $LOGNAME): the login name.
                The CLI's identity is its NATS user: with a person's NATS_USER that name is
                recorded; behind the shared "cli" user every --by counts as one person
  --comment     an optional note kept with the approval
  Prints the approval record as one JSON line. NATS_URL (and SECOPS_NAMESPACE) say which pipeline.`,
    async run(argv, io) {
      // The CLI's identity is its NATS user when that is a person's (NATS_USER); behind the shared
      // "cli" user (or none) every --by counts as the same person, so one shell cannot be two approvers.
      const natsUser = io.env.NATS_USER?.trim();
      const person = natsUser && natsUser !== "cli" ? natsUser : null;
      let args;
      try {
        args = parseDecisionArgs(argv, person ? { ...io.env, SECOPS_USER: person } : io.env, { comment: true });
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        io.err(`secops ${verdict}: ${e.message}\nusage: ${command.usage}`);
        return 2;
      }
      if (person && argv.some((a) => a === "--by" || a.startsWith("--by=")) && approverKey(args.by) !== approverKey(person)) {
        io.err(`secops ${verdict}: --by ${args.by} is not your NATS user ${person}; the CLI decides as the NATS identity it runs with`);
        return 2;
      }
      const by = person ?? `${args.by} (nats user ${natsUser || "cli"})`;
      try {
        const r = await withApprovals(io.env, async (approvals, s) => approvals[verdict](await approvalIdFor(s, args.id), by, args.comment));
        io.out(JSON.stringify({ id: r.id, status: r.status, alertId: r.alertId, action: r.action, digest: r.digest, ...describe(r) }));
        if (!person && r.status === "pending" && r.approversRequired > 1) {
          io.err(`secops ${verdict}: counted as one approver (${by}); this action needs ${r.approversRequired} different people. A second person must approve under their own NATS user (NATS_USER=<name>) or with a DASHBOARD_USERS token on the dashboard.`);
        }
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
