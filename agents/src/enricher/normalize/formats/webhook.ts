// Anything else: home-grown tools and SOAR forwarders. Best-effort mapping from the field names
// people commonly use (normalize/README.md, "Generic webhook"); a title-like field is the one
// requirement. Every string in the document is scanned for indicators because nothing says
// where they are, except fields that name a link back to a console (see LINK_KEYS).
import type { FormatNormalizer } from "../draft.js";
import { at, jsonObject } from "../hints.js";
import { isObject, objects, pick, pickFirst, str, text, type JsonObject } from "../paths.js";
import { classifyIp } from "../../iocs/index.js";
import { firstMapped, genericSeverity, priority, riskScore } from "../severity.js";

// Also the common shapes of forwarders: Opsgenie (alert.message), Alertmanager (commonAnnotations.summary, commonLabels.alertname).
const TITLE_PATHS = ["title", "name", "summary", "alert.title", "alert.name", "alert.message", "alert.summary", "rule.name", "rule.description", "rule", "message", "alert", "commonAnnotations.summary", "commonLabels.alertname"] as const;
const DESCRIPTION_PATHS = ["description", "details", "summary", "message", "body", "text", "alert.description", "commonAnnotations.description"];
const TIME_PATHS = ["timestamp", "time", "@timestamp", "created_at", "createdAt", "event_time", "eventTime", "occurred_at", "detected_at", "ts", "date", "start_time", "alert.timestamp", "alert.time"];

// Where the affected host and account sit: a string, or an object with a name (and an ip).
const HOST_PATHS = ["host", "hostname", "host_name", "asset", "device", "computer_name", "computer", "endpoint", "machine", "affected_host", "target_host", "alert.host"];
const HOST_NAME_KEYS = ["name", "hostname", "host_name", "fqdn", "computer_name", "display_name"];
const HOST_IP_KEYS = ["ip", "ip_address", "ipv4", "local_ip", "private_ip", "internal_ip", "address", "ips"];
const USER_PATHS = ["user", "username", "user_name", "account", "account_name", "principal", "actor", "identity", "alert.user"];
const USER_NAME_KEYS = ["name", "username", "user_name", "login", "email", "upn", "user", "id"];

function titleOf(o: Record<string, unknown>): { value: unknown; path: string } | undefined {
  for (const p of TITLE_PATHS) {
    const v = pick(o, p);
    if (str(v)) return { value: v, path: p };
  }
  return undefined;
}

/** The first path holding a string, or an object with one of `keys` holding a string. */
function entity(o: JsonObject, paths: readonly string[], keys: readonly string[]): { name: string | null; obj: JsonObject | null } {
  for (const p of paths) {
    const v = pick(o, p);
    const s = text(v);
    if (s) return { name: s, obj: null };
    if (isObject(v)) {
      const inner = keys.map((k) => text(v[k]) ?? (isObject(v[k]) ? text((v[k] as JsonObject).name) : null)).find((x) => x);
      if (inner || HOST_IP_KEYS.some((k) => k in v)) return { name: inner ?? null, obj: v };
    }
  }
  return { name: null, obj: null };
}

/**
 * Prometheus Alertmanager and Grafana notifications (their documented webhook payloads:
 * `alerts[]` of `{status, labels, annotations, startsAt, generatorURL}`): the alert is the first
 * firing one, its labels say what and where, its annotations describe it.
 */
function notificationAlert(o: JsonObject): JsonObject | null {
  const alerts = objects(o.alerts);
  if (alerts.length === 0 || !alerts.every((a) => isObject(a.labels))) return null;
  return alerts.find((a) => a.status === "firing") ?? alerts[0]!;
}

/** Alertmanager's `instance` label is "host:port" (a scrape target): the host part. */
function withoutPort(v: string | null): string | null {
  if (!v) return v;
  const m = /^\[([0-9a-f:.]+)\]:\d{1,5}$/i.exec(v) ?? /^([^:\s]+):\d{1,5}$/.exec(v);
  return m ? m[1]! : v;
}

