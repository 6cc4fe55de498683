// MISP (MISP core format, "MISP event"): an event file {"Event": {info, threat_level_id, Tag[],
// Attribute[], Object[].Attribute[]}}, a REST search answer {"response": [{"Event": …}]}, and the
// MISP feed layout: a folder with manifest.json ({"<event uuid>": {info, …}}) next to one
// <uuid>.json event file per entry. Attributes with deleted: true are skipped. to_ids: true reads
// malicious (the producer says detect on it), otherwise suspicious (context). threat_level_id
// 1 high / 2 medium / 3 low gives confidence 90 / 70 / 50.
import { clipText, FeedError, type FeedIndicator } from "./entry.js";

const TYPES: Record<string, FeedIndicator["type"]> = {
  "ip-src": "ip", "ip-dst": "ip", domain: "domain", hostname: "domain", url: "url", link: null, uri: "url",
  md5: "md5", sha1: "sha1", sha256: "sha256", "email-src": "email", "email-dst": "email", email: "email",
};
const CONFIDENCE: Record<string, number> = { "1": 90, "2": 70, "3": 50 };

type Obj = Record<string, unknown>;

/** "ip-src|port" -> the IP; "filename|sha256" -> the hash; "domain|ip" -> both. */
function attributeValues(type: string, value: string): { type: FeedIndicator["type"]; value: string }[] {
  if (!type.includes("|")) {
    const t = TYPES[type];
    return t ? [{ type: t, value }] : [];
  }
  const parts = type.split("|");
  const values = value.split("|");
  return parts.flatMap((p, i) => {
    const t = TYPES[p];
    return t && values[i] ? [{ type: t, value: values[i]! }] : [];
  });
}

export function isMispEvent(doc: unknown): boolean {
  const d = doc as Obj | null;
  return !!d && typeof d === "object" && (("Event" in d && typeof d.Event === "object") || (Array.isArray(d.response) && (d.response as Obj[]).some((r) => r && "Event" in r)));
}

export function isMispManifest(doc: unknown): boolean {
  const d = doc as Obj | null;
  if (!d || typeof d !== "object" || Array.isArray(d)) return false;
  const entries = Object.entries(d);
  return entries.length > 0 && entries.every(([k, v]) => /^[0-9a-f-]{36}$/i.test(k) && !!v && typeof v === "object" && "info" in (v as Obj));
}

export function parseMisp(path: string, doc: unknown, source: string): FeedIndicator[] {
  const d = doc as Obj;
  const events = "Event" in d ? [d.Event as Obj] : (d.response as Obj[]).map((r) => r.Event as Obj).filter(Boolean);
  const out: FeedIndicator[] = [];
  for (const ev of events) {
    if (!ev || typeof ev !== "object") throw new FeedError(`${path}: "Event" is not an object`);
    const info = typeof ev.info === "string" ? clipText(ev.info, 200) : null;
    const eventTags = Array.isArray(ev.Tag) ? (ev.Tag as Obj[]).map((t) => String(t?.name ?? "")).filter(Boolean) : [];
    const confidence = CONFIDENCE[String(ev.threat_level_id ?? "")] ?? null;
    const attributes = [
      ...(Array.isArray(ev.Attribute) ? (ev.Attribute as Obj[]) : []),
      ...(Array.isArray(ev.Object) ? (ev.Object as Obj[]).flatMap((o) => (Array.isArray(o?.Attribute) ? (o.Attribute as Obj[]) : [])) : []),
    ];
    for (const a of attributes) {
      if (!a || a.deleted === true || typeof a.type !== "string" || typeof a.value !== "string") continue;
      const toIds = a.to_ids === true || a.to_ids === "1";
      const tags = [...eventTags, ...(Array.isArray(a.Tag) ? (a.Tag as Obj[]).map((t) => String(t?.name ?? "")).filter(Boolean) : [])];
      for (const hit of attributeValues(a.type, a.value)) {
        out.push({
          ...hit,
          verdict: toIds ? "malicious" : "suspicious",
          tags: [...new Set(tags)].slice(0, 5),
          note: [info, typeof a.comment === "string" && a.comment ? clipText(a.comment, 200) : null].filter(Boolean).join(": ") || null,
          source,
          confidence,
          validUntil: null,
        });
      }
    }
  }
  return out;
}
