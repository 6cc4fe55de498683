// Splunk: Enterprise Security notables and the core webhook alert action payload
// ({result, sid, results_link, search_name, owner, app}; every result value is a string).
// results_link is a Splunk UI link, never an IoC.
import type { FormatNormalizer } from "../draft.js";
import { field, freeText, jsonObject } from "../hints.js";
import { isObject, pick, pickFirst, str, text, type JsonObject } from "../paths.js";
import { firstMapped, fromWord } from "../severity.js";
import { sha256Hex } from "../../../shared/hash.js";
import { classifyIp } from "../../iocs/index.js";

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
    // dest is an address or a host name (CIM): a name is a domain indicator unless it is the alert's own host.
    field(p("dest"), row.dest, "domain", "destination"),
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

/**
 * The affected host by CIM field names: the destination side (dest, dest_nt_host, dest_dns,
 * dest_ip) unless it is an outside address, else an internal source side (src, src_nt_host,
 * src_dns, src_ip: an upload or a beacon from inside), else orig_host or dvc. A host known only
 * by its IP is still the host.
 */
function cimHost(row: JsonObject): { name: string | null; ip: string | null } {
  const isIp = (v: string | null) => !!v && classifyIp(v) !== null;
  const side = (prefix: "dest" | "src") => {
    const main = text(row[prefix]);
    const name = (main && !isIp(main) ? main : null) ?? text(row[`${prefix}_nt_host`]) ?? text(row[`${prefix}_dns`]) ?? text(row[`${prefix}_host`]) ?? text(row[`${prefix}_name`]);
    const ip = (main && isIp(main) ? main : null) ?? text(row[`${prefix}_ip`]);
    return { name, ip: ip?.split(/[\s,]+/)[0] ?? null };
  };
  const internal = (ip: string | null) => !!ip && classifyIp(ip)?.internal === true;
  const dest = side("dest");
  const src = side("src");
  // CIM Web (url, http_method, http_user_agent): dest is the web site, src the client. A client
  // inside going to a site named only by its host name (a proxy upload) is our asset, not the site.
  const web = ["url", "http_method", "http_user_agent", "uri_path"].some((k) => text(row[k]) !== null);
  if (web && internal(src.ip) && dest.ip === null && !!dest.name && !internal(text(row.dest_ip))) return { name: src.name, ip: src.ip };
  if ((dest.name || dest.ip) && (dest.ip === null || internal(dest.ip))) return { name: dest.name, ip: dest.ip };
  if ((src.name || src.ip) && internal(src.ip)) return { name: src.name, ip: src.ip };
  return { name: text(row.orig_host) ?? text(row.dvc) ?? null, ip: null };
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
        hostName: cimHost(row).name ?? text(row.host),
        hostIp: cimHost(row).ip,
        userName: pickFirst(row, ["user", "src_user"])?.value,
        assets: [cimHost(row).name, cimHost(row).ip],
        iocs: rowIocs(row, "result"),
        mitre: [row.mitre_technique_id, row.annotations],
        // sid identifies the search run, not the result: add the row's content.
        sourceId: `${text(o.sid) ?? ""}:${sha256Hex(JSON.stringify(row)).slice(0, 16)}`,
        categoryText: [o.search_name, row.signature, row.action, row.category],
        mitreTypes: [o.search_name, row.signature],
        // ES threat-list matches (Threat Intelligence framework) name the matched field and collection.
        intelMatch: row.threat_match_field !== undefined || row.threat_collection !== undefined || undefined,
        // Every field the search returned is analyst context (change_ticket, action, category, ...).
        context: { ...Object.fromEntries(Object.entries(row).filter(([k]) => !k.startsWith("_")).slice(0, 60)), sid: o.sid, owner: o.owner, app: o.app, search_name: o.search_name, action: row.action, signature: row.signature, count: row.count },
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
      hostName: cimHost(o).name,
      hostIp: cimHost(o).ip,
      userName: pickFirst(o, ["user", "src_user"])?.value,
      assets: [cimHost(o).name, cimHost(o).ip],
      iocs: rowIocs(o, ""),
      mitre: [pick(annotations, "mitre_attack"), o.mitre_technique_id],
      tactics: [pick(annotations, "mitre_attack_tactics")],
      sourceId: o.event_id,
      categoryText: [o.security_domain, o.search_name],
      mitreTypes: [o.search_name, o.rule_name, o.signature],
      intelMatch: o.threat_match_field !== undefined || o.threat_collection !== undefined || /threat list activity|threat intel/i.test(String(o.search_name ?? "")) || undefined,
      context: { threat_collection: o.threat_collection, threat_match_field: o.threat_match_field, urgency: o.urgency, severity: o.severity, security_domain: o.security_domain, status_label: o.status_label, owner: o.owner, search_name: o.search_name, src_user: o.src_user, action: o.action, count: o.count },
    };
  },
};
