// Microsoft Sentinel: SecurityAlert rows (Entities and ExtendedProperties are JSON strings
// inside JSON; Techniques is a JSON-array string) and ARM incidents. Severity stops at High.
import type { FieldHint } from "../../iocs/index.js";
import type { FormatNormalizer } from "../draft.js";
import { field, freeText, jsonObject, linkFreeText } from "../hints.js";
import { embeddedJson, isObject, objects, pick, str, type JsonObject } from "../paths.js";
import { fromWord } from "../severity.js";

function isIncident(o: JsonObject): boolean {
  return typeof o.type === "string" && o.type.toLowerCase() === "microsoft.securityinsights/incidents" && isObject(o.properties);
}
/** The Sentinel incident trigger (Logic Apps / automation rules) wraps the incident in `object`. */
function incidentOf(o: JsonObject): JsonObject | null {
  if (isIncident(o)) return o;
  if (isObject(o.object) && isIncident(o.object)) return o.object;
  return null;
}

/**
 * Incident entities (relatedEntities in the incident trigger, or the …/entities API): `kind` +
 * camelCase `properties`. Converted to the SecurityAlert entity shape (Type + PascalCase) so one
 * reader serves both.
 */
function fromIncidentEntity(e: JsonObject): JsonObject {
  const p = isObject(e.properties) ? e.properties : {};
  const kind = String(e.kind ?? "").toLowerCase();
  const type = kind === "dnsresolution" ? "dns" : kind;
  const out: JsonObject = { Type: type };
  for (const [k, v] of Object.entries(p)) out[k.charAt(0).toUpperCase() + k.slice(1)] = v;
  if (type === "account") { out.Name = p.accountName; out.UPNSuffix = p.upnSuffix; out.NTDomain = p.ntDomain; }
  if (type === "filehash" && p.hashValue !== undefined) out.Value = p.hashValue;
  if (type === "ip" && p.address !== undefined) out.Address = p.address;
  return out;
}

/** Entities nest others (a dns entity's IpAddresses, a host's Ips): flatten them, once each. */
function flattenEntities(list: JsonObject[]): JsonObject[] {
  const out: JsonObject[] = [];
  const seen = new Set<JsonObject>();
  const visit = (e: JsonObject, depth: number) => {
    if (seen.has(e) || depth > 4 || out.length > 500) return;
    seen.add(e);
    if (typeof e.Type === "string") out.push(e);
    for (const v of Object.values(e)) for (const child of objects(v)) if (typeof child.Type === "string") visit(child, depth + 1);
  };
  for (const e of list) visit(e, 0);
  return out;
}
function isAlertRow(o: JsonObject): boolean {
  return typeof o.SystemAlertId === "string" && typeof o.AlertName === "string";
}

/**
 * Sentinel entities carry no direction. It follows from what the alert is about (its tactics,
 * or its name): an outside address in a sign-in, spraying or reconnaissance alert is the source;
 * in command-and-control or exfiltration it was contacted (destination). URLs and domains are
 * what was contacted. Anything else stays null.
 */
export type EntityDirection = { ip: "source" | "destination" | null; contacted: "destination" };
function directionOf(tactics: string, name: string): EntityDirection {
  const t = `${tactics} ${name}`;
  if (/commandandcontrol|command and control|exfiltration|\bc2\b|beacon/i.test(t)) return { ip: "destination", contacted: "destination" };
  if (/initialaccess|credentialaccess|reconnaissance|initial access|credential access|sign-?in|log-?on|login|brute|spray|mfa|password|impossible travel/i.test(t)) return { ip: "source", contacted: "destination" };
  return { ip: null, contacted: "destination" };
}

function entityHints(entities: JsonObject[], dir: EntityDirection = { ip: null, contacted: "destination" }): { hints: FieldHint[]; host: unknown; user: unknown; hosts: unknown[] } {
  const hints: FieldHint[] = [];
  let host: unknown; let user: unknown;
  const hosts: unknown[] = [];
  entities.forEach((e, i) => {
    const p = `Entities[${i}]`;
    switch (String(e.Type ?? "").toLowerCase()) {
      case "ip": hints.push(field(`${p}.Address`, e.Address, "ip", dir.ip)); break;
      case "url": hints.push(field(`${p}.Url`, e.Url, "url", dir.contacted)); break;
      case "dns": hints.push(field(`${p}.DomainName`, e.DomainName, "domain", dir.contacted)); break;
      case "filehash": hints.push(field(`${p}.Value`, e.Value, "hash")); break;
      case "file": hints.push(...objects(e.FileHashes).map((h, j) => field(`${p}.FileHashes[${j}].Value`, h.Value, "hash"))); break;
      case "mailmessage": hints.push(field(`${p}.Sender`, e.Sender ?? e.P1Sender, "email", "source"), field(`${p}.SenderIP`, e.SenderIP, "ip", "source"), field(`${p}.Urls`, e.Urls, "url")); break;
      case "host": {
        const short = str(e.HostName) ?? str(e.NetBiosName);
        const name = short ? (str(e.DnsDomain) ? `${short}.${str(e.DnsDomain)}` : short) : null;
        host ??= name; hosts.push(name);
        break;
      }
      case "account": {
        const name = str(e.Name);
        user ??= name && str(e.UPNSuffix) ? `${name}@${str(e.UPNSuffix)}` : name && str(e.NTDomain) ? `${str(e.NTDomain)}\\${name}` : name;
        break;
      }
      case "process": hints.push(freeText(`${p}.CommandLine`, e.CommandLine)); break;
      case "mailbox": hints.push(field(`${p}.MailboxPrimaryAddress`, e.MailboxPrimaryAddress, "email", "destination")); break;
      default: break;
    }
  });
  return { hints, host, user, hosts };
}

