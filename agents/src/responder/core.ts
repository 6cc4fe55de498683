// What execute (handler.ts) and undo (undo.ts) share, so that neither imports the other.
import type { Logger } from "../runtime/logger.js";
import type { ResponderBuckets } from "../state/buckets.js";
import type { Ledger } from "../state/ledger.js";
import type { Approvals } from "../state/approvals.js";
import type { ConnectorSet } from "./connectors/index.js";
import type { ResponderSettings } from "./settings.js";
import type { Policy } from "../shared/policy.js";
import type { TrustState } from "../trust/state.js";

/** The responder's internal state, shared by execute and undo. */
export interface ResponderCore {
  buckets: ResponderBuckets;
  ledger: Ledger;
  approvals: Approvals;
  connectors: ConnectorSet;
  settings: ResponderSettings;
  log: Logger;
  now: () => Date;
  /** The never-block rules are re-checked against it (responder/guard.ts). */
  policy: Policy;
  trust: TrustState;
}
