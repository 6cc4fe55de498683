import type { ActionParameters, ActionType, DecidedMessage } from "@secops/contracts";
import type { ResponderBuckets } from "../../state/buckets.js";
import type { Compensation } from "../../state/records.js";

export interface ActionSettings {
  suppressionDays: number;
}

export interface ActionContext {
  buckets: ResponderBuckets;
  settings: ActionSettings;
  now: Date;
  actionId: string;
  msg: DecidedMessage;
  /** Who the effect is attributed to: "responder", or the approvers of an approved decision. */
  actor: string;
}

/** What the local default did. */
export interface LocalEffect {
  connector: string;
  /** Id of the local record (ticket id, blocked IP, host...), handed to connectors. */
  localRef: string;
  summary: string;
  details: Record<string, unknown>;
  compensation: Compensation;
  /** When the effect ends by itself (a block's expiry); absent or null: it lasts until undone. */
  validUntil?: string | null;
}

export interface UndoContext {
  buckets: ResponderBuckets;
  now: Date;
  by: string;
  actionId: string;
}

/**
 * One action. `apply` must be idempotent for the same action id (a retry after a crash
 * repeats it): it reads the effect's record first and writes nothing when this action id's
 * effect is already in place. `compensate` must tolerate a record that is already reversed.
 */
export interface ActionModule<A extends ActionType = ActionType> {
  action: A;
  /** The target that, with the alert fingerprint and the action, names one effect. */
  target(p: Extract<ActionParameters, { action: A }>, msg: DecidedMessage): string | null;
  /** One line for shadow mode and logs: what the action would do. */
  describe(p: Extract<ActionParameters, { action: A }>, ctx: Pick<ActionContext, "settings">): string;
  /** How long the effect lasts by itself, when it expires (a block); absent: until undone. */
  lifetimeMs?(p: Extract<ActionParameters, { action: A }>, settings: ActionSettings): number;
  apply(p: Extract<ActionParameters, { action: A }>, ctx: ActionContext): Promise<LocalEffect>;
  compensate(c: Compensation, ctx: UndoContext): Promise<string>;
}

