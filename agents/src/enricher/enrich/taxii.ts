// An optional TAXII 2.1 collection poller (OASIS "TAXII Version 2.1", 5.4 Get Objects):
// GET {api root}/collections/{id}/objects/?added_after=…&match[type]=indicator with
// Accept: application/taxii+json;version=2.1 and basic (TAXII_USER/TAXII_PASSWORD) or bearer
// (TAXII_TOKEN) auth. The envelope is {more, next, objects}; pages follow `next`, and the next poll
// asks only for what was added after X-TAXII-Date-Added-Last. Indicators are read as STIX 2.1
// (./feed-formats/stix.ts) and served by the local feeds as source "taxii:<collection>".
import type { Logger } from "../../runtime/logger.js";
import type { ThreatIntelFeeds } from "./feeds.js";
import type { FeedIndicator } from "./feed-formats/entry.js";
import { parseStix } from "./feed-formats/stix.js";

export interface TaxiiOptions {
  url: string;
  apiRoot: string;
  collection: string;
  user?: string | undefined;
  password?: string | undefined;
  token?: string | undefined;
  fetchImpl?: typeof fetch;
  timeoutMs?: number;
}

export const TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1";

export class TaxiiPoller {
  private readonly byId = new Map<string, FeedIndicator[]>();
  private addedAfter: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  lastError: string | null = null;
  lastPollAt: string | null = null;
  readonly source: string;

  constructor(private readonly opts: TaxiiOptions, private readonly feeds: ThreatIntelFeeds, private readonly log?: Logger) {
    this.source = `taxii:${opts.collection}`;
  }

  private objectsUrl(): URL {
    const root = /^https?:\/\//.test(this.opts.apiRoot) ? this.opts.apiRoot : new URL(this.opts.apiRoot.replace(/^\/?/, "/"), this.opts.url).toString();
    return new URL(`collections/${encodeURIComponent(this.opts.collection)}/objects/`, root.endsWith("/") ? root : `${root}/`);
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = { accept: TAXII_MEDIA_TYPE };
    if (this.opts.token) h.authorization = `Bearer ${this.opts.token}`;
    else if (this.opts.user) h.authorization = `Basic ${Buffer.from(`${this.opts.user}:${this.opts.password ?? ""}`).toString("base64")}`;
    return h;
  }

  /** One poll: every page of what was added since the last one. Returns the indicators added. */
  async poll(): Promise<number> {
    const fetchImpl = this.opts.fetchImpl ?? fetch;
    let next: string | null = null;
    let added = 0;
    let lastAdded: string | null = null;
    for (let page = 0; page < 1000; page++) {
      const url = this.objectsUrl();
      url.searchParams.set("match[type]", "indicator");
      if (this.addedAfter) url.searchParams.set("added_after", this.addedAfter);
      if (next) url.searchParams.set("next", next);
      const res = await fetchImpl(url, { headers: this.headers(), signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000) });
      if (res.status === 204 || res.status === 404 && page > 0) break;
      if (!res.ok) throw new Error(`TAXII ${url.origin}${url.pathname} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
      const envelope = (await res.json()) as { more?: boolean; next?: string; objects?: unknown[] };
      const objects = Array.isArray(envelope.objects) ? envelope.objects : [];
      for (const o of objects as { id?: string; type?: string }[]) {
        if (o?.type !== "indicator" || typeof o.id !== "string") continue;
        this.byId.set(o.id, parseStix(this.source, { type: "bundle", objects: [o] }, this.source));
        added++;
      }
      lastAdded = res.headers.get("x-taxii-date-added-last") ?? lastAdded;
      if (!envelope.more || !envelope.next) break;
      next = envelope.next;
    }
    if (lastAdded) this.addedAfter = lastAdded;
    this.feeds.setExternal(this.source, [...this.byId.values()].flat());
    this.lastPollAt = new Date().toISOString();
    return added;
  }

  start(intervalSeconds: number): void {
    const tick = () => this.poll()
      .then((n) => { this.lastError = null; if (n) this.log?.info({ collection: this.opts.collection, added: n }, "TAXII indicators loaded"); })
      .catch((e) => { this.lastError = (e as Error).message; this.log?.error({ err: (e as Error).message }, "TAXII poll failed; the indicators already loaded stay in force"); });
    void tick();
    this.timer = setInterval(tick, intervalSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
