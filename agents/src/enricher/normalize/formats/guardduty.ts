// AWS GuardDuty findings, bare or inside an EventBridge envelope (`detail`). Keys are camelCase
// from the API but PascalCase in console copies, so paths are read case-insensitively.
// Severity: float 1-10 (severity.ts). `id` stays constant while a finding recurs.
import type { AlertCategory } from "@secops/contracts";
import type { FormatNormalizer } from "../draft.js";
import { field, jsonObject } from "../hints.js";
import { arr, isObject, objects, pick, str, type JsonObject } from "../paths.js";
import { guarddutySeverity } from "../severity.js";

const CI = { caseInsensitive: true };

function findingOf(o: JsonObject): JsonObject | null {
  const detailType = str(pick(o, "detail-type", CI));
  if (detailType === "GuardDuty Finding" && isObject(pick(o, "detail", CI))) return pick(o, "detail", CI) as JsonObject;
  const arn = str(pick(o, "arn", CI));
  if (arn?.startsWith("arn:aws:guardduty:") && pick(o, "schemaVersion", CI) !== undefined) return o;
  return null;
}

/**
 * The finding type's ThreatPurpose (the part before ":", "GuardDuty finding format" in the user
 * guide) says what the finding is about more reliably than words in its title: an API call from
 * a Tor exit node with a user's keys is unauthorized access, not malware. Purposes that do not
 * decide a category on their own (Policy, Stealth, Discovery, …) are left to the text.
 */
function categoryOfType(type: string | null): AlertCategory | undefined {
  const m = /^([A-Za-z]+):([A-Za-z0-9]+)\/(\S*)/.exec(type ?? "");
  if (!m) return undefined;
  const [, purpose, resource, family] = m as unknown as [string, string, string, string];
  if (/^(Backdoor|Trojan|CryptoCurrency)$/.test(purpose)) return "malware";
  if (purpose === "Exfiltration") return "data_exfiltration";
  if (purpose === "Recon" && /^(EC2|Instance)$/.test(resource)) return "network_scan";
  if (/BruteForce/.test(family)) return "authentication";
  if (/^(UnauthorizedAccess|CredentialAccess|InitialAccess)$/.test(purpose) && /^(IAMUser|Kubernetes|RDS|Lambda|S3)$/.test(resource)) return "authentication";
  return undefined;
}

