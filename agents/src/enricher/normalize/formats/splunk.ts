// Splunk: Enterprise Security notables and the core webhook alert action payload
// ({result, sid, results_link, search_name, owner, app}; every result value is a string).
// results_link is a Splunk UI link, never an IoC.
import type { FormatNormalizer } from "../draft.js";
import { field, freeText, jsonObject } from "../hints.js";
import { isObject, pick, pickFirst, str, text, type JsonObject } from "../paths.js";
import { firstMapped, fromWord } from "../severity.js";
import { sha256Hex } from "../fingerprint.js";

function isNotable(o: JsonObject): boolean {
  const eventId = str(o.event_id);
  return (!!eventId && eventId.includes("@@notable@@")) || (o.index === "notable" && (!!str(o.rule_name) || !!str(o.search_name)));
}

function isWebhook(o: JsonObject): boolean {
  return isObject(o.result) && typeof o.sid === "string" && "results_link" in o && "search_name" in o;
}

function rowIocs(row: JsonObject, prefix: string) {
  const p = (k: string) => (prefix ? `${prefix}.${k}` : k);
  return [
    field(p("src"), row.src, "ip", "source"),
    field(p("src_ip"), row.src_ip, "ip", "source"),
    field(p("dest"), row.dest, "ip", "destination"),
    field(p("dest_ip"), row.dest_ip, "ip", "destination"),
    field(p("dest_host"), row.dest_host, "domain", "destination"),
    field(p("query"), row.query, "domain", "destination"),
    field(p("url"), row.url, "url", "destination"),
    field(p("file_hash"), row.file_hash, "hash"),
    field(p("file_hash_md5"), row.file_hash_md5, "md5"),
    field(p("file_hash_sha256"), row.file_hash_sha256, "sha256"),
    field(p("sender"), row.sender, "email", "source"),
    field(p("recipient"), row.recipient, "email", "destination"),
    freeText(p("process"), row.process),
    freeText(p("_raw"), row._raw),
  ];
}

export const splunk: FormatNormalizer = {
  id: "splunk",
  detect(doc) {
    const o = jsonObject(doc);
    return !!o && (isNotable(o) || isWebhook(o));
  },
  map(doc) {
    const o = jsonObject(doc);
    if (!o) return "expected a JSON object";
    if (isWebhook(o)) {
      const row = o.result as JsonObject;
      return {
        title: str(o.search_name) ?? str(row.rule_name) ?? str(row.signature),
        titlePaths: "search_name, result.rule_name, result.signature",
        description: str(row.description) ?? undefined,
        severity: firstMapped(fromWord(row.urgency), fromWord(row.severity)),
        time: row._time,
        vendor: "Splunk",
        product: str(o.app) ? `Splunk (${str(o.app)})` : "Splunk",
        hostName: pickFirst(row, ["dest", "host", "dvc"])?.value,
        userName: pickFirst(row, ["user", "src_user"])?.value,
        assets: [row.dest],
        iocs: rowIocs(row, "result"),
        mitre: [row.mitre_technique_id, row.annotations],
        // sid identifies the search run, not the result: add the row's content.
        sourceId: `${text(o.sid) ?? ""}:${sha256Hex(JSON.stringify(row)).slice(0, 16)}`,
        categoryText: [o.search_name, row.signature, row.action],
        context: { sid: o.sid, owner: o.owner, app: o.app, search_name: o.search_name, action: row.action, signature: row.signature, count: row.count },
      };
    }
    const annotations = typeof o.annotations === "string" ? (() => { try { return JSON.parse(o.annotations as string) as unknown; } catch { return undefined; } })() : o.annotations;
    return {
      title: pickFirst(o, ["rule_title", "rule_name", "search_name", "source"])?.value,
      titlePaths: "rule_title, rule_name, search_name",
      description: str(o.rule_description) ?? str(o.description) ?? undefined,
      severity: firstMapped(fromWord(o.urgency), fromWord(o.severity)),
      time: o._time,
      vendor: "Splunk",
      product: "Splunk Enterprise Security",
      hostName: pickFirst(o, ["dest", "dvc", "orig_host"])?.value,
      userName: pickFirst(o, ["user", "src_user"])?.value,
      assets: [o.dest, o.dvc],
      iocs: rowIocs(o, ""),
      mitre: [pick(annotations, "mitre_attack"), o.mitre_technique_id],
      tactics: [pick(annotations, "mitre_attack_tactics")],
      sourceId: o.event_id,
      categoryText: [o.security_domain, o.search_name],
      context: { urgency: o.urgency, severity: o.severity, security_domain: o.security_domain, status_label: o.status_label, owner: o.owner, search_name: o.search_name, src_user: o.src_user, action: o.action, count: o.count },
    };
  },
};
