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

  /**
   * One poll: every page of what was added since the last one. Pages follow `next` when the server
   * gives one, else `added_after` moves to the page's X-TAXII-Date-Added-Last (TAXII 2.1, 3.4).
   * Returns how many indicators were added or replaced.
   */
  async poll(): Promise<number> {
    const fetchImpl = this.opts.fetchImpl ?? fetch;
    let next: string | null = null;
    let after = this.addedAfter;
    let added = 0;
    for (let page = 0; page < 1000; page++) {
      const url = this.objectsUrl();
      url.searchParams.set("match[type]", "indicator");
      if (after) url.searchParams.set("added_after", after);
      if (next) url.searchParams.set("next", next);
      const where = `TAXII ${url.origin}${url.pathname}`;
      const res = await fetchImpl(url, { headers: this.headers(), signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000), redirect: "error" });
      if (res.status === 204) break;
      if (!res.ok) {
        const body = (await res.text().catch(() => "")).replace(/\s+/g, " ").slice(0, 200);
        const why = res.status === 401 ? "the credentials were refused or are missing (TAXII_USER/TAXII_PASSWORD or TAXII_TOKEN)"
          : res.status === 403 ? "these credentials may not read this collection"
          : res.status === 404 ? `no collection ${this.opts.collection} under API root ${this.opts.apiRoot} (check TAXII_API_ROOT and TAXII_COLLECTION)`
          : res.status === 406 ? `the server does not speak ${TAXII_MEDIA_TYPE}`
          : "the server failed";
        throw new Error(`${where} answered ${res.status}: ${why}${body ? `: ${body}` : ""}`);
      }
      const type = res.headers.get("content-type") ?? "";
      if (!/^application\/taxii\+json/i.test(type)) throw new Error(`${where} answered ${type || "no content type"}, expected ${TAXII_MEDIA_TYPE}`);
      let envelope: { more?: unknown; next?: unknown; objects?: unknown };
      try {
        envelope = (await res.json()) as typeof envelope;
      } catch (e) {
        throw new Error(`${where}: the envelope is not JSON (${(e as Error).message})`);
      }
      const objects = Array.isArray(envelope?.objects) ? envelope.objects : [];
      for (const o of objects as { id?: string; type?: string }[]) {
        if (o?.type !== "indicator" || typeof o.id !== "string") continue;
        this.byId.set(o.id, parseStix(this.source, { type: "bundle", objects: [o] }, this.source));
        added++;
      }
      const last = res.headers.get("x-taxii-date-added-last");
      if (last && !Number.isNaN(Date.parse(last))) this.addedAfter = last;
      if (envelope.more !== true) break;
      if (typeof envelope.next === "string" && envelope.next) next = envelope.next;
      else if (last && last !== after) { next = null; after = last; }
      else break; // more, but neither a next token nor a later date to ask from
    }
    this.feeds.setExternal(this.source, [...this.byId.values()].flat());
    this.lastPollAt = new Date().toISOString();
    return added;
  }

  start(intervalSeconds: number, log: Logger | undefined = this.log): void {
    const tick = () => this.poll()
      .then((n) => { this.lastError = null; log?.info({ collection: this.opts.collection, added: n, indicators: this.byId.size }, "TAXII collection polled"); })
      .catch((e) => { this.lastError = (e as Error).message; log?.error({ err: (e as Error).message }, "TAXII poll failed; the indicators already loaded stay in force"); });
    void tick();
    this.timer = setInterval(tick, intervalSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
