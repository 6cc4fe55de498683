// Google Security Command Center findings, bare or in a Pub/Sub notification
// ({notificationConfigName, finding, resource}). No title field: `category` names the finding.
// MITRE comes as enum names (mitre.ts). externalUri is a console link, never an IoC.
import type { FormatNormalizer } from "../draft.js";
import { field, freeText, jsonObject, linkFreeText } from "../hints.js";
import { isObject, objects, pick, str, type JsonObject } from "../paths.js";
import { fromWord } from "../severity.js";
import { classifyIp } from "../../iocs/index.js";

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
    // Only a machine is a host: a VM, a GKE node or pod, a container. A dataset, bucket,
    // project or service account is the affected resource (assets), not something to isolate.
    const resourceType = str(pick(resource, "type")) ?? "";
    const resourceName = str(f.resourceName) ?? "";
    const isMachine = /^(google\.compute\.Instance|k8s\.core\.(Pod|Node)|container\.googleapis\.com\/(Node|Pod)|google\.container\.)/i.test(resourceType)
      || /^\/\/compute\.googleapis\.com\/projects\/[^/]+\/zones\/[^/]+\/instances\//.test(resourceName)
      || /^\/\/container\.googleapis\.com\/.*\/(pods|nodes)\//.test(resourceName);
    const instanceName = /\/instances\/([^/]+)$/.exec(resourceName)?.[1];
    const podName = objects(pick(f, "kubernetes.pods"))[0]?.name;
    const principal = str(pick(f, "access.principalEmail"));
    // indicator.* has no direction; the category says it (ETD finding list): brute force,
    // initial access, scans and anonymizing proxies come in; malware, mining and exfiltration
    // contact the indicator.
    const category = str(f.category) ?? "";
    const indicatorRole = /^(Brute Force|Initial Access|Active Scan|Evasion|Persistence: New Geography|Credential Access)/i.test(category) ? "source"
      : /^(Malware|Log4j Malware|Exfiltration|Execution: Cryptocurrency)/i.test(category) ? "destination" : null;
    return {
      title: f.category,
      titlePaths: "finding.category",
      description: f.description,
      severity: fromWord(f.severity),
      time: f.eventTime ?? f.createTime,
      vendor: "Google",
      product: "Security Command Center",
      hostName: isMachine ? (pick(resource, "displayName") ?? podName ?? instanceName ?? f.resourceName) : null,
      hostIp: isMachine ? connections.map((c) => c.sourceIp).find((ip) => typeof ip === "string" && classifyIp(ip)?.internal) : null,
      userName: principal ?? pick(f, "access.userName"),
      assets: [f.resourceName, pick(resource, "displayName")],
      iocs: [
        field("finding.indicator.ipAddresses", pick(f, "indicator.ipAddresses"), "ip", indicatorRole),
        field("finding.connections[].sourceIp", connections.map((c) => c.sourceIp), "ip", "source"),
        field("finding.connections[].destinationIp", connections.map((c) => c.destinationIp), "ip", "destination"),
        field("finding.access.callerIp", pick(f, "access.callerIp"), "ip", "source"),
        field("finding.indicator.domains", pick(f, "indicator.domains"), "domain", "destination"),
        field("finding.indicator.uris", pick(f, "indicator.uris"), "url", "destination"),
        field("finding.files[].sha256", objects(f.files).map((x) => x.sha256), "sha256"),
        field("finding.processes[].binary.sha256", objects(f.processes).map((p) => pick(p, "binary.sha256")), "sha256"),
        freeText("finding.processes[].args", objects(f.processes).map((p) => p.args)),
        field("finding.processes[].script.sha256", objects(f.processes).map((p) => pick(p, "script.sha256")), "sha256"),
        ...linkFreeText("finding.sourceProperties", f.sourceProperties),
      ],
      mitre: [pick(f, "mitreAttack.primaryTechniques"), pick(f, "mitreAttack.additionalTechniques")],
      tactics: [pick(f, "mitreAttack.primaryTactic")],
      // The finding name is stable across state changes.
      sourceId: f.canonicalName ?? f.name,
      categoryText: [f.findingClass, pick(f, "mitreAttack.primaryTactic")],
      mitreTypes: [f.category],
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
        mute: f.mute,
        external_targets: objects(pick(f, "exfiltration.targets")).map((t) => t.name).filter((x) => typeof x === "string"),
      },
    };
  },
};
