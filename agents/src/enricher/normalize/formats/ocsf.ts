// OCSF events: Detection Finding (2004), Authentication (3002), and other classes mapped by
// their category_uid. Severity: severity_id (severity.ts). Time: epoch milliseconds.
import type { FieldHint } from "../../iocs/index.js";
import type { AlertCategory } from "@secops/contracts";
import type { FormatNormalizer } from "../draft.js";
import { field, freeText, jsonObject } from "../hints.js";
import { isObject, num, numeric, objects, pick, pickFirst, str } from "../paths.js";
import { ocsfSeverity } from "../severity.js";
import { classifyIp } from "../../iocs/index.js";

const HASH_ALGORITHMS: Record<number, "md5" | "sha1" | "sha256"> = { 1: "md5", 2: "sha1", 3: "sha256" };
// observables[].type_id → what the value is.
const OBSERVABLE_TYPES: Record<number, FieldHint["type"]> = { 1: "domain", 2: "ip", 5: "email", 6: "url", 8: "hash" };

function hashHints(prefix: string, hashes: unknown): FieldHint[] {
  return objects(hashes).map((h, i) => field(`${prefix}[${i}].value`, h.value, HASH_ALGORITHMS[numeric(h.algorithm_id) ?? 0] ?? "hash"));
}

function endpointHints(prefix: string, ep: unknown, role: "source" | "destination"): FieldHint[] {
  return [field(`${prefix}.ip`, pick(ep, "ip"), "ip", role), field(`${prefix}.domain`, pick(ep, "domain"), "domain", role)];
}

