// Microsoft Graph security alert v2 / Defender XDR. Indicators live in evidence[] typed by
// @odata.type; direction comes from evidence roles, else from the alert's kill-chain category
// (roleOf). Severity stops at "high" (no critical).
import type { FieldHint } from "../../iocs/index.js";
import type { FormatNormalizer } from "../draft.js";
import { field, freeText, jsonObject } from "../hints.js";
import { arr, isObject, objects, pick, str, type JsonObject } from "../paths.js";
import { fromWord } from "../severity.js";
import { classifyIp } from "../../iocs/index.js";

function evidenceType(e: JsonObject): string {
  return (str(e["@odata.type"]) ?? "").replace(/^#microsoft\.graph\.security\./, "").toLowerCase();
}

/**
 * Direction from the evidence roles (Graph alertEvidence `roles`): attacker/source → source,
 * commandAndControl/destination/attacked/compromised → destination. Evidence without a role is
 * read from the alert's kill-chain category: an outside address in an InitialAccess,
 * CredentialAccess or Reconnaissance alert came in (source); in CommandAndControl or
 * Exfiltration it was contacted (destination). A URL or domain is something contacted.
 */
function roleOf(e: JsonObject, category: string, kind: "ip" | "url" | "domain"): "source" | "destination" | null {
  const roles = arr(e.roles).filter((r): r is string => typeof r === "string").map((r) => r.toLowerCase());
  if (roles.includes("commandandcontrol")) return "destination";
  if (roles.some((r) => ["attacker", "source"].includes(r))) return "source";
  if (roles.some((r) => ["destination", "compromised", "victim", "attacked"].includes(r))) return "destination";
  if (kind !== "ip") return "destination";
  if (/^(initialaccess|credentialaccess|reconnaissance|suspiciousactivity)$/i.test(category)) return "source";
  if (/^(commandandcontrol|exfiltration)$/i.test(category)) return "destination";
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
    let hostName: unknown; let hostIp: unknown; let userName: unknown; let mailUser: unknown;
    const assets: unknown[] = [];
    const category = str(o.category) ?? "";
    evidence.forEach((e, i) => {
      const p = `evidence[${i}]`;
      switch (evidenceType(e)) {
        case "ipevidence": hints.push(field(`${p}.ipAddress`, e.ipAddress, "ip", roleOf(e, category, "ip"))); break;
        case "urlevidence": hints.push(field(`${p}.url`, e.url, "url", roleOf(e, category, "url"))); break;
        case "dnsevidence":
          hints.push(field(`${p}.domainName`, e.domainName, "domain", roleOf(e, category, "domain")), field(`${p}.hostIpAddress.ipAddress`, pick(e, "hostIpAddress.ipAddress"), "ip", "destination"));
          break;
        case "networkconnectionevidence":
          hints.push(field(`${p}.sourceAddress.ipAddress`, pick(e, "sourceAddress.ipAddress"), "ip", "source"), field(`${p}.destinationAddress.ipAddress`, pick(e, "destinationAddress.ipAddress"), "ip", "destination"));
          break;
        case "nicevidence": hostIp ??= pick(e, "ipAddress.ipAddress"); break;
        case "deviceevidence": {
          const name = e.deviceDnsName ?? e.hostName ?? e.netBiosName;
          hostName ??= name; assets.push(name);
          hostIp ??= arr(e.ipInterfaces).find((x) => typeof x === "string");
          break;
        }
        case "userevidence": userName ??= pick(e, "userAccount.userPrincipalName") ?? pick(e, "userAccount.accountName"); break;
        case "fileevidence":
          hints.push(field(`${p}.fileDetails.sha256`, pick(e, "fileDetails.sha256"), "sha256"), field(`${p}.fileDetails.sha1`, pick(e, "fileDetails.sha1"), "sha1"), field(`${p}.fileDetails.md5`, pick(e, "fileDetails.md5"), "md5"));
          break;
        case "processevidence":
          hints.push(field(`${p}.imageFile.sha256`, pick(e, "imageFile.sha256"), "sha256"), field(`${p}.imageFile.sha1`, pick(e, "imageFile.sha1"), "sha1"), freeText(`${p}.processCommandLine`, e.processCommandLine));
          userName ??= pick(e, "userAccount.accountName");
          break;
        case "analyzedmessageevidence":
          // Links in a message are what a recipient would open: destinations.
          mailUser ??= e.recipientEmailAddress;
          hints.push(field(`${p}.senderIp`, e.senderIp, "ip", "source"), field(`${p}.p1Sender.emailAddress`, pick(e, "p1Sender.emailAddress"), "email", "source"),
            field(`${p}.p2Sender.emailAddress`, pick(e, "p2Sender.emailAddress"), "email", "source"), field(`${p}.urls`, e.urls, "url", "destination"));
          break;
        case "mailboxevidence":
          hints.push(field(`${p}.primaryAddress`, e.primaryAddress, "email", "destination"));
          // The mailbox's owner is the account involved in a mail alert (when no userEvidence says otherwise).
          mailUser ??= pick(e, "userAccount.userPrincipalName") ?? e.primaryAddress;
          break;
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
      // No device evidence: an internal address in the evidence is the host, known only by its IP.
      hostIp: hostIp ?? (hostName ? undefined : evidence.filter((e) => evidenceType(e) === "ipevidence").map((e) => str(e.ipAddress)).find((ip) => !!ip && classifyIp(ip)?.internal)),
      userName: userName ?? mailUser,
      assets,
      iocs: [...hints, freeText("description", o.description)],
      mitre: [o.mitreTechniques],
      tactics: [o.category],
      sourceId: o.id ?? o.providerAlertId,
      categoryText: [o.category, o.threatDisplayName, o.threatFamilyName],
      executed: evidence.some((e) => evidenceType(e) === "processevidence") || undefined,
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
        remediation_status: evidence.map((e) => e.remediationStatus).filter((x): x is string => typeof x === "string" && x !== "none"),
        detection_status: evidence.map((e) => e.detectionStatus).filter((x): x is string => typeof x === "string"),
        comments: arr(o.comments).map((c) => (isObject(c) ? c.comment : undefined)).filter((x): x is string => typeof x === "string"),
      },
    };
  },
};
