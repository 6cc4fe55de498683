// Local threat-intel feeds: the offline reputation source, in the formats intel teams export.
// A feed folder (THREAT_INTEL_DIR) holds, by extension and content:
//   *.txt, *.list  plain lists / the line format   indicator[,verdict[,tag[,note]]]
//   *.csv          CSV with a header (indicator, type, verdict, confidence, tags, note, valid_until),
//                  or the line format when the first line is not a header
//   *.json         a STIX 2.1 bundle, or a MISP event (or REST search answer)
//   <sub>/manifest.json   a MISP feed: the events the manifest lists, as <uuid>.json beside it
// The folder is checked for changes every THREAT_INTEL_RELOAD_SECONDS and reloaded without a
// restart; a broken file at start stops the enricher naming the file and line, a broken file on
// reload is logged and the last good feeds stay in force. The file (or MISP event, STIX producer,
// TAXII collection) is the source shown to analysts, with the feed's confidence per hit.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { inCidr, parseCidr, parseIp, type Cidr } from "../../shared/ip.js";
import type { IocType } from "@secops/contracts";
import type { Logger } from "../../runtime/logger.js";
import type { EnrichmentProvider, ProviderVerdict } from "./provider.js";
import { FeedError, type FeedIndicator } from "./feed-formats/entry.js";
import { parseLines } from "./feed-formats/lines.js";
import { hasCsvHeader, parseCsvWithHeader } from "./feed-formats/csv.js";
import { isStixDocument, parseStix } from "./feed-formats/stix.js";
import { isMispEvent, isMispManifest, parseMisp } from "./feed-formats/misp.js";

export { FeedError } from "./feed-formats/entry.js";
export type { FeedIndicator } from "./feed-formats/entry.js";

const FEED_EXTENSIONS = new Set([".txt", ".list", ".csv", ".json"]);

/** Parses one feed file by extension and content. */
export function parseFeedFile(path: string, text: string): FeedIndicator[] {
  const ext = extname(path).toLowerCase();
  const source = basename(path, ext);
  if (ext === ".json") {
    let doc: unknown;
    try { doc = JSON.parse(text); } catch (e) { throw new FeedError(`${path}: not valid JSON (${(e as Error).message})`); }
    if (isStixDocument(doc)) return parseStix(path, doc, source);
    if (isMispEvent(doc)) return parseMisp(path, doc, source);
    if (isMispManifest(doc)) return []; // a MISP feed's manifest lists events; loadMispFeed reads them
    throw new FeedError(`${path}: not a feed: expected a STIX 2.1 bundle ({"type": "bundle", "objects": [...]}), a MISP event ({"Event": {...}}) or a MISP feed manifest.json`);
  }
  if (ext === ".csv" && hasCsvHeader(text)) return parseCsvWithHeader(path, text, source);
  return parseLines(path, text, source);
}

interface Store {
  exact: Map<string, FeedIndicator[]>;
  cidrs: { net: Cidr; entry: FeedIndicator }[];
  count: number;
}

const emptyStore = (): Store => ({ exact: new Map(), cidrs: [], count: 0 });

function addTo(store: Store, e: FeedIndicator): void {
  const v = e.value.trim();
  if (!v) return;
  store.count++;
  const net = (e.type === "cidr" || (e.type === null || e.type === "ip")) && v.includes("/") ? parseCidr(v) : null;
  if (net) {
    store.cidrs.push({ net, entry: e });
    return;
  }
  const ip = e.type === "ip" || e.type === null ? parseIp(v) : null;
  const key = ip ? ip.toString() : v.toLowerCase();
  const list = store.exact.get(key);
  if (list) list.push(e); else store.exact.set(key, [e]);
}

export class ThreatIntelFeeds implements EnrichmentProvider {
  readonly name = "local-feeds";
  readonly online = false;
  files: string[] = [];
  private store: Store = emptyStore();
  /** Feeds that do not come from files (a TAXII collection), kept across file reloads. */
  private readonly external = new Map<string, Store>();
  private watcher: NodeJS.Timeout | null = null;
  private signature = "";
  lastReloadError: string | null = null;

  static fromDirectory(dir: string): ThreatIntelFeeds {
    const feeds = new ThreatIntelFeeds();
    feeds.loadDirectory(dir);
    return feeds;
  }

