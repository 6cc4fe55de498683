// Microsoft Sentinel: SecurityAlert rows (Entities and ExtendedProperties are JSON strings
// inside JSON; Techniques is a JSON-array string) and ARM incidents. Severity stops at High.
import type { FieldHint } from "../../iocs/index.js";
import type { FormatNormalizer } from "../draft.js";
import { field, freeText, jsonObject } from "../hints.js";
import { embeddedJson, isObject, objects, pick, str, type JsonObject } from "../paths.js";
import { fromWord } from "../severity.js";

function isIncident(o: JsonObject): boolean {
  return typeof o.type === "string" && o.type.toLowerCase() === "microsoft.securityinsights/incidents" && isObject(o.properties);
}
function isAlertRow(o: JsonObject): boolean {
  return typeof o.SystemAlertId === "string" && typeof o.AlertName === "string";
}

function entityHints(entities: JsonObject[]): { hints: FieldHint[]; host: unknown; user: unknown; hosts: unknown[] } {
  const hints: FieldHint[] = [];
  let host: unknown; let user: unknown;
  const hosts: unknown[] = [];
  entities.forEach((e, i) => {
    const p = `Entities[${i}]`;
    switch (String(e.Type ?? "").toLowerCase()) {
      case "ip": hints.push(field(`${p}.Address`, e.Address, "ip")); break;
      case "url": hints.push(field(`${p}.Url`, e.Url, "url")); break;
      case "dns": hints.push(field(`${p}.DomainName`, e.DomainName, "domain")); break;
      case "filehash": hints.push(field(`${p}.Value`, e.Value, "hash")); break;
      case "mailbox": hints.push(field(`${p}.MailboxPrimaryAddress`, e.MailboxPrimaryAddress, "email", "destination")); break;
      case "host": {
        const name = str(e.HostName) ? (str(e.DnsDomain) ? `${str(e.HostName)}.${str(e.DnsDomain)}` : str(e.HostName)) : null;
        host ??= name; hosts.push(name);
        break;
      }
      case "account": {
        const name = str(e.Name);
        user ??= name && str(e.UPNSuffix) ? `${name}@${str(e.UPNSuffix)}` : name && str(e.NTDomain) ? `${str(e.NTDomain)}\\${name}` : name;
        break;
      }
      case "process": hints.push(freeText(`${p}.CommandLine`, e.CommandLine)); break;
      default: break;
    }
  });
  return { hints, host, user, hosts };
}

export const sentinel: FormatNormalizer = {
  id: "sentinel",
  detect(doc) {
    const o = jsonObject(doc);
    return !!o && (isIncident(o) || isAlertRow(o));
  },
  map(doc) {
    const o = jsonObject(doc);
    if (!o) return "expected a JSON object";
    if (isIncident(o)) {
      const p = o.properties as JsonObject;
      return {
        title: p.title,
        titlePaths: "properties.title",
        description: p.description,
        severity: fromWord(p.severity),
        time: p.firstActivityTimeUtc ?? p.createdTimeUtc,
        vendor: "Microsoft",
        product: "Microsoft Sentinel",
        iocs: [freeText("properties.description", p.description)],
        mitre: [pick(p, "additionalData.techniques")],
        tactics: [pick(p, "additionalData.tactics")],
        sourceId: o.name ?? o.id,
        categoryText: [pick(p, "additionalData.alertProductNames")],
        context: { incident_number: p.incidentNumber, status: p.status, provider_incident_id: p.providerIncidentId, alerts_count: pick(p, "additionalData.alertsCount"), classification: p.classification },
      };
    }
    const entities = embeddedJson(o.Entities);
    if (o.Entities !== undefined && entities === undefined) return "Entities is not valid JSON (expected a JSON-encoded array of entities)";
    const ext = embeddedJson(o.ExtendedProperties);
    const { hints, host, user, hosts } = entityHints(objects(entities));
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
      iocs: [...hints, freeText("Description", o.Description)],
      mitre: [embeddedJson(o.Techniques) ?? o.Techniques, o.SubTechniques],
      tactics: [typeof o.Tactics === "string" ? o.Tactics.split(",").map((t) => t.trim()) : o.Tactics],
      sourceId: o.SystemAlertId,
      categoryText: [o.AlertType, extObj["Query"]],
      context: {
        alert_type: o.AlertType,
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
