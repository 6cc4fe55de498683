// A stage is declared, not wired. `defineStage` names the stage, its input and output
// contracts and a handler; the runtime owns everything around the handler: decoding and
// validating the input (once), the envelope (schema id, producer, the stage's timestamp, the
// alert and trace ids), validating the output (once), the message id `${alertId}:<stage>`, the
// headers (traceparent, Alert-Id), and through the consume loop ack/nak/term, dead letters,
// metrics and progress. A handler gets the parsed input message and returns what its stage adds
// (the enricher: the alert and its enrichment; the investigator: the investigation...), or
// null when there is nothing to publish yet; it fails by throwing a PermanentError or a
// TransientError (runtime/errors.ts).
import type { JsMsg } from "@nats-io/jetstream";
import { Headers, SchemaIds, describeIssues, summarizeIssues, type Producer, type Stage } from "@secops/contracts";
import { z } from "zod";
import { PermanentError } from "./errors.js";
import type { Logger } from "./logger.js";
import { stageMessageId } from "../shared/ids.js";
import { parseStageMessage } from "./parse.js";
import type { AgentName } from "./provision.js";
import type { HandlerResult, StageHandler } from "./stage.js";
import { newTraceId, traceIdFrom, traceparent } from "./trace.js";
import type { AgentRuntime } from "./agent.js";

/** What the enricher reads: the bytes as the source sent them, with the headers and the stream's receive time. */
export interface RawInput {
  data: Uint8Array;
  headers: Record<string, string>;
  /** When the raw alert reached the stream. */
  receivedAt: string;
  /** From the incoming traceparent, or a new one. */
  traceId: string;
}

/** How the first stage declares its input: the raw alert, not a contract message. */
export interface RawInputDeclaration<T = RawInput> {
  readonly raw: true;
  /** Carries the type only. */
  readonly _input?: T;
}
export const RAW_INPUT: RawInputDeclaration = Object.freeze({ raw: true });

/** Which subject each agent reads and writes, and so its schema ids and its timestamp. */
export const STAGE_IO = {
  enricher: { input: "raw", output: "enriched" },
  investigator: { input: "enriched", output: "investigated" },
  decider: { input: "investigated", output: "decided" },
  responder: { input: "decided", output: "executed" },
} as const satisfies Record<AgentName, { input: Stage; output: Exclude<Stage, "raw"> }>;

type Envelope = "schema" | "producer" | "timestamps" | "alertId" | "traceId";

/** What a handler returns: the fields its stage adds to the input message (the runtime adds the envelope). */
export type StageAddition<In, Out> = In extends RawInput ? Omit<Out, Exclude<Envelope, "alertId">> : Omit<Out, keyof In>;

export interface StageHandlerContext<Deps> {
  deps: Deps;
  log: Logger;
  /** Headers of the incoming message (first value of each). */
  headers: Record<string, string>;
  deliveryCount: number;
  /** Tells the server the handler is still working (the runtime also does so on a timer). */
  progress: () => void;
  /** A short line for the "done" log entry, e.g. the chosen action. */
  note: (text: string) => void;
}

export interface StageDefinition<A extends AgentName, In, Out extends { alertId: string }, Deps> {
  name: A;
  /** The input contract, or RAW_INPUT for the enricher. */
  input: z.ZodType<In> | RawInputDeclaration<In>;
  output: z.ZodType<Out>;
  /** Runs once the connection is up: loads the policy, opens buckets, builds clients. */
  setup?: (rt: AgentRuntime) => Promise<Deps> | Deps;
  handle: (input: In, ctx: StageHandlerContext<Deps>) => Promise<StageAddition<In, Out> | null> | StageAddition<In, Out> | null;
  /**
   * Runs on the whole output message once the runtime built its envelope, before the one output
   * validation: for what must cover the final message, such as a signature.
   */
  seal?: (message: Out, deps: Deps) => Promise<Out> | Out;
  /** Runs after the consume loop stopped, before the connection closes. */
  stop?: (deps: Deps) => Promise<void> | void;
}

// Declarations are stored without their precise types: the runtime only needs their shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStage = StageDefinition<AgentName, any, any, any>;

export function defineStage<A extends AgentName, In, Out extends { alertId: string }, Deps = undefined>(
  d: StageDefinition<A, In, Out, Deps>,
): StageDefinition<A, In, Out, Deps> {
  return d;
}

type Checked = { success: true; data: Record<string, unknown> } | { success: false; error: z.ZodError };

/**
 * The output check at the stage's own boundary: every field of the output contract that this
 * stage wrote. A field carried over unchanged from the input (the very value the input check
 * validated, under the same field schema) is not validated a second time; the message grows at
 * every hop, so re-checking the whole alert and enrichment at each stage was most of the zod
 * time. Anything else (a field the handler or the seal set, the envelope, a missing required
 * field) is checked, and the result has exactly the contract's fields in its order, as a full
 * parse would give.
 */
