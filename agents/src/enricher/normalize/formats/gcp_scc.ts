// Google Security Command Center findings, bare or in a Pub/Sub notification
// ({notificationConfigName, finding, resource}). No title field: `category` names the finding.
// MITRE comes as enum names (mitre.ts). externalUri is a console link, never an IoC.
import type { FormatNormalizer } from "../draft.js";
import { field, freeText, jsonObject } from "../hints.js";
import { isObject, objects, pick, str, type JsonObject } from "../paths.js";
import { fromWord } from "../severity.js";

const FINDING_NAME = /^(organizations|projects|folders)\/[^/]+\/sources\/[^/]+\/(locations\/[^/]+\/)?findings\/[^/]+$/;

function findingOf(o: JsonObject): { finding: JsonObject; resource: JsonObject | null } | null {
  if (isObject(o.finding) && (typeof o.notificationConfigName === "string" || FINDING_NAME.test(String(o.finding.name ?? o.finding.canonicalName ?? "")))) {
    return { finding: o.finding, resource: isObject(o.resource) ? o.resource : null };
  }
  if (FINDING_NAME.test(String(o.name ?? o.canonicalName ?? "")) && typeof o.category === "string") return { finding: o, resource: null };
  return null;
}

export const gcpScc: FormatNormalizer = {
  id: "gcp_scc",
  detect(doc) {
    const o = jsonObject(doc);
    return !!o && findingOf(o) !== null;
  },
  map(doc) {
    const o = jsonObject(doc);
    const found = o ? findingOf(o) : null;
    if (!found) return "expected a finding named organizations|projects/*/sources/*/findings/*, or a notification with `finding`";
    const { finding: f, resource } = found;
    const connections = objects(f.connections);
    const principal = str(pick(f, "access.principalEmail"));
    return {
      title: f.category,
      titlePaths: "finding.category",
      description: f.description,
      severity: fromWord(f.severity),
      time: f.eventTime ?? f.createTime,
      vendor: "Google",
      product: "Security Command Center",
      hostName: pick(resource, "displayName") ?? f.resourceName,
      userName: principal ?? pick(f, "access.userName"),
      assets: [f.resourceName],
      iocs: [
        field("finding.indicator.ipAddresses", pick(f, "indicator.ipAddresses"), "ip"),
        field("finding.connections[].sourceIp", connections.map((c) => c.sourceIp), "ip", "source"),
        field("finding.connections[].destinationIp", connections.map((c) => c.destinationIp), "ip", "destination"),
        field("finding.access.callerIp", pick(f, "access.callerIp"), "ip", "source"),
        field("finding.indicator.domains", pick(f, "indicator.domains"), "domain"),
        field("finding.indicator.uris", pick(f, "indicator.uris"), "url"),
        field("finding.files[].sha256", objects(f.files).map((x) => x.sha256), "sha256"),
        field("finding.processes[].binary.sha256", objects(f.processes).map((p) => pick(p, "binary.sha256")), "sha256"),
        freeText("finding.processes[].args", objects(f.processes).map((p) => p.args)),
      ],
      mitre: [pick(f, "mitreAttack.primaryTechniques"), pick(f, "mitreAttack.additionalTechniques")],
      tactics: [pick(f, "mitreAttack.primaryTactic")],
      // The finding name is stable across state changes.
      sourceId: f.canonicalName ?? f.name,
      categoryText: [f.findingClass, pick(f, "mitreAttack.primaryTactic")],
      context: {
        finding_class: f.findingClass,
        state: f.state,
        resource_name: f.resourceName,
        resource_type: pick(resource, "type"),
        project: pick(resource, "projectDisplayName") ?? pick(resource, "gcpMetadata.projectDisplayName"),
        notification_config: o?.notificationConfigName,
        principal_email: principal,
        method_name: pick(f, "access.methodName"),
        service_name: pick(f, "access.serviceName"),
        exfiltrated_bytes: pick(f, "exfiltration.totalExfiltratedBytes"),
      },
    };
  },
};