export const guardduty: FormatNormalizer = {
  id: "guardduty",
  detect(doc) {
    const o = jsonObject(doc);
    return !!o && findingOf(o) !== null;
  },
  map(doc) {
    const o = jsonObject(doc);
    const f = o ? findingOf(o) : null;
    if (!f) return "expected a GuardDuty finding (arn:aws:guardduty:…) or an EventBridge event with detail-type \"GuardDuty Finding\"";
    const g = (path: string) => pick(f, path, CI);
    const action = g("service.action");
    const direction = str(pick(action, "networkConnectionAction.connectionDirection", CI))?.toUpperCase();
    // Outbound: the instance calls the remote (remote = destination); inbound/probe/API: the remote is the source.
    const remoteRole = direction === "OUTBOUND" ? "destination" : "source";
    const localRole = remoteRole === "source" ? "destination" : "source";
    const interfaces = objects(g("resource.instanceDetails.networkInterfaces"));
    const tags = objects(g("resource.instanceDetails.tags"));
    const nameTag = tags.find((t) => String(pick(t, "key", CI)) === "Name");
    const probes = objects(pick(action, "portProbeAction.portProbeDetails", CI));
    const threatPaths = objects(g("service.ebsVolumeScanDetails.scanDetections.threatDetectedByName.threatNames")).flatMap((t) => objects(pick(t, "filePaths", CI)));
    const instanceId = g("resource.instanceDetails.instanceId");
    return {
      title: g("title") ?? g("type"),
      titlePaths: "title, type",
      description: g("description"),
      severity: guarddutySeverity(g("severity")),
      time: g("service.eventFirstSeen") ?? g("createdAt") ?? g("updatedAt"),
      vendor: "AWS",
      product: "GuardDuty",
      hostName: str(pick(nameTag, "value", CI)) ?? instanceId,
      hostIp: interfaces.map((n) => pick(n, "privateIpAddress", CI)).find((x) => typeof x === "string"),
      userName: g("resource.accessKeyDetails.userName") ?? g("resource.kubernetesDetails.kubernetesUserDetails.username") ?? g("resource.rdsDbUserDetails.user"),
      // The instance's own public address is ours, not an indicator.
      assets: [instanceId, ...interfaces.map((n) => pick(n, "publicIp", CI))],
      iocs: [
        field("service.action.networkConnectionAction.remoteIpDetails.ipAddressV4", pick(action, "networkConnectionAction.remoteIpDetails.ipAddressV4", CI), "ip", remoteRole),
        field("service.action.networkConnectionAction.localIpDetails.ipAddressV4", pick(action, "networkConnectionAction.localIpDetails.ipAddressV4", CI), "ip", localRole),
        field("service.action.awsApiCallAction.remoteIpDetails.ipAddressV4", pick(action, "awsApiCallAction.remoteIpDetails.ipAddressV4", CI), "ip", "source"),
        field("service.action.kubernetesApiCallAction.remoteIpDetails.ipAddressV4", pick(action, "kubernetesApiCallAction.remoteIpDetails.ipAddressV4", CI), "ip", "source"),
        field("service.action.portProbeAction.portProbeDetails[].remoteIpDetails.ipAddressV4", probes.map((p) => pick(p, "remoteIpDetails.ipAddressV4", CI)), "ip", "source"),
        field("service.action.networkConnectionAction.remoteIpDetails.ipAddressV6", pick(action, "networkConnectionAction.remoteIpDetails.ipAddressV6", CI), "ip", remoteRole),
        field("service.action.awsApiCallAction.remoteIpDetails.ipAddressV6", pick(action, "awsApiCallAction.remoteIpDetails.ipAddressV6", CI), "ip", "source"),
        field("service.action.rdsLoginAttemptAction.remoteIpDetails.ipAddressV4", pick(action, "rdsLoginAttemptAction.remoteIpDetails.ipAddressV4", CI), "ip", "source"),
        field("service.action.awsApiCallAction.domainDetails.domain", pick(action, "awsApiCallAction.domainDetails.domain", CI), "domain", "source"),
        field("service.action.dnsRequestAction.domain", pick(action, "dnsRequestAction.domain", CI), "domain", "destination"),
        field("service.runtimeDetails.process.executableSha256", g("service.runtimeDetails.process.executableSha256"), "sha256"),
        field("…threatNames[].filePaths[].hash", threatPaths.map((p) => pick(p, "hash", CI)), "hash"),
      ],
      sourceId: g("id"),
      category: categoryOfType(str(g("type"))),
      categoryText: [g("type")],
      mitreTypes: [g("type")],
      context: {
        finding_type: g("type"),
        account_id: g("accountId"),
        region: g("region"),
        resource_type: g("resource.resourceType"),
        resource_role: g("service.resourceRole"),
        action_type: pick(action, "actionType", CI),
        connection_direction: direction,
        count: g("service.count"),
        access_key_id: g("resource.accessKeyDetails.accessKeyId"),
        instance_id: instanceId,
        archived: g("service.archived"),
        blocked: pick(action, "networkConnectionAction.blocked", CI) ?? pick(action, "dnsRequestAction.blocked", CI) ?? pick(action, "portProbeAction.blocked", CI),
        api: pick(action, "awsApiCallAction.api", CI),
        user_agent: pick(action, "awsApiCallAction.userAgent", CI),
        threat_names: arr(g("service.ebsVolumeScanDetails.scanDetections.threatDetectedByName.threatNames")).map((t) => pick(t, "name", CI)).filter((x) => typeof x === "string"),
      },
    };
  },
};
