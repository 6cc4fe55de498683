// The proof of concept's own format: an envelope (alert_id, name, severity, source, timestamp,
// description, tactic, technique as MITRE *names*, raw_log) with every indicator inside the
// type-specific `details` object, never at the top level. affected_systems are hosts (assets),
// not indicators. Field names in details vary by alert type (endpoint / source_host / device).
import type { FieldHint } from "../../iocs/index.js";
import type { FormatNormalizer } from "../draft.js";
import { field, freeText, jsonObject } from "../hints.js";
import { arr, isObject, str, type JsonObject } from "../paths.js";
import { fromWord } from "../severity.js";

function roleFromKey(key: string): "source" | "destination" | null {
  if (/^(source|src|sender|attacker|client)_/.test(key)) return "source";
  if (/^(destination|dest|dst|target|remote|recipient|server)_/.test(key)) return "destination";
  return null;
}

/** details keys say what they hold: *_ip(s), *_domain, *_url, *hash*, *email*. */
function detailHints(details: JsonObject): FieldHint[] {
  const hints: FieldHint[] = [];
  for (const [key, value] of Object.entries(details)) {
    const path = `details.${key}`;
    const role = roleFromKey(key);
    if (/(^|_)ips?$/.test(key)) hints.push(field(path, value, "ip", role));
    else if (/(^|_)(domain|fqdn)s?$/.test(key)) hints.push(field(path, value, "domain", role ?? "destination"));
    else if (/(^|_)urls?$/.test(key)) hints.push(field(path, value, "url", role));
    else if (/sha256/.test(key)) hints.push(field(path, value, "sha256", role));
    else if (/sha1/.test(key)) hints.push(field(path, value, "sha1", role));
    else if (/md5/.test(key)) hints.push(field(path, value, "md5", role));
    else if (/hash/.test(key)) hints.push(field(path, value, "hash", role));
    else if (/e?mail/.test(key)) hints.push(field(path, value, "email", role));
  }
  return hints;
}

const HOST_KEYS = ["endpoint", "source_host", "device", "hostname", "host"];

export const seed: FormatNormalizer = {
  id: "seed",
  detect(doc) {
    const o = jsonObject(doc);
    return !!o && typeof o.alert_id === "string" && "name" in o && isObject(o.details) && "timestamp" in o;
  },
  map(doc) {
    const o = jsonObject(doc);
    if (!o) return "expected a JSON object";
    const details = isObject(o.details) ? o.details : {};
    const hostKey = HOST_KEYS.find((k) => str(details[k]));
    const affected = arr(o.affected_systems);
    const iocHints = detailHints(details);
    const iocKeys = new Set(iocHints.map((h) => h.path.slice("details.".length)));
    // Everything else in details is analyst context (user_role, failed_attempts, scanned_ports, ...), names kept as sent.
    const context: Record<string, unknown> = { source_system: o.source };
    for (const [k, v] of Object.entries(details)) {
      if (k === "user" || hostKey === k || iocKeys.has(k)) continue;
      context[k] = v;
    }
    const hostIpKey = hostKey === "source_host" ? "source_ip" : null;
    return {
      title: o.name,
      titlePaths: "name",
      description: o.description,
      severity: fromWord(o.severity),
      time: o.timestamp,
      vendor: null,
      product: str(o.source),
      hostName: hostKey ? details[hostKey] : affected.find((x) => typeof x === "string"),
      hostIp: hostIpKey ? details[hostIpKey] : null,
      userName: details.user,
      assets: [...affected, hostKey ? details[hostKey] : undefined],
      iocs: [...iocHints, freeText("description", o.description), freeText("raw_log", o.raw_log)],
      mitre: [o.technique, o.technique_id],
      tactics: [o.tactic],
      sourceId: o.alert_id,
      categoryText: [o.source, details.malware_type, details.scan_type, o.tactic],
      context,
    };
  },
};
