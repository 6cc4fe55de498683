// Suricata EVE `alert` events. Severity is inverted (1 = highest). src/dest are the packet's
// direction; for to_client matches the flow initiator is in flow.src_ip when present.
import type { FormatNormalizer } from "../draft.js";
import { at, field, freeText, jsonObject } from "../hints.js";
import { isObject, objects, pick, str, text, typeOfJson } from "../paths.js";
import { firstMapped, fromWord, suricataSeverity } from "../severity.js";
import { classifyIp } from "../../iocs/index.js";

export const suricata: FormatNormalizer = {
  id: "suricata",
  detect(doc) {
    const o = jsonObject(doc);
    return !!o && o.event_type === "alert" && isObject(o.alert) && pick(o, "alert.signature_id") !== undefined;
  },
  nearMiss(doc) {
    const o = jsonObject(doc);
    if (!o || o.event_type !== "alert" || !("flow_id" in o || "src_ip" in o || "in_iface" in o)) return null;
    if (!isObject(o.alert)) return { path: "alert", message: `\`alert\` must be an object with \`signature_id\` and \`signature\`, got ${typeOfJson(o.alert)}` };
    return { path: "alert.signature_id", message: "`alert.signature_id` is missing" };
  },
  map(doc) {
    const o = jsonObject(doc);
    if (!o || !isObject(o.alert)) return "expected an EVE object with event_type \"alert\" and an `alert` object";
    const src = str(o.src_ip);
    const dest = str(o.dest_ip);
    // Suricata has no "affected host": the internal side of the connection is the best guess.
    const internalSide = [dest, src].find((ip) => ip && classifyIp(ip)?.internal) ?? null;
    const sigSeverity = pick(o, "alert.metadata.signature_severity");
    const flowId = text(o.flow_id);
    const sid = text(pick(o, "alert.signature_id"));
    return {
      title: pick(o, "alert.signature"),
      titlePaths: "alert.signature",
      description: str(pick(o, "alert.category")) ?? undefined,
      severity: firstMapped(suricataSeverity(pick(o, "alert.severity")), fromWord(Array.isArray(sigSeverity) ? sigSeverity[0] : sigSeverity)),
      time: o.timestamp,
      vendor: "OISF",
      product: "Suricata",
      hostName: null,
      hostIp: internalSide,
      assets: [internalSide],
      iocs: [
        at(o, "flow.src_ip", "ip", "source"),
        at(o, "flow.dest_ip", "ip", "destination"),
        field("src_ip", src, "ip", "source"),
        field("dest_ip", dest, "ip", "destination"),
        at(o, "alert.source.ip", "ip", "source"),
        at(o, "alert.target.ip", "ip", "destination"),
        at(o, "http.hostname", "domain", "destination"),
        at(o, "tls.sni", "domain", "destination"),
        at(o, "dns.query", "domain"),
        field("dns.queries[].rrname", objects(pick(o, "dns.queries")).map((q) => q.rrname), "domain"),
        field("dns.query[].rrname", objects(pick(o, "dns.query")).map((q) => q.rrname), "domain"),
        field("files[].sha256", objects(o.files).map((f) => f.sha256), "sha256"),
        field("files[].md5", objects(o.files).map((f) => f.md5), "md5"),
        field("files[].sha1", objects(o.files).map((f) => f.sha1), "sha1"),
        freeText("http.url", pick(o, "http.url")),
        freeText("payload_printable", o.payload_printable),
      ],
      mitre: [pick(o, "alert.metadata.mitre_technique_id"), pick(o, "alert.metadata.mitre_technique_name")],
      tactics: [pick(o, "alert.metadata.mitre_tactic_name")],
      // No per-alert uuid: flow + signature + transaction identify one alert.
      sourceId: flowId && sid ? `${flowId}:${sid}:${text(o.tx_id) ?? ""}` : null,
      categoryText: [pick(o, "alert.category")],
      context: {
        signature_id: sid,
        rev: pick(o, "alert.rev"),
        action: pick(o, "alert.action"),
        direction: o.direction,
        proto: o.proto,
        src_port: o.src_port,
        dest_port: o.dest_port,
        app_proto: o.app_proto,
        community_id: o.community_id,
        sensor: o.host ?? o.in_iface,
        http_url: pick(o, "http.url"),
      },
    };
  },
};
