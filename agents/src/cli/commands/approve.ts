import { approvalCommand } from "./approval-command.js";

export const command = approvalCommand(
  "approve",
  "approve a pending action (two different people for a two-person approval)",
  (r) => ({ approvers: r.approvers.map((a) => a.by), approversRequired: r.approversRequired, expiresAt: r.expiresAt }),
);
