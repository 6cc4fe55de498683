import { approvalCommand } from "./approval-command.js";

export const command = approvalCommand("reject", "reject a pending action: it will not run", (r) => ({ rejectedBy: r.rejectedBy }));
