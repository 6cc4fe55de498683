// Local threat-intel feed files: the offline reputation source. One indicator per line:
//   indicator[,verdict[,tag[,note]]]      # comments and blank lines are ignored
// verdict is malicious (default) | suspicious | clean; IPs may be CIDRs. The file name is
// the source name shown to analysts.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import ipaddr from "ipaddr.js";
import type { IocType, Reputation } from "@secops/contracts";
import type { EnrichmentProvider, ProviderVerdict } from "./provider.js";

interface Entry { verdict: Reputation; tag: string | null; note: string | null; source: string }

export class FeedError extends Error {}

const VERDICTS = new Set(["malicious", "suspicious", "clean"]);

export class ThreatIntelFeeds implements EnrichmentProvider {
  readonly name = "local-feeds";
  readonly online = false;
  readonly #exact = new Map<string, Entry>();
  readonly #cidrs: { net: [ipaddr.IPv4 | ipaddr.IPv6, number]; entry: Entry }[] = [];
  readonly files: string[] = [];

  static fromDirectory(dir: string): ThreatIntelFeeds {
    const feeds = new ThreatIntelFeeds();
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => /\.(txt|csv)$/.test(n)).sort();
    } catch {
      return feeds; // no feed directory: nothing known, which is fine offline
    }
    for (const n of names) {
      const p = join(dir, n);
      if (statSync(p).isFile()) feeds.load(p, readFileSync(p, "utf8"));
    }
    return feeds;
  }

  load(path: string, text: string): void {
    const source = basename(path).replace(/\.(txt|csv)$/, "");
    this.files.push(path);
    text.split(/\r?\n/).forEach((line, i) => {
      const clean = line.replace(/#.*/, "").trim();
      if (!clean) return;
      const [indicator = "", verdictRaw = "malicious", tag = "", ...note] = clean.split(",").map((s) => s.trim());
      const verdict = verdictRaw.toLowerCase();
      if (!VERDICTS.has(verdict)) {
        throw new FeedError(`${path}:${i + 1}: verdict "${verdictRaw}" is not one of malicious, suspicious, clean`);
      }
      const entry: Entry = { verdict: verdict as Reputation, tag: tag || null, note: note.join(",") || null, source };
      if (indicator.includes("/") && ipaddr.isValidCIDR(indicator)) {
        this.#cidrs.push({ net: ipaddr.parseCIDR(indicator), entry });
      } else {
        this.#exact.set(indicator.toLowerCase(), entry);
      }
    });
  }

  get size(): number {
    return this.#exact.size + this.#cidrs.length;
  }

  supports(): boolean {
    return true;
  }

  async lookup(type: IocType, value: string): Promise<ProviderVerdict | null> {
    let e = this.#exact.get(value.toLowerCase());
    if (!e && type === "ip" && ipaddr.isValid(value)) {
      const addr = ipaddr.process(value);
      e = this.#cidrs.find(({ net: [net, bits] }) => net.kind() === addr.kind() && addr.match(net, bits))?.entry;
    }
    if (!e) return null;
    return { verdict: e.verdict, tags: e.tag ? [e.tag] : [], detail: [e.source, e.note].filter(Boolean).join(": ") };
  }
}