export const ocsf: FormatNormalizer = {
  id: "ocsf",
  detect(doc) {
    const o = jsonObject(doc);
    return !!o && num(o.class_uid) !== null && isObject(o.metadata) && (typeof pick(o, "metadata.version") === "string" || isObject(pick(o, "metadata.product")));
  },
  map(doc) {
    const o = jsonObject(doc);
    if (!o || num(o.class_uid) === null) return "expected an OCSF event with a numeric class_uid";
    const classUid = num(o.class_uid)!;
    const evidences = objects(o.evidences);
    const hints: FieldHint[] = [
      field("src_endpoint.ip", pick(o, "src_endpoint.ip"), "ip", "source"),
      ...endpointHints("dst_endpoint", o.dst_endpoint, "destination"),
      // DNS Activity (4003) and HTTP Activity (4002) carry the name and URL at the top level.
      field("query.hostname", pick(o, "query.hostname"), "domain", "destination"),
      field("http_request.url.url_string", pick(o, "http_request.url.url_string"), "url", "destination"),
      field("url.url_string", pick(o, "url.url_string"), "url", "destination"),
    ];
    evidences.forEach((e, i) => {
      const p = `evidences[${i}]`;
      hints.push(
        ...endpointHints(`${p}.src_endpoint`, e.src_endpoint, "source"),
        ...endpointHints(`${p}.dst_endpoint`, e.dst_endpoint, "destination"),
        field(`${p}.query.hostname`, pick(e, "query.hostname"), "domain", "destination"),
        field(`${p}.url.url_string`, pick(e, "url.url_string"), "url", "destination"),
        ...hashHints(`${p}.file.hashes`, pick(e, "file.hashes")),
        ...hashHints(`${p}.process.file.hashes`, pick(e, "process.file.hashes")),
        freeText(`${p}.process.cmd_line`, pick(e, "process.cmd_line")),
      );
    });
    objects(o.observables).forEach((ob, i) => {
      const t = OBSERVABLE_TYPES[numeric(ob.type_id) ?? 0];
      // observables[].name is the attribute path ("src_endpoint.ip"): it gives the direction.
      const name = str(ob.name) ?? "";
      const role = /^(src_endpoint|actor|client)/.test(name) ? "source" : /^(dst_endpoint|server|query|url|http_request)/.test(name) ? "destination" : null;
      if (t) hints.push(field(`observables[${i}].value`, ob.value, t, role));
    });
    const attacks = objects(pick(o, "finding_info.attacks")).concat(objects(o.attacks));
    const statusId = numeric(o.status_id);
    // status_id means an outcome for activity classes (1 Success, 2 Failure) but a workflow state
    // for findings (category 2: 1 New, 2 In Progress, 3 Suppressed, 4 Resolved, 5 Archived).
    const isFinding = numeric(o.category_uid) === 2 || (classUid >= 2000 && classUid < 3000);
    const FINDING_STATUS: Record<number, string> = { 1: "new", 2: "in_progress", 3: "suppressed", 4: "resolved", 5: "archived" };
    const outcome = isFinding
      ? (statusId !== null ? FINDING_STATUS[statusId] : undefined) ?? str(o.status)
      : statusId === 1 ? "succeeded" : statusId === 2 ? "failed" : str(o.status);
    // The affected host: the reporting device, else the internal side of the traffic (the
    // source of outbound activity, the destination of inbound), else an evidence's target.
    const internal = (ip: unknown) => typeof ip === "string" && classifyIp(ip)?.internal === true;
    const srcEp = isObject(o.src_endpoint) ? o.src_endpoint : null;
    const dstEp = isObject(o.dst_endpoint) ? o.dst_endpoint : null;
    const netSide = internal(pick(dstEp, "ip")) && !(internal(pick(srcEp, "ip")) && /outbound/i.test(String(pick(o, "connection_info.direction") ?? ""))) ? dstEp : internal(pick(srcEp, "ip")) ? srcEp : null;
    // OCSF 1.0 Security Finding (2001) used `finding` where 1.1+ classes use `finding_info`.
    let title: unknown = pick(o, "finding_info.title") ?? pick(o, "finding.title");
    let titlePaths = "finding_info.title";
    let category: AlertCategory | undefined;
    if (classUid === 3002) {
      category = "authentication";
      const activity = str(o.activity_name) ?? "Authentication";
      title = str(o.message) ?? `${activity}${outcome ? ` ${outcome}` : ""}${str(pick(o, "user.name")) ? ` for ${str(pick(o, "user.name"))}` : ""}`;
      titlePaths = "message, activity_name";
    } else if (classUid !== 2004) {
      title = pickFirst(o, ["finding_info.title", "finding.title", "message", "class_name", "type_name"])?.value;
      titlePaths = "finding_info.title, message, class_name, type_name";
    }
    return {
      title,
      titlePaths,
      description: str(pick(o, "finding_info.desc")) ?? str(pick(o, "finding.desc")) ?? str(o.message) ?? str(o.status_detail) ?? undefined,
      severity: ocsfSeverity(o.severity_id, o.severity),
      time: o.time ?? o.time_dt ?? pick(o, "finding_info.first_seen_time"),
      vendor: str(pick(o, "metadata.product.vendor_name")) ?? "OCSF",
      product: pick(o, "metadata.product.name"),
      hostName: classUid === 3002 ? (pick(o, "dst_endpoint.hostname") ?? pick(o, "device.hostname")) : (pick(o, "device.hostname") ?? pick(netSide, "hostname") ?? evidences.map((e) => pick(e, "dst_endpoint.hostname")).find(Boolean)),
      hostIp: pick(o, "device.ip") ?? (classUid === 3002 ? pick(o, "dst_endpoint.ip") : pick(netSide, "ip")),
      userName: pick(o, "user.name") ?? pick(o, "actor.user.name") ?? evidences.map((e) => pick(e, "actor.user.name") ?? pick(e, "user.name")).find(Boolean),
      assets: [pick(o, "device.hostname"), ...objects(o.resources).map((r) => r.name ?? r.uid)],
      iocs: hints,
      mitre: [attacks.map((a) => pick(a, "sub_technique.uid") ?? pick(a, "technique.uid")), attacks.map((a) => pick(a, "technique.uid"))],
      tactics: [attacks.map((a) => pick(a, "tactic.name"))],
      sourceId: pickFirst(o, ["finding_info.uid", "finding.uid", "metadata.uid"])?.value,
      category,
      categoryText: [o.class_name, o.category_name, pick(o, "finding_info.types"), o.type_name, o.message],
      mitreTypes: [pick(o, "finding_info.types"), pick(o, "finding.types")],
      context: {
        class_uid: classUid,
        class_name: o.class_name,
        category_uid: o.category_uid,
        activity: o.activity_name,
        status: outcome,
        status_detail: o.status_detail,
        is_mfa: o.is_mfa,
        logon_type: o.logon_type,
        auth_protocol: o.auth_protocol,
        service: pick(o, "service.name"),
        user_email: pick(o, "user.email_addr"),
        ocsf_version: pick(o, "metadata.version"),
        comment: o.comment,
        // disposition_id (security_control profile): 1 Allowed, 2 Blocked, 3 Quarantined, 4 Isolated, 5 Deleted, 6 Dropped, ...
        disposition: o.disposition ?? ({ 1: "Allowed", 2: "Blocked", 3: "Quarantined", 4: "Isolated", 5: "Deleted", 6: "Dropped", 7: "Custom Action", 8: "Approved", 9: "Restored", 10: "Exonerated", 11: "Corrected", 12: "Partially Corrected", 13: "Uncorrected", 14: "Delayed", 15: "Detected", 16: "No Action", 17: "Logged", 18: "Tagged", 19: "Alert" } as Record<number, string>)[numeric(o.disposition_id) ?? -1],
        action: o.action,
        direction: pick(o, "connection_info.direction"),
        bytes_out: pick(o, "traffic.bytes_out"),
      },
    };
  },
};
