import type { ActionType } from "@secops/contracts";
import type { ActionModule } from "./types.js";
import { createTicket } from "./create-ticket.js";
import { blockIp } from "./block-ip.js";
import { isolateHost } from "./isolate-host.js";
import { closeFalsePositive } from "./close-false-positive.js";
import { manualReview } from "./manual-review.js";

export const ACTIONS: { [A in ActionType]: ActionModule<A> } = {
  CREATE_TICKET: createTicket,
  BLOCK_IP: blockIp,
  ISOLATE_HOST: isolateHost,
  CLOSE_FALSE_POSITIVE: closeFalsePositive,
  MANUAL_REVIEW: manualReview,
};

/** The module for an action, typed loosely: callers pass the parameters of the same decision. */
export function moduleFor(action: ActionType): ActionModule<ActionType> {
  return ACTIONS[action] as unknown as ActionModule<ActionType>;
}

/** Finds the module for the compensation kind recorded in the ledger. */
export const COMPENSATOR: Record<string, ActionType> = {
  close_ticket: "CREATE_TICKET",
  unblock: "BLOCK_IP",
  release: "ISOLATE_HOST",
  reopen: "CLOSE_FALSE_POSITIVE",
  dismiss_review: "MANUAL_REVIEW",
};
