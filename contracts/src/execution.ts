import { z } from "zod";
import { ActionType } from "./common.js";

export const Execution = z.object({
  actionId: z.string().describe("the ledger key of this effect: fingerprint + action + target"),
  action: ActionType,
  status: z.enum(["success", "failed", "shadow", "skipped", "duplicate"]),
  target: z.string().nullable(),
  connector: z.string().describe("what carried the effect out, e.g. kv:tickets, webhook, thehive"),
  summary: z.string().max(2000),
  details: z.record(z.string(), z.unknown()),
  undo: z.object({ action: z.string(), description: z.string() }).nullable()
    .describe("the compensating action that reverses this effect"),
  error: z.string().nullable(),
});
export type Execution = z.infer<typeof Execution>;