export const sentinel: FormatNormalizer = {
  id: "sentinel",
  detect(doc) {
    const o = jsonObject(doc);
    return !!o && (incidentOf(o) !== null || isAlertRow(o));
  },
  map(doc) {
    const o = jsonObject(doc);
    if (!o) return "expected a JSON object";
    const incident = incidentOf(o);
    if (incident) {
      const p = incident.properties as JsonObject;
      const tactics = pick(p, "additionalData.tactics");
      const related = entityHints(flattenEntities(objects(p.relatedEntities).map(fromIncidentEntity)), directionOf(Array.isArray(tactics) ? tactics.join(" ") : String(tactics ?? ""), String(p.title ?? "")));
      return {
        title: p.title,
        titlePaths: "properties.title",
        description: p.description,
        severity: fromWord(p.severity),
        time: p.firstActivityTimeUtc ?? p.createdTimeUtc,
        vendor: "Microsoft",
        product: "Microsoft Sentinel",
        hostName: related.host,
        userName: related.user,
        assets: related.hosts,
        iocs: [...related.hints, freeText("properties.description", p.description)],
        mitre: [pick(p, "additionalData.techniques")],
        tactics: [pick(p, "additionalData.tactics")],
        sourceId: incident.name ?? incident.id,
        categoryText: [pick(p, "additionalData.alertProductNames")],
        context: { incident_number: p.incidentNumber, status: p.status, provider_incident_id: p.providerIncidentId, alerts_count: pick(p, "additionalData.alertsCount"), classification: p.classification },
      };
    }
    const entities = embeddedJson(o.Entities);
    if (o.Entities !== undefined && entities === undefined) return "Entities is not valid JSON (expected a JSON-encoded array of entities)";
    const ext = embeddedJson(o.ExtendedProperties);
    const { hints, host, user, hosts } = entityHints(flattenEntities(objects(entities)), directionOf(String(o.Tactics ?? ""), String(o.AlertName ?? "")));
    const extObj = isObject(ext) ? ext : {};
    return {
      title: o.AlertName ?? o.DisplayName,
      titlePaths: "AlertName, DisplayName",
      description: o.Description,
      severity: fromWord(o.AlertSeverity),
      time: o.StartTime ?? o.TimeGenerated,
      vendor: str(o.VendorName) ?? "Microsoft",
      product: str(o.ProductName) ?? "Microsoft Sentinel",
      hostName: host ?? o.CompromisedEntity,
      userName: user,
      assets: [...hosts, o.CompromisedEntity],
      iocs: [...hints, freeText("Description", o.Description), // The analytic rule's query lists exclusions as often as indicators: not read.
        ...linkFreeText("ExtendedProperties", Object.fromEntries(Object.entries(extObj).filter(([k]) => !/query/i.test(k))))],
      mitre: [embeddedJson(o.Techniques) ?? o.Techniques, o.SubTechniques],
      tactics: [typeof o.Tactics === "string" ? o.Tactics.split(",").map((t) => t.trim()) : o.Tactics],
      sourceId: o.SystemAlertId,
      categoryText: [o.AlertType, extObj["Query"]],
      context: {
        alert_type: o.AlertType,
        status: o.Status,
        remediation_steps: typeof o.RemediationSteps === "string" ? o.RemediationSteps : undefined,
        vendor_original_id: o.VendorOriginalId,
        provider_name: o.ProviderName,
        compromised_entity: o.CompromisedEntity,
        analytic_rule: extObj["Analytic Rule Name"],
        query_period: extObj["Query Period"],
        trigger_threshold: extObj["Trigger Threshold"],
        search_query_results_overall_count: extObj["Search Query Results Overall Count"],
      },
    };
  },
};
