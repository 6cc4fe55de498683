// Microsoft Graph security alert v2 / Defender XDR. Indicators live in evidence[] typed by
// @odata.type; direction comes only from evidence roles. Severity stops at "high" (no critical).
import type { FieldHint } from "../../iocs/index.js";
import type { FormatNormalizer } from "../draft.js";
import { field, freeText, jsonObject } from "../hints.js";
import { arr, isObject, objects, pick, str, type JsonObject } from "../paths.js";
import { fromWord } from "../severity.js";

function evidenceType(e: JsonObject): string {
  return (str(e["@odata.type"]) ?? "").replace(/^#microsoft\.graph\.security\./, "").toLowerCase();
}

function roleOf(e: JsonObject): "source" | "destination" | null {
  const roles = arr(e.roles).filter((r): r is string => typeof r === "string").map((r) => r.toLowerCase());
  if (roles.some((r) => ["attacker", "source", "commandandcontrol"].includes(r))) return roles.includes("commandandcontrol") ? "destination" : "source";
  if (roles.some((r) => ["destination", "compromised", "victim"].includes(r))) return "destination";
  return null;
}

export const defender: FormatNormalizer = {
  id: "defender",
  detect(doc) {
    const o = jsonObject(doc);
    return !!o && (o["@odata.type"] === "#microsoft.graph.security.alert" || (typeof o.serviceSource === "string" && Array.isArray(o.evidence)));
  },
  map(doc) {
    const o = jsonObject(doc);
    if (!o) return "expected a JSON object";
    const evidence = objects(o.evidence);
    const hints: FieldHint[] = [];
    let hostName: unknown; let hostIp: unknown; let userName: unknown;
    const assets: unknown[] = [];
    evidence.forEach((e, i) => {
      const p = `evidence[${i}]`;
      const role = roleOf(e);
      switch (evidenceType(e)) {
        case "ipevidence": hints.push(field(`${p}.ipAddress`, e.ipAddress, "ip", role)); break;
        case "urlevidence": hints.push(field(`${p}.url`, e.url, "url", role)); break;
        case "deviceevidence":
          hostName ??= e.deviceDnsName; assets.push(e.deviceDnsName);
          hostIp ??= arr(e.ipInterfaces).find((x) => typeof x === "string");
          break;
        case "userevidence": userName ??= pick(e, "userAccount.userPrincipalName") ?? pick(e, "userAccount.accountName"); break;
        case "fileevidence":
          hints.push(field(`${p}.fileDetails.sha256`, pick(e, "fileDetails.sha256"), "sha256"), field(`${p}.fileDetails.sha1`, pick(e, "fileDetails.sha1"), "sha1"), field(`${p}.fileDetails.md5`, pick(e, "fileDetails.md5"), "md5"));
          break;
        case "processevidence":
          hints.push(field(`${p}.imageFile.sha256`, pick(e, "imageFile.sha256"), "sha256"), field(`${p}.imageFile.sha1`, pick(e, "imageFile.sha1"), "sha1"), freeText(`${p}.processCommandLine`, e.processCommandLine));
          userName ??= pick(e, "userAccount.accountName");
          break;
        case "analyzedmessageevidence":
          hints.push(field(`${p}.senderIp`, e.senderIp, "ip", "source"), field(`${p}.p1Sender.emailAddress`, pick(e, "p1Sender.emailAddress"), "email", "source"), field(`${p}.urls`, e.urls, "url"));
          break;
        case "mailboxevidence": hints.push(field(`${p}.primaryAddress`, e.primaryAddress, "email", "destination")); break;
        default: break;
      }
    });
    return {
      title: o.title,
      titlePaths: "title",
      description: o.description,
      severity: fromWord(o.severity),
      time: o.firstActivityDateTime ?? o.createdDateTime,
      vendor: "Microsoft",
      product: str(o.serviceSource) ?? str(o.productName) ?? "Microsoft Defender XDR",
      hostName,
      hostIp,
      userName,
      assets,
      iocs: hints,
      mitre: [o.mitreTechniques],
      tactics: [o.category],
      sourceId: o.id ?? o.providerAlertId,
      categoryText: [o.category, o.threatDisplayName, o.threatFamilyName],
      mitreTypes: [o.threatDisplayName],
      context: {
        incident_id: o.incidentId,
        detection_source: o.detectionSource,
        service_source: o.serviceSource,
        kill_chain_category: o.category,
        threat_family: o.threatFamilyName,
        status: o.status,
        classification: o.classification,
        determination: o.determination,
        detector_id: o.detectorId,
        actor_display_name: o.actorDisplayName,
        has_evidence: isObject(evidence[0]),
      },
    };
  },
};
