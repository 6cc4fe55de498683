// CrowdStrike Falcon streaming detections: DetectionSummaryEvent (Severity 1-5) and the EPP
// variant (Severity 0-100); SeverityName decides (severity.ts). Hash fields are often all-zero
// placeholders (dropped by the IoC extractor). FalconHostLink is the console, never an IoC.
import type { FormatNormalizer } from "../draft.js";
import { at, field, freeText, jsonObject } from "../hints.js";
import { isObject, objects, pick, str, text } from "../paths.js";
import { crowdstrikeSeverity } from "../severity.js";

const EVENT_TYPES = new Set(["detectionsummaryevent", "eppdetectionsummaryevent"]);

export const crowdstrike: FormatNormalizer = {
  id: "crowdstrike",
  detect(doc) {
    const o = jsonObject(doc);
    const t = str(pick(o, "metadata.eventType"));
    return !!o && isObject(o.event) && !!t && EVENT_TYPES.has(t.toLowerCase());
  },
  map(doc) {
    const o = jsonObject(doc);
    if (!o || !isObject(o.event)) return "expected {metadata: {eventType}, event: {...}}";
    const e = o.event;
    const iocType = str(e.IOCType)?.toLowerCase();
    const iocKind = iocType === "domain" ? "domain" : iocType?.startsWith("hash") ? "hash" : iocType === "ipv4" || iocType === "ipv6" ? "ip" : "auto";
    const network = objects(e.NetworkAccesses);
    const mitreAttack = objects(e.MitreAttack);
    const user = str(e.UserName);
    return {
      title: str(e.DetectName) ?? str(e.Name),
      titlePaths: "event.DetectName, event.Name",
      description: str(e.DetectDescription) ?? str(e.Description) ?? undefined,
      severity: crowdstrikeSeverity(e.SeverityName, e.Severity),
      time: pick(o, "metadata.eventCreationTime") ?? e.ProcessStartTime,
      vendor: "CrowdStrike",
      product: "Falcon",
      hostName: e.ComputerName ?? e.Hostname ?? pick(e, "device.hostname"),
      hostIp: e.LocalIP ?? e.LocalIp ?? pick(e, "device.local_ip"),
      // UserName exactly as Falcon sends it; the logon domain is context, not part of the name.
      userName: user,
      assets: [e.ComputerName ?? e.Hostname],
      iocs: [
        at(o, "event.SHA256String", "sha256"),
        at(o, "event.SHA1String", "sha1"),
        at(o, "event.MD5String", "md5"),
        field("event.IOCValue", e.IOCValue, iocKind, iocKind === "domain" ? "destination" : null),
        // ConnectionDirection 0 outbound (the remote end was contacted), 1 inbound (it connected in).
        field("event.NetworkAccesses[].RemoteAddress", network.filter((n) => String(n.ConnectionDirection) !== "1").map((n) => n.RemoteAddress), "ip", "destination"),
        field("event.NetworkAccesses[].RemoteAddress", network.filter((n) => String(n.ConnectionDirection) === "1").map((n) => n.RemoteAddress), "ip", "source"),
        field("event.DnsRequests[].DomainName", objects(e.DnsRequests).map((d) => d.DomainName), "domain", "destination"),
        freeText("event.CommandLine", e.CommandLine),
        freeText("event.ParentCommandLine", e.ParentCommandLine),
        freeText("event.GrandparentCommandLine", e.GrandparentCommandLine),
      ],
      mitre: [mitreAttack.map((m) => m.TechniqueID), e.TechniqueId, e.TechniqueID, e.Technique],
      tactics: [mitreAttack.map((m) => m.Tactic), e.Tactic],
      // DetectId (legacy) / CompositeId (EPP); metadata.offset is only unique per stream.
      sourceId: e.CompositeId ?? e.DetectId,
      categoryText: [e.Objective, e.Tactic, e.Technique, e.PatternDispositionDescription],
      intelMatch: typeof e.IOCType === "string" && e.IOCType !== "" ? true : undefined,
      // A hash indicator on a process that ran is execution, a domain lookup is not.
      executed: (iocKind === "hash" && !!str(e.CommandLine)) || undefined,
      mitreTypes: [e.Technique],
      context: {
        event_type: pick(o, "metadata.eventType"),
        customer_id: pick(o, "metadata.customerIDString"),
        severity_name: e.SeverityName,
        objective: e.Objective,
        technique_name: e.Technique,
        process: e.FileName,
        file_path: e.FilePath,
        command_line: e.CommandLine,
        parent_process: e.ParentImageFileName,
        sensor_id: e.SensorId ?? e.AgentId,
        machine_domain: e.MachineDomain,
        logon_domain: e.LogonDomain,
        pattern_disposition_value: e.PatternDispositionValue,
        prevented: isObject(e.PatternDispositionFlags) ? Object.entries(e.PatternDispositionFlags).filter(([k, v]) => v === true && /kill|quarantin|block|prevent/i.test(k)).map(([k]) => k) : undefined,
        pattern_disposition: e.PatternDispositionDescription,
        offset: text(pick(o, "metadata.offset")),
      },
    };
  },
};