  /** The files a folder's feeds are read from, with what marks a change. */
  private static scan(folder: string): { files: string[]; signature: string } {
    const dir = resolve(folder);
    let names: string[];
    try { names = readdirSync(dir).sort(); } catch { return { files: [], signature: "" }; }
    const files: string[] = [];
    for (const n of names) {
      const p = join(dir, n);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isFile() && FEED_EXTENSIONS.has(extname(n).toLowerCase())) files.push(p);
      else if (st.isDirectory() && existsSync(join(p, "manifest.json"))) {
        files.push(join(p, "manifest.json"));
        for (const ev of readdirSync(p).filter((f) => f.endsWith(".json") && f !== "manifest.json").sort()) files.push(join(p, ev));
      }
    }
    const signature = files.map((f) => { const s = statSync(f, { throwIfNoEntry: false }); return `${f}:${s?.mtimeMs ?? 0}:${s?.size ?? 0}`; }).join("\n");
    return { files, signature };
  }

  /** Replaces what came from files with the folder's content; throws FeedError naming the file. */
  loadDirectory(folder: string): void {
    const dir = resolve(folder);
    const { files, signature } = ThreatIntelFeeds.scan(dir);
    const next = emptyStore();
    const loaded: string[] = [];
    for (const f of files) {
      if (dirname(f) !== dir) {
        // A MISP feed folder: its events are read through its manifest.
        if (basename(f) !== "manifest.json") continue;
        for (const e of loadMispFeed(f)) addTo(next, e);
      } else {
        for (const e of parseFeedFile(f, readFileSync(f, "utf8"))) addTo(next, e);
      }
      loaded.push(f);
    }
    this.store = next;
    this.files = loaded;
    this.signature = signature;
  }

  /** Adds one file's indicators (tests, and callers with text in hand). */
  load(path: string, text: string): void {
    for (const e of parseFeedFile(path, text)) addTo(this.store, e);
    this.files.push(path);
  }

  /** Puts a feed that does not come from a file (TAXII) in place of its previous content. */
  setExternal(name: string, entries: FeedIndicator[]): void {
    const s = emptyStore();
    for (const e of entries) addTo(s, e);
    this.external.set(name, s);
  }

  /** Reloads the folder when a file was added, changed or removed. True when it reloaded. */
  reloadIfChanged(dir: string, log?: Logger): boolean {
    const { signature } = ThreatIntelFeeds.scan(dir);
    if (signature === this.signature) return false;
    try {
      this.loadDirectory(dir);
      this.lastReloadError = null;
      log?.info({ feeds: this.files, indicators: this.size }, "threat-intel feeds reloaded");
      return true;
    } catch (e) {
      this.signature = signature; // do not retry the same broken content every tick
      this.lastReloadError = (e as Error).message;
      log?.error({ err: (e as Error).message }, "threat-intel feed reload failed; the previous feeds stay in force");
      return false;
    }
  }

  watch(dir: string, intervalSeconds: number, log?: Logger): void {
    if (intervalSeconds <= 0 || this.watcher) return;
    this.watcher = setInterval(() => this.reloadIfChanged(dir, log), intervalSeconds * 1000);
    this.watcher.unref();
  }

  stop(): void {
    if (this.watcher) clearInterval(this.watcher);
    this.watcher = null;
  }

  get size(): number {
    let n = this.store.count;
    for (const s of this.external.values()) n += s.count;
    return n;
  }

  supports(): boolean {
    return true;
  }

  private matches(store: Store, type: IocType, value: string): FeedIndicator[] {
    const addr = type === "ip" ? parseIp(value) : null;
    const key = addr ? addr.toString() : value.toLowerCase();
    const hits = [...(store.exact.get(key) ?? [])];
    if (addr) for (const { net, entry } of store.cidrs) if (inCidr(addr, net)) hits.push(entry);
    return hits.filter((e) => e.type === null || e.type === "cidr" || e.type === type);
  }

  async lookup(type: IocType, value: string): Promise<ProviderVerdict | null> {
    const now = Date.now();
    const hits = [this.store, ...this.external.values()].flatMap((s) => this.matches(s, type, value)).filter((e) => !e.validUntil || e.validUntil.getTime() > now);
    if (!hits.length) return null;
    const rank = { clean: 1, suspicious: 2, malicious: 3 } as const;
    hits.sort((a, b) => rank[b.verdict] - rank[a.verdict] || (b.confidence ?? -1) - (a.confidence ?? -1));
    const top = hits[0]!;
    const sources = [...new Set(hits.map((h) => h.source))];
    return {
      verdict: top.verdict,
      tags: [...new Set(hits.flatMap((h) => h.tags))].slice(0, 10),
      detail: [top.source, top.note].filter(Boolean).join(": ") + (sources.length > 1 ? ` (also in ${sources.slice(1).join(", ")})` : ""),
      ...(top.confidence !== null ? { confidence: top.confidence } : {}),
      evidence: {
        feeds: sources.slice(0, 20),
        hits: hits.length,
        validUntil: top.validUntil?.toISOString() ?? null,
      },
    };
  }
}

/** A MISP feed folder: manifest.json lists the events; each is <uuid>.json beside it. */
export function loadMispFeed(manifestPath: string): FeedIndicator[] {
  let manifest: Record<string, { info?: string }>;
  try { manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as typeof manifest; } catch (e) { throw new FeedError(`${manifestPath}: not valid JSON (${(e as Error).message})`); }
  if (!isMispManifest(manifest)) throw new FeedError(`${manifestPath}: not a MISP feed manifest (expected {"<event uuid>": {"info": ...}, ...})`);
  const dir = join(manifestPath, "..");
  const feedName = basename(dir);
  const out: FeedIndicator[] = [];
  for (const uuid of Object.keys(manifest)) {
    const file = join(dir, `${uuid}.json`);
    if (!existsSync(file)) throw new FeedError(`${manifestPath}: lists event ${uuid} but ${file} is missing`);
    let doc: unknown;
    try { doc = JSON.parse(readFileSync(file, "utf8")); } catch (e) { throw new FeedError(`${file}: not valid JSON (${(e as Error).message})`); }
    if (!isMispEvent(doc)) throw new FeedError(`${file}: not a MISP event ({"Event": {...}})`);
    out.push(...parseMisp(file, doc, feedName));
  }
  return out;
}
