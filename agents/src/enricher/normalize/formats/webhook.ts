// Anything else: home-grown tools and SOAR forwarders. Best-effort mapping from the field names
// people commonly use; a title-like field is the one requirement. Every string in the document
// is scanned for indicators because nothing says where they are.
import type { FormatNormalizer } from "../draft.js";
import { at, jsonObject } from "../hints.js";
import { isObject, pick, pickFirst, str } from "../paths.js";
import { firstMapped, priority, riskScore, fromWord } from "../severity.js";


const TITLE_PATHS = ["title", "name", "summary", "alert.title", "alert.name", "rule.name", "rule.description", "rule", "message", "alert"] as const;

function titleOf(o: Record<string, unknown>): { value: unknown; path: string } | undefined {
  for (const p of TITLE_PATHS) {
    const v = pick(o, p);
    if (str(v)) return { value: v, path: p };
  }
  return undefined;
}

export const webhook: FormatNormalizer = {
  id: "webhook",
  detect(doc) {
    const o = jsonObject(doc);
    return !!o && titleOf(o) !== undefined;
  },
  map(doc) {
    const o = jsonObject(doc);
    if (!o) return "expected a JSON object";
    const title = titleOf(o);
    if (!title) return `no title-like field (${TITLE_PATHS.join("|")})`;
    const user = pickFirst(o, ["user", "username", "user.name", "account", "user_name"]);
    const host = pickFirst(o, ["host", "hostname", "host.name", "asset", "device"]);
    return {
      title: title.value,
      titlePaths: TITLE_PATHS.join(", "),
      description: pickFirst(o, ["description", "details", "message", "body"].filter((p) => p !== title.path))?.value,
      severity: firstMapped(priority(pick(o, "severity")), priority(pick(o, "priority")), fromWord(pick(o, "level")), riskScore(pick(o, "risk_score"))),
      time: pickFirst(o, ["timestamp", "time", "@timestamp", "created_at", "event_time", "date"])?.value,
      vendor: null,
      product: pickFirst(o, ["source", "product", "tool", "vendor"])?.value,
      hostName: isObject(host?.value) ? undefined : host?.value,
      userName: isObject(user?.value) ? undefined : user?.value,
      assets: [isObject(host?.value) ? undefined : host?.value],
      iocs: [
        at(o, "src_ip", "ip", "source"), at(o, "source_ip", "ip", "source"), at(o, "source.ip", "ip", "source"), at(o, "attacker_ip", "ip", "source"),
        at(o, "dst_ip", "ip", "destination"), at(o, "dest_ip", "ip", "destination"), at(o, "destination_ip", "ip", "destination"), at(o, "destination.ip", "ip", "destination"),
        at(o, "sha256", "sha256"), at(o, "sha1", "sha1"), at(o, "md5", "md5"), at(o, "hash", "hash"), at(o, "file_hash", "hash"),
        at(o, "url", "url"), at(o, "domain", "domain"), at(o, "fqdn", "domain"), at(o, "email", "email"),
      ],
      scanRaw: true,
      mitre: [pick(o, "mitre"), pick(o, "technique"), pick(o, "techniques"), pick(o, "tags")],
      tactics: [pick(o, "tactic")],
      sourceId: pickFirst(o, ["id", "alert_id", "uuid", "fingerprint"])?.value,
      categoryText: [pick(o, "category"), pick(o, "type"), pick(o, "tags")],
      context: { category: pick(o, "category"), type: pick(o, "type"), status: pick(o, "status"), tags: pick(o, "tags") },
    };
  },
};