function iocHints(o: JsonObject) {
  return [
    at(o, "src_ip", "ip", "source"), at(o, "source_ip", "ip", "source"), at(o, "source.ip", "ip", "source"), at(o, "attacker_ip", "ip", "source"), at(o, "remote_ip", "ip", "source"), at(o, "client_ip", "ip", "source"),
    at(o, "dst_ip", "ip", "destination"), at(o, "dest_ip", "ip", "destination"), at(o, "destination_ip", "ip", "destination"), at(o, "destination.ip", "ip", "destination"),
    at(o, "sha256", "sha256"), at(o, "sha1", "sha1"), at(o, "md5", "md5"), at(o, "hash", "hash"), at(o, "file_hash", "hash"),
    at(o, "src", "ip", "source"), at(o, "source_address", "ip", "source"), at(o, "remote_addr", "ip", "source"), at(o, "src.ip", "ip", "source"),
    at(o, "dst", "ip", "destination"), at(o, "dest", "ip", "destination"), at(o, "destination_address", "ip", "destination"), at(o, "dst.ip", "ip", "destination"),
    at(o, "url", "url"), at(o, "domain", "domain"), at(o, "fqdn", "domain"), at(o, "email", "email"), at(o, "sender", "email", "source"),
    at(o, "query", "domain", "destination"), at(o, "dns_query", "domain", "destination"), at(o, "dns.query", "domain", "destination"), at(o, "qname", "domain", "destination"),
    at(o, "indicators", "auto"), at(o, "iocs", "auto"), at(o, "observables", "auto"),
  ];
}

function firstIp(v: unknown): string | null {
  if (Array.isArray(v)) return v.map((x) => text(x)).find((x) => x) ?? null;
  return text(v);
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
    const alert = notificationAlert(o);
    const labels = alert && isObject(alert.labels) ? alert.labels : null;
    const annotations = alert && isObject(alert.annotations) ? alert.annotations : null;
    let host = entity(o, HOST_PATHS, HOST_NAME_KEYS);
    if (!host.name && !host.obj && labels) host = entity(labels, [...HOST_PATHS, "nodename", "node", "instance"], HOST_NAME_KEYS);
    const user = entity(o, USER_PATHS, USER_NAME_KEYS).name ? entity(o, USER_PATHS, USER_NAME_KEYS) : labels ? entity(labels, USER_PATHS, USER_NAME_KEYS) : { name: null, obj: null };
    let hostName = withoutPort(host.name);
    let hostIp = (host.obj ? HOST_IP_KEYS.map((k) => firstIp(host.obj![k])).find((x) => x) : null) ?? text(o.host_ip) ?? text(o.hostip) ?? null;
    // A host given only by its address (an Alertmanager scrape target) is still the host.
    if (hostName && !hostIp && classifyIp(hostName)) { hostIp = hostName; hostName = null; }
    return {
      title: title.value,
      titlePaths: TITLE_PATHS.join(", "),
      description: pickFirst(o, DESCRIPTION_PATHS.filter((p) => p !== title.path))?.value ?? annotations?.description ?? annotations?.summary,
      severity: firstMapped(
        genericSeverity(pick(o, "severity"), pick(o, "severity_scale") ?? pick(o, "severity_max")),
        priority(pick(o, "priority")),
        genericSeverity(pick(o, "alert.severity")),
        priority(pick(o, "alert.priority")),
        genericSeverity(pick(o, "commonLabels.severity")),
        genericSeverity(labels?.severity),
        genericSeverity(pick(o, "level")),
        riskScore(pick(o, "risk_score") ?? pick(o, "risk") ?? pick(o, "score")),
      ),
      time: pickFirst(o, TIME_PATHS)?.value ?? alert?.startsAt,
      vendor: null,
      product: pickFirst(o, ["source", "product", "tool", "vendor"])?.value,
      hostName,
      hostIp,
      userName: user.name,
      assets: [hostName, hostIp],
      iocs: [
        ...iocHints(o), ...(labels ? iocHints(labels) : []),
      ],
      scanRaw: true,
      mitre: [labels?.technique, labels?.mitre, pick(o, "mitre"), pick(o, "technique"), pick(o, "techniques"), pick(o, "technique_id"), pick(o, "mitre_attack"), pick(o, "tags")],
      mitreTypes: [pick(o, "type"), pick(o, "category"), pick(o, "rule.name"), labels?.alertname],
      tactics: [pick(o, "tactic")],
      sourceId: pickFirst(o, ["id", "alert_id", "uuid", "fingerprint", "alert.id"])?.value ?? alert?.fingerprint,
      categoryText: [pick(o, "category"), pick(o, "type"), pick(o, "tags")],
      context: { category: pick(o, "category"), type: pick(o, "type"), status: pick(o, "status"), tags: pick(o, "tags"), action: pick(o, "action"), outcome: pick(o, "outcome") },
    };
  },
};
