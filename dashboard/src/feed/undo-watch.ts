// Follows the responder's action ledger so that an undone action shows as undone: the stream's
// executed message still says "host isolated", the ledger's `undone` says it no longer is. An
// undo may come from the page, the API or `secops undo`, so the ledger is the one place to look.
import { Kvm, type KV, type KvWatchEntry } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { AlertIndex, AlertSummary } from "./alert-index.js";

interface LedgerUndone {
  alertId?: unknown;
  actionId?: unknown;
  undone?: { by?: unknown; at?: unknown; undoActionId?: unknown } | null;
}

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

  private apply(e: KvWatchEntry): void {
    if (e.operation !== "PUT") return;
    let v: LedgerUndone;
    try {
      v = e.json<LedgerUndone>();
    } catch {
      return;
    }
    const u = v.undone;
    if (!u || typeof v.alertId !== "string" || typeof v.actionId !== "string") return;
    if (typeof u.by !== "string" || typeof u.at !== "string" || typeof u.undoActionId !== "string") return;
    const changed = this.index.applyUndo(v.alertId, v.actionId, { by: u.by, at: u.at, undoActionId: u.undoActionId });
    if (changed) this.onChange(changed);
  }
}
