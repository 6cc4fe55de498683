// Scores the normalizer against the labelled corpus (agents/test/corpus/labels.json): one
// figure per canonical field, IoC recall and roles, vendor links wrongly emitted as IoCs, and
// malformed inputs rejected with a reason. Shared by the corpus test and ad-hoc runs.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CanonicalAlert } from "@secops/contracts";
import { normalizeAlert } from "../../src/enricher/normalize/index.js";

export const CORPUS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "corpus");

export interface CorpusLabel {
  format: string | null;
  malformed: boolean;
  category?: string;
  severity?: string | string[];
  time?: string | null;
  host?: string | null;
  user?: string | null;
  mitre?: string[];
  iocs?: { type: string; value: string; role: "source" | "destination" | null }[];
  notIocs?: string[];
  note?: string;
}

export interface Tally { ok: number; total: number; misses: string[] }
const tally = (): Tally => ({ ok: 0, total: 0, misses: [] });
function score(t: Tally, ok: boolean, miss: string): void {
  t.total++;
  if (ok) t.ok++;
  else t.misses.push(miss);
}

export interface CorpusReport {
  fields: Record<"format" | "category" | "severity" | "time" | "host" | "user" | "mitre", Tally>;
  iocRecall: Tally;
  roles: Tally;
  notIocs: Tally;
  malformed: Tally;
}

export function loadLabels(): Record<string, CorpusLabel> {
  const doc = JSON.parse(readFileSync(join(CORPUS_DIR, "labels.json"), "utf8")) as { version: number; alerts: Record<string, CorpusLabel> };
  if (doc.version !== 1) throw new Error(`labels.json version ${doc.version} is not 1`);
  return doc.alerts;
}

function iocKey(type: string, value: string): string {
  if (type === "url") {
    try { return `url:${new URL(value).href}`; } catch { return `url:${value}`; }
  }
  return `${type}:${value.toLowerCase()}`;
}

/** Hostname of a URL-looking value, else the value itself (for "never an IoC" checks). */
function hostOf(value: string): string {
  try { return new URL(value).hostname.toLowerCase(); } catch { return value.toLowerCase(); }
}

const sameTechnique = (a: string, b: string) => a === b || a.split(".")[0] === b.split(".")[0];

export function scoreCorpus(labels = loadLabels(), receivedAt = new Date("2000-01-01T00:00:00Z")): CorpusReport {
  const r: CorpusReport = {
    fields: { format: tally(), category: tally(), severity: tally(), time: tally(), host: tally(), user: tally(), mitre: tally() },
    iocRecall: tally(), roles: tally(), notIocs: tally(), malformed: tally(),
  };
  for (const [file, label] of Object.entries(labels)) {
    const bytes = readFileSync(join(CORPUS_DIR, file));
    const result = normalizeAlert(new Uint8Array(bytes), { receivedAt });
    if (label.malformed) {
      score(r.malformed, !result.ok && result.error.reason.length > 10, `${file}: ${result.ok ? `accepted as ${result.alert.format}` : "no reason"}`);
      continue;
    }
    const a: CanonicalAlert | null = result.ok ? result.alert : null;
    const why = result.ok ? "" : ` (rejected: ${result.error.reason})`;
    score(r.fields.format, a?.format === label.format, `${file}: ${a?.format}${why}`);
    score(r.fields.category, a?.category === label.category, `${file}: ${a?.category} != ${label.category}`);
    const sev = Array.isArray(label.severity) ? label.severity : [label.severity];
    score(r.fields.severity, !!a && sev.includes(a.severity), `${file}: ${a?.severity} (${a?.severityOriginal}) not in ${sev.join("|")}`);
    const timeOk = !!a && (label.time === null ? a.context.time_source === "received" : a.context.time_source !== "received" && Date.parse(a.time) === Date.parse(label.time!));
    score(r.fields.time, timeOk, `${file}: ${a?.time} != ${label.time}`);
    const hostOk = !!a && (label.host === null
      ? a.host.name === null && a.host.ip === null
      : a.host.name?.toLowerCase() === label.host!.toLowerCase() || a.host.ip === label.host);
    score(r.fields.host, hostOk, `${file}: ${a?.host.name}/${a?.host.ip} != ${label.host}`);
    score(r.fields.user, !!a && a.user.name === (label.user ?? null), `${file}: ${JSON.stringify(a?.user.name)} != ${JSON.stringify(label.user)}`);
    if ((label.mitre ?? []).length > 0) {
      score(r.fields.mitre, !!a && a.mitre.some((m) => label.mitre!.some((x) => sameTechnique(m, x))), `${file}: [${a?.mitre.join(",")}] vs [${label.mitre!.join(",")}]`);
    }
    const got = new Map((a?.iocs ?? []).map((i) => [iocKey(i.type, i.value), i]));
    for (const want of label.iocs ?? []) {
      const found = got.get(iocKey(want.type, want.value));
      score(r.iocRecall, !!found, `${file}: missing ${want.type} ${want.value}`);
      if (found && want.role !== null) score(r.roles, found.role === want.role, `${file}: ${want.value} role ${found.role} != ${want.role}`);
    }
    for (const bad of label.notIocs ?? []) {
      const h = hostOf(bad);
      const hit = (a?.iocs ?? []).find((i) => i.value.toLowerCase() === bad.toLowerCase() || hostOf(i.value) === h);
      score(r.notIocs, !hit, `${file}: emitted ${hit?.type} ${hit?.value}`);
    }
  }
  return r;
}

export const pct = (t: Tally) => (t.total === 0 ? 1 : t.ok / t.total);

export function reportTable(r: CorpusReport): string {
  const rows: [string, Tally][] = [...Object.entries(r.fields), ["ioc recall", r.iocRecall], ["ioc roles", r.roles], ["not-IoCs kept out", r.notIocs], ["malformed rejected", r.malformed]];
  return rows.map(([k, t]) => `${k.padEnd(20)} ${String(t.ok).padStart(4)}/${String(t.total).padEnd(4)} ${(pct(t) * 100).toFixed(1).padStart(5)}%`).join("\n");
}
