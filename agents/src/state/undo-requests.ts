// Undo as a request to the responder. Reversing an action may call a connector (release a
// host in the EDR, close the Jira issue), and only the responder holds connector credentials;
// the dashboard asks it over core NATS (topology.requests.undo) and gets the outcome back.
// The undo itself goes through the ledger, so a repeated request reverses the action once.
import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import { Execution, type Topology } from "@secops/contracts";
import { z } from "zod";
import type { Logger } from "../runtime/logger.js";

export class UndoError extends Error {
  constructor(readonly code: "unknown" | "not_undoable" | "busy" | "failed" | "unavailable", message: string) {
    super(message);
    this.name = "UndoError";
  }
}

export const UndoRequest = z.object({ actionId: z.string().max(300), by: z.string().max(200) });
export type UndoRequest = z.infer<typeof UndoRequest>;

export const UndoResult = z.object({
  undoActionId: z.string(),
  status: z.enum(["success", "duplicate"]),
  execution: Execution,
});
export type UndoResult = z.infer<typeof UndoResult>;

const UndoReply = z.union([
  z.object({ ok: z.literal(true), result: UndoResult }),
  z.object({ ok: z.literal(false), code: z.enum(["unknown", "not_undoable", "busy", "failed", "unavailable"]), message: z.string() }),
]);

/** Asks a responder to undo an action; throws UndoError (code "unavailable" when no responder answers). */
export async function requestUndo(nc: NatsConnection, topo: Topology, req: UndoRequest, timeoutMs = 30_000): Promise<UndoResult> {
  let reply: Msg;
  try {
    reply = await nc.request(topo.requests.undo, JSON.stringify(req), { timeout: timeoutMs });
  } catch (e) {
    const msg = (e as Error).message;
    const noResponder = /no responders|503/i.test(msg) || (e as { isNoResponders?: () => boolean }).isNoResponders?.() === true;
    throw new UndoError("unavailable", noResponder
      ? "no responder is running to carry out the undo; start the pipeline (npm start) and try again"
      : `the responder did not answer the undo request in ${Math.round(timeoutMs / 1000)} s (${msg}); the undo may still happen: check the ledger before retrying`);
  }
  const parsed = UndoReply.safeParse(reply.json());
  if (!parsed.success) throw new UndoError("failed", "the responder's answer to the undo request was not understood");
  if (!parsed.data.ok) throw new UndoError(parsed.data.code, parsed.data.message);
  return parsed.data.result;
}

/** The responder's side: answers undo requests with `undo` (one replica per request, queue group "responder"). */
export function serveUndoRequests(nc: NatsConnection, topo: Topology, undo: (actionId: string, by: string) => Promise<UndoResult>, log: Logger): Subscription {
  return nc.subscribe(topo.requests.undo, {
    queue: "responder",
    callback: (err, m) => {
      if (err) {
        log.warn({ err: err.message }, "undo request subscription failed");
        return;
      }
      void (async () => {
        let answer: z.infer<typeof UndoReply>;
        try {
          const req = UndoRequest.parse(m.json());
          answer = { ok: true, result: await undo(req.actionId, req.by) };
        } catch (e) {
          answer = e instanceof UndoError
            ? { ok: false, code: e.code, message: e.message }
            : { ok: false, code: "failed", message: e instanceof z.ZodError ? "the undo request must be {actionId, by}" : (e as Error).message };
          if (!(e instanceof UndoError)) log.error({ err: (e as Error).message }, "undo request failed");
        }
        m.respond(JSON.stringify(answer));
      })();
    },
  });
}
