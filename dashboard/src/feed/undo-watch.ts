// Follows the responder's action ledger so that an undone action shows as undone: the stream's
// executed message still says "host isolated", the ledger's `undone` says it no longer is. An
// undo may come from the page, the API or `secops undo`, so the ledger is the one place to look.
import { Kvm, type KV, type KvWatchEntry } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { LedgerEntry } from "@secops/agents/state";
import { summarizeIssues } from "@secops/contracts";
import type { AlertIndex, AlertSummary } from "./alert-index.js";

const RETRY_MS = 2000;

export class UndoWatch {
  private stopped = false;
  private iter: { stop(): void } | null = null;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly bucket: string,
    private readonly index: AlertIndex,
    private readonly onChange: (s: AlertSummary) => void,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.iter?.stop();
    await this.loop;
  }

  private async run(): Promise<void> {
    let warned = false;
    while (!this.stopped) {
      try {
        // open() fails while the responder has not created its buckets yet: retry quietly.
        const kv: KV = await new Kvm(this.nc).open(this.bucket);
        await kv.status();
        const w = await kv.watch({ key: ">" });
        this.iter = w;
        if (this.stopped) w.stop();
        for await (const e of w) this.apply(e);
      } catch (e) {
        if (!warned) this.log.info({ bucket: this.bucket, err: (e as Error).message }, "dashboard: the action ledger is not readable yet; undone actions show once it is");
        warned = true;
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }

  private warnedKeys = 0;

  /** Each ledger record is checked against its schema (state/records.ts), as every KV read is. */
  private apply(e: KvWatchEntry): void {
    if (e.operation !== "PUT" || e.length === 0) return;
    let value: unknown;
    try {
      value = e.json<unknown>();
    } catch (err) {
      this.refuse(e.key, `is not JSON: ${(err as Error).message}`);
      return;
    }
    const r = LedgerEntry.safeParse(value);
    if (!r.success) {
      this.refuse(e.key, `does not match the ledger entry schema: ${summarizeIssues(r.error)}`);
      return;
    }
    const u = r.data.undone;
    if (!u) return;
    const changed = this.index.applyUndo(r.data.alertId, r.data.actionId, { by: u.by, at: u.at, undoActionId: u.undoActionId });
    if (changed) this.onChange(changed);
  }

  /** A record the page cannot trust is skipped and said so (the first few; the rest would flood the log). */
  private refuse(key: string, why: string): void {
    if (this.warnedKeys++ < 20) this.log.warn({ bucket: this.bucket, key }, `dashboard: ledger record ${this.bucket}/${key} ${why}; its undo state is not shown`);
  }
}