export function outputChecker(output: z.ZodType, input: z.ZodType | RawInputDeclaration<unknown>): (message: unknown, inputMessage: Record<string, unknown> | null) => Checked {
  const full = (message: unknown): Checked => {
    const r = output.safeParse(message);
    return r.success ? { success: true, data: r.data as Record<string, unknown> } : { success: false, error: r.error };
  };
  if (!(output instanceof z.ZodObject) || !(input instanceof z.ZodObject)) return full;
  const outShape = output.shape as Record<string, z.ZodType>;
  const inShape = input.shape as Record<string, z.ZodType>;
  const keys = Object.keys(outShape);
  const picks = new Map<string, z.ZodType>();
  return (message, inputMessage) => {
    if (!inputMessage || typeof message !== "object" || message === null) return full(message);
    const m = message as Record<string, unknown>;
    const carried = new Set(keys.filter((k) => inShape[k] === outShape[k] && k in inputMessage && m[k] === inputMessage[k]));
    if (carried.size === 0) return full(message);
    const check = keys.filter((k) => !carried.has(k));
    const id = check.join(",");
    let schema = picks.get(id);
    if (!schema) {
      schema = output.pick(Object.fromEntries(check.map((k) => [k, true])) as Record<string, true>);
      picks.set(id, schema);
    }
    const r = schema.safeParse(message);
    if (!r.success) return { success: false, error: r.error };
    const part = r.data as Record<string, unknown>;
    const data: Record<string, unknown> = {};
    for (const k of keys) {
      if (carried.has(k)) data[k] = m[k];
      else if (k in part) data[k] = part[k];
    }
    return { success: true, data };
  };
}

function receivedAtOf(m: JsMsg): string {
  return new Date(Math.floor(m.info.timestampNanos / 1e6)).toISOString();
}

/**
 * Builds the consume loop's message handler for a declared stage: input decoded and checked
 * once, the handler called, the envelope built and the output checked once.
 */
export function compileStage(stage: AnyStage, deps: unknown, o: { producer: Producer; subject: string | ((out: unknown) => string); messageId?: (out: { alertId: string }) => string | undefined; now?: () => Date }): StageHandler {
  const io = STAGE_IO[stage.name];
  const outputSchemaId = SchemaIds[io.output];
  const checkOutput = outputChecker(stage.output as z.ZodType, stage.input as z.ZodType | RawInputDeclaration<unknown>);
  return async (m, loopCtx): Promise<HandlerResult> => {
    let note: string | undefined;
    let input: Record<string, unknown>;
    let traceId: string;
    if (stage.input === RAW_INPUT) {
      traceId = traceIdFrom(loopCtx.headers.traceparent) ?? newTraceId();
      input = { data: m.data, headers: loopCtx.headers, receivedAt: receivedAtOf(m), traceId } satisfies RawInput;
    } else {
      input = parseStageMessage(stage.input as z.ZodType, SchemaIds[io.input as Exclude<Stage, "raw">], m) as Record<string, unknown>;
      traceId = input.traceId as string;
    }
    const inputAlertId = typeof input.alertId === "string" ? input.alertId : null;
    const log = inputAlertId ? loopCtx.log.child({ alertId: inputAlertId, traceId }) : loopCtx.log.child({ traceId });
    let added: Record<string, unknown> | null;
    try {
      added = await stage.handle(input, {
        deps, log, headers: loopCtx.headers, deliveryCount: loopCtx.deliveryCount, progress: loopCtx.progress,
        note: (text: string) => { note = text; },
      });
    } catch (e) {
      // Errors carry the ids the runtime knows, so dead letters and logs name the alert.
      if (e instanceof PermanentError) e.details.traceId ??= traceId;
      if (e instanceof PermanentError && inputAlertId) e.details.alertId ??= inputAlertId;
      throw e;
    }
    if (added === null) return { alertId: inputAlertId, traceId, note, publish: [] };
    const now = (o.now?.() ?? new Date()).toISOString();
    const base = stage.input === RAW_INPUT ? { timestamps: { received: input.receivedAt } } : input;
    const candidate: Record<string, unknown> = {
      ...base,
      ...added,
      schema: outputSchemaId,
      traceId,
      producer: o.producer,
      timestamps: { ...(base.timestamps as Record<string, string>), [io.output]: now },
    };
    const alertId = typeof candidate.alertId === "string" ? candidate.alertId : null;
    const sealed: unknown = stage.seal ? await stage.seal(candidate as never, deps as never) : candidate;
    const checked = checkOutput(sealed, stage.input === RAW_INPUT ? null : input);
    if (!checked.success) {
      // The input was valid, so this is a bug of the stage; the original stays in the DLQ for a replay.
      throw new PermanentError(`${stage.name} produced an invalid ${outputSchemaId} message: ${summarizeIssues(checked.error)}`, {
        errors: describeIssues(checked.error), alertId, traceId,
      });
    }
    const out = checked.data as { alertId: string };
    return {
      alertId: out.alertId,
      traceId,
      note,
      publish: [{
        // The enricher's subject is the alert's priority (priority-messages.ts outputSubjectOf).
        subject: typeof o.subject === "string" ? o.subject : o.subject(out),
        data: out,
        msgId: o.messageId?.(out) ?? stageMessageId(out.alertId, io.output),
        headers: { [Headers.traceparent]: traceparent(traceId), [Headers.alertId]: out.alertId },
      }],
    };
  };
}

