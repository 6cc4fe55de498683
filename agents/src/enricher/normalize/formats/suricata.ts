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
    const signature = str(pick(o, "alert.signature")) ?? "";
    const classtype = str(pick(o, "alert.category")) ?? "";
    const internal = (ip: string | null) => !!ip && classifyIp(ip)?.internal === true;
    // The flow's client: flow.src_ip (Suricata 7+), else src_ip of a to_server packet.
    const client = str(pick(o, "flow.src_ip")) ?? (o.direction === "to_client" ? dest : src);
    const server = client === src ? dest : src;
    // Suricata has no "affected host": it is the internal side of the connection. When both
    // sides are internal, signatures about what a client does (ET MALWARE/CNC/COINMINER/POLICY/
    // DNS/INFO/HUNTING, trojan and mining classtypes, DNS lookups through an internal resolver)
    // are about the client; the rest (exploits, scans against a server) about the server.
    const clientActivity = /^ET (MALWARE|TROJAN|CNC|COINMINER|POLICY|DNS|INFO|HUNTING|PHISHING|ADWARE_PUP|MOBILE_MALWARE|USER_AGENTS|JA3|ATTACK_RESPONSE)\b/i.test(signature)
      || /trojan|mining|malware|command and control|privacy violation|policy/i.test(classtype)
      || o.app_proto === "dns" || o.dest_port === 53;
    const internalSide = internal(client) && internal(server) ? (clientActivity ? client : server) : [server, client].find((ip) => internal(ip)) ?? null;
    // The request URL rebuilt from http.hostname + http.url (EVE logs them apart).
    const httpHost = str(pick(o, "http.hostname"));
    const httpUrl = str(pick(o, "http.url"));
    const port = typeof o.dest_port === "number" ? o.dest_port : null;
    const scheme = o.app_proto === "tls" || port === 443 ? "https" : "http";
    const rebuilt = httpHost && httpUrl && !/^[a-z]+:\/\//i.test(httpUrl) ? `${scheme}://${httpHost}${port && port !== 80 && port !== 443 ? `:${port}` : ""}${httpUrl.startsWith("/") ? "" : "/"}${httpUrl}` : httpUrl && /^https?:\/\//i.test(httpUrl) ? httpUrl : null;
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
      assets: [internalSide, internal(server) ? httpHost : null, internal(server) ? str(pick(o, "tls.sni")) : null],
      iocs: [
        at(o, "flow.src_ip", "ip", "source"),
        at(o, "flow.dest_ip", "ip", "destination"),
        field("src_ip", src, "ip", "source"),
        field("dest_ip", dest, "ip", "destination"),
        at(o, "alert.source.ip", "ip", "source"),
        at(o, "alert.target.ip", "ip", "destination"),
        // The server's name is an indicator when the server is outside; an inbound attack's
        // Host header names our own site (kept as an asset, and in the rebuilt URL).
        field("http.hostname", internal(server) ? undefined : httpHost, "domain", "destination"),
        field("http.hostname+http.url", rebuilt, "url", null),
        field("tls.sni", internal(server) ? undefined : pick(o, "tls.sni"), "domain", "destination"),
        // A looked-up name is what the client wanted to reach.
        at(o, "dns.query", "domain", "destination"),
        at(o, "dns.rrname", "domain", "destination"),
        field("dns.queries[].rrname", objects(pick(o, "dns.queries")).map((q) => q.rrname), "domain", "destination"),
        field("dns.query[].rrname", objects(pick(o, "dns.query")).map((q) => q.rrname), "domain", "destination"),
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
      mitreTypes: [signature, classtype],
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
        verdict: pick(o, "verdict.action"),
      },
    };
  },
};
