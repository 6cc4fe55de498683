// One test per mapping added for "normalizer depth": where each vendor documents the affected
// host and user, MITRE from vendor type names and well-known names, severity scales, category,
// and indicators. Inputs are minimal shapes from the vendors' documentation, not corpus files.
import { describe, expect, it } from "vitest";
import { NAME_RULES, inferTechniques, techniqueIdsInText } from "../../src/enricher/normalize/mitre.js";
import { categorize } from "../../src/enricher/normalize/category.js";
import { ioc, iocValues, mustNormalize } from "./fixtures.js";

const j = (o: unknown) => JSON.stringify(o);
const gd = (type: string, extra: Record<string, unknown> = {}) => j({ schemaVersion: "2.0", id: "f1", arn: "arn:aws:guardduty:eu-west-1:1:detector/d/finding/f1", type, severity: 5, title: type, createdAt: "2026-01-01T00:00:00Z", ...extra });
const okta = (eventType: string, extra: Record<string, unknown> = {}) => j({ uuid: "u1", eventType, published: "2026-01-01T00:00:00Z", displayMessage: "x", severity: "INFO", actor: { type: "User", alternateId: "a@example.com" }, client: { ipAddress: "203.0.113.5" }, ...extra });
const zeek = (note: string, extra: Record<string, unknown> = {}) => j({ ts: 1767225600, note, msg: "m", ...extra });
const scc = (category: string, resourceType = "google.compute.Instance", resourceName = "//compute.googleapis.com/projects/p/zones/z/instances/123") => j({
  notificationConfigName: "organizations/1/notificationConfigs/n",
  finding: { name: "organizations/1/sources/2/findings/f", category, severity: "HIGH", eventTime: "2026-01-01T00:00:00Z", resourceName },
  resource: { displayName: "vm-1", type: resourceType },
});

describe("MITRE from vendor type names and well-known names (mitre.ts NAME_RULES)", () => {
  it.each([
    ["UnauthorizedAccess:EC2/SSHBruteForce", "T1110"],
    ["UnauthorizedAccess:EC2/RDPBruteForce", "T1110"],
    ["CryptoCurrency:EC2/BitcoinTool.B!DNS", "T1496"],
    ["Backdoor:EC2/C&CActivity.B!DNS", "T1071"],
    ["Trojan:EC2/DNSDataExfiltration", "T1048.003"],
    ["Recon:EC2/PortProbeUnprotectedPort", "T1046"],
    ["Exfiltration:S3/AnomalousBehavior", "T1530"],
    ["UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS", "T1552.005"],
    ["Stealth:IAMUser/CloudTrailLoggingDisabled", "T1562.008"],
    ["UnauthorizedAccess:EC2/TorClient", "T1090.003"],
    ["Execution:Kubernetes/ExecInKubeSystemPod", "T1609"],
    ["PrivilegeEscalation:Kubernetes/PrivilegedContainer", "T1611"],
    ["Persistence:IAMUser/AnomalousBehavior", "T1098"],
  ])("GuardDuty %s → %s", (type, technique) => {
    expect(mustNormalize(gd(type)).mitre).toEqual([technique]);
  });

  it.each([
    ["Brute Force: SSH", "T1110"],
    ["Malware: Cryptomining Bad Domain", "T1496"],
    ["Malware: Bad IP", "T1071"],
    ["Exfiltration: BigQuery Data Exfiltration", "T1567.002"],
    ["Persistence: IAM Anomalous Grant", "T1098"],
    ["Initial Access: Log4j Compromise Attempt", "T1190"],
    ["Execution: Reverse Shell", "T1059"],
  ])("SCC %s → %s", (category, technique) => {
    expect(mustNormalize(scc(category)).mitre).toEqual([technique]);
  });

  it("SCC MITRE enum names are read, including ADDITIONAL_CLOUD_ROLES and USER_EXECUTION", () => {
    const doc = JSON.parse(scc("Persistence: IAM Anomalous Grant")) as { finding: Record<string, unknown> };
    doc.finding.mitreAttack = { primaryTechniques: ["ACCOUNT_MANIPULATION"], additionalTechniques: ["ADDITIONAL_CLOUD_ROLES", "USER_EXECUTION"] };
    expect(mustNormalize(j(doc)).mitre).toEqual(["T1098", "T1098.003", "T1204"]);
  });

  it.each([
    ["user.mfa.okta_verify.deny_push", "T1621"],
    ["user.account.lock", "T1110"],
    ["user.account.privilege.grant", "T1098.003"],
    ["user.mfa.factor.reset_all", "T1556.006"],
    ["system.api_token.create", "T1098.001"],
  ])("Okta %s → %s", (eventType, technique) => {
    expect(mustNormalize(okta(eventType)).mitre).toEqual([technique]);
  });

  it.each([
    ["Scan::Port_Scan", "T1046"],
    ["Scan::Address_Scan", "T1046"],
    ["SSH::Password_Guessing", "T1110.001"],
    ["FTP::Bruteforcing", "T1110.001"],
    ["HTTP::SQL_Injection_Attacker", "T1190"],
  ])("Zeek %s → %s", (note, technique) => {
    expect(mustNormalize(zeek(note)).mitre).toEqual([technique]);
  });

  it.each([
    ["LSASS memory access by non-system process", "T1003.001"],
    ["Credential dumping detected", "T1003"],
    ["The audit log was cleared", "T1070.001"],
    ["MFA fatigue: multiple denied MFA requests", "T1621"],
    ["SQL Injection (Boolean based)", "T1190"],
    ["Large upload to personal cloud storage", "T1567.002"],
    ["Brute force: 50 failed logons", "T1110"],
    ["TCP port sweep", "T1046"],
    ["Ransomware behaviour detected", "T1486"],
    ["Periodic beaconing to known C2 infrastructure", "T1071"],
    ["Cryptocurrency miner connected to a mining pool", "T1496"],
    ["Password spray against the VPN", "T1110.003"],
    ["Shadow copy deletion via vssadmin delete shadows", "T1490"],
    ["Suspicious DNS tunneling pattern", "T1071.004"],
    ["DNS exfiltration to a rare domain", "T1048.003"],
  ])("CEF name %j → %s", (name, technique) => {
    expect(mustNormalize(`CEF:0|Example|Sensor|1.0|100|${name}|5|src=10.0.0.5`).mitre).toEqual([technique]);
  });

  it("ids written in text are taken (T1059.001), and the vendor's own ids win over the table", () => {
    expect(techniqueIdsInText(["uses T1059.001 and (T1105)", "not T12345 or XT1000"])).toEqual(["T1059.001", "T1105"]);
    expect(mustNormalize(j({ title: "Suspicious script (T1059.001)", severity: "high" })).mitre).toEqual(["T1059.001"]);
    expect(mustNormalize(j({ title: "Port scan", technique: "T1595.001" })).mitre).toEqual(["T1595.001"]);
  });

  it("a sub-technique replaces its parent, nothing is guessed from unrelated words, at most three", () => {
    expect(inferTechniques([], ["credential dumping of lsass memory"]).ids).toEqual(["T1003.001"]);
    expect(inferTechniques([], ["Certificate expires soon"]).ids).toEqual([]);
    expect(inferTechniques([], ["brute force, port scan, ransomware, crypto-mining and beaconing"]).ids.length).toBeLessThanOrEqual(3);
    // Every row names its vocabulary and a well-formed technique id.
    for (const r of NAME_RULES) expect(r.technique).toMatch(/^T\d{4}(\.\d{3})?$/);
  });
});

describe("category", () => {
  it("credential dumping is malware, not authentication; uploads out are data_exfiltration", () => {
    expect(categorize({ mitre: ["T1003.001"], title: "x", texts: [] })).toBe("malware");
    expect(categorize({ mitre: [], title: "Credential dumping via procdump", texts: [] })).toBe("malware");
    expect(categorize({ mitre: [], title: "Files uploaded to an external site", texts: [] })).toBe("data_exfiltration");
    expect(categorize({ mitre: ["T1098"], title: "Role granted", texts: [] })).toBe("authentication");
  });
});

describe("affected host and user: the internal asset and the account, wherever the vendor puts them", () => {
  it("CEF: an outbound event's host is the internal shost, and the external dhost is an indicator", () => {
    const a = mustNormalize("CEF:0|P|SWG|1|UP|Upload|6|src=10.8.1.20 shost=lt-03 suser=a.nowak dst=198.51.100.77 dhost=drive.example.net");
    expect(a.host).toEqual({ name: "lt-03", ip: "10.8.1.20" });
    expect(a.user.name).toBe("a.nowak");
    expect(ioc(a, "domain", "drive.example.net")).toMatchObject({ role: "destination" });
  });

  it("Splunk: dest_nt_host; an outside dest falls back to the internal src side; an outside src alone is no host", () => {
    const wh = (result: Record<string, string>) => j({ result, sid: "s", results_link: "https://splunk.example.com/x", search_name: "n", owner: "o", app: "a" });
    expect(mustNormalize(wh({ dest_nt_host: "PC-17", dest_ip: "10.1.4.17" })).host).toEqual({ name: "PC-17", ip: "10.1.4.17" });
    expect(mustNormalize(wh({ src: "10.2.2.2", src_nt_host: "LT-9", dest: "203.0.113.9" })).host).toEqual({ name: "LT-9", ip: "10.2.2.2" });
    expect(mustNormalize(wh({ src: "203.0.113.9" })).host).toEqual({ name: null, ip: null });
  });

  it("Suricata: a DNS lookup through an internal resolver is about the client", () => {
    const a = mustNormalize(j({ event_type: "alert", src_ip: "10.0.4.21", dest_ip: "10.0.0.53", dest_port: 53, app_proto: "dns", timestamp: "2026-01-01T00:00:00Z",
      alert: { signature_id: 1, signature: "ET DNS Query to a mining pool", severity: 2 }, dns: { query: [{ rrname: "pool.example.org" }] } }));
    expect(a.host.ip).toBe("10.0.4.21");
    expect(iocValues(a, "domain")).toContain("pool.example.org");
  });

  it("Zeek: the internal side of the connection is the host", () => {
    expect(mustNormalize(zeek("Scan::Port_Scan", { src: "198.51.100.50", dst: "10.0.9.9" })).host.ip).toBe("10.0.9.9");
    expect(mustNormalize(zeek("Scan::Address_Scan", { src: "10.0.12.34" })).host.ip).toBe("10.0.12.34");
    expect(mustNormalize(zeek("SSH::Password_Guessing", { src: "203.0.113.60" })).host.ip).toBeNull();
  });

  it("OCSF: actor.user, the internal src_endpoint of outbound traffic, device.ip alone", () => {
    const net = mustNormalize(j({ class_uid: 4001, metadata: { version: "1.1.0" }, message: "Traffic", time: 1767225600000,
      src_endpoint: { ip: "10.5.5.5", hostname: "build-07" }, dst_endpoint: { ip: "203.0.113.222" }, actor: { user: { name: "ci-bot" } } }));
    expect(net.host).toEqual({ name: "build-07", ip: "10.5.5.5" });
    expect(net.user.name).toBe("ci-bot");
    const ipOnly = mustNormalize(j({ class_uid: 2004, metadata: { version: "1.1.0" }, finding_info: { title: "t", uid: "f" }, device: { ip: "10.20.30.40" }, time: 1767225600000 }));
    expect(ipOnly.host).toEqual({ name: null, ip: "10.20.30.40" });
  });

  it("OCSF findings: status_id is a workflow state (3 = suppressed), not an outcome", () => {
    const a = mustNormalize(j({ class_uid: 2004, category_uid: 2, metadata: { version: "1.1.0" }, finding_info: { title: "t", uid: "f" }, status_id: 3, time: 1767225600000 }));
    expect(a.context.status).toBe("suppressed");
  });

  it("SCC: a VM or pod is a host, a dataset is not", () => {
    expect(mustNormalize(scc("Brute Force: SSH")).host.name).toBe("vm-1");
    expect(mustNormalize(scc("Exfiltration: BigQuery Data Exfiltration", "google.cloud.bigquery.Dataset", "//bigquery.googleapis.com/projects/p/datasets/d")).host.name).toBeNull();
  });

  it("Okta: a ThreatInsight actor named 'unknown' is nobody's account; a target user wins over the actor", () => {
    expect(mustNormalize(okta("security.threat.detected", { actor: { type: "PublicClientApp", alternateId: "unknown" } })).user.name).toBeNull();
    expect(mustNormalize(okta("user.account.privilege.grant", { target: [{ type: "User", alternateId: "c@example.com" }] })).user.name).toBe("c@example.com");
  });

  it("Wazuh: for sudo/su the account involved is srcuser (who ran it), not dstuser (root); for sshd it is dstuser", () => {
    const w = (decoder: string, data: Record<string, string>) => mustNormalize(j({ timestamp: "2026-01-01T00:00:00.000+0000", rule: { level: 3, description: "d", id: "1" }, agent: { id: "1", name: "h" }, manager: { name: "m" }, decoder: { name: decoder }, data }));
    expect(w("sudo", { srcuser: "svc-patch", dstuser: "root" }).user.name).toBe("svc-patch");
    expect(w("sshd", { srcip: "203.0.113.1", dstuser: "root" }).user.name).toBe("root");
  });

  it("CrowdStrike: UserName byte-exact, the logon domain beside it", () => {
    const a = mustNormalize(j({ metadata: { eventType: "DetectionSummaryEvent", eventCreationTime: 1767225600000 }, event: { DetectName: "x", ComputerName: "H", UserName: "svc_sql", LogonDomain: "CORP", SeverityName: "High" } }));
    expect(a.user.name).toBe("svc_sql");
    expect(a.context.logon_domain).toBe("CORP");
  });

  it("Sentinel: the incident trigger payload's relatedEntities give host, user and indicators; nested entities are read", () => {
    const a = mustNormalize(j({ object: { name: "i1", type: "Microsoft.SecurityInsights/Incidents", properties: { title: "C2", severity: "High", firstActivityTimeUtc: "2026-01-01T00:00:00Z",
      relatedEntities: [{ kind: "Host", properties: { hostName: "WS-1", dnsDomain: "corp.example.com" } }, { kind: "Account", properties: { accountName: "o.m", upnSuffix: "corp.example.com" } },
        { kind: "Ip", properties: { address: "198.51.100.201" } }, { kind: "DnsResolution", properties: { domainName: "c2.example.net" } }] } } }));
    expect(a).toMatchObject({ format: "sentinel", host: { name: "WS-1.corp.example.com" }, user: { name: "o.m@corp.example.com" } });
    expect(iocValues(a)).toEqual(expect.arrayContaining(["198.51.100.201", "c2.example.net"]));
    const row = mustNormalize(j({ SystemAlertId: "s", AlertName: "n", StartTime: "2026-01-01T00:00:00Z",
      Entities: j([{ $id: "2", DomainName: "p.example.org", IpAddresses: [{ $id: "3", Address: "198.51.100.44", Type: "ip" }], Type: "dns" }, { $ref: "3" }]) }));
    expect(iocValues(row)).toEqual(expect.arrayContaining(["p.example.org", "198.51.100.44"]));
  });
});

describe("generic webhook", () => {
  it("nested host/user objects, summary as the description, epoch seconds / milliseconds / ISO with an offset", () => {
    const a = mustNormalize(j({ title: "t", summary: "what happened", host: { name: "web-04", ip: "10.0.1.40" }, user: { name: "www-data" }, time: 1767225600 }));
    expect(a).toMatchObject({ host: { name: "web-04", ip: "10.0.1.40" }, user: { name: "www-data" }, description: "what happened", time: "2026-01-01T00:00:00.000Z" });
    expect(mustNormalize(j({ title: "t", created_at: 1767225600123 })).time).toBe("2026-01-01T00:00:00.123Z");
    expect(mustNormalize(j({ summary: "t", event_time: "2026-01-01T02:00:00+02:00", asset: { name: "a1" }, account: { name: "u1" } }))).toMatchObject({ time: "2026-01-01T00:00:00.000Z", host: { name: "a1" }, user: { name: "u1" }, title: "t" });
  });

  it("severity on numeric scales: 1-5, 0-10, 0-100 and P1-P4", () => {
    const sev = (o: Record<string, unknown>) => mustNormalize(j({ title: "t", ...o })).severity;
    expect(sev({ severity: 5 })).toBe("critical");
    expect(sev({ severity: 7.5 })).toBe("high");
    expect(sev({ severity: 45 })).toBe("medium");
    expect(sev({ severity: 4, severity_scale: "0-10" })).toBe("medium");
    expect(sev({ priority: "P1" })).toBe("critical");
    expect(sev({ priority: 4 })).toBe("low");
  });
});

describe("indicators", () => {
  it("the domain (or IP) of every URL is an indicator too", () => {
    const a = mustNormalize(j({ title: "t", description: "fetched http://203.0.113.180/u and https://files.example.net/x" }));
    expect(iocValues(a)).toEqual(expect.arrayContaining(["http://203.0.113.180/u", "203.0.113.180", "https://files.example.net/x", "files.example.net"]));
  });

  it("a URL field logged without a scheme (PAN-OS request=host/path) is read as http, with its domain", () => {
    const a = mustNormalize("CEF:0|Palo Alto Networks|PAN-OS|10.1|spyware|THREAT|9|src=10.0.7.7 dst=198.51.100.77 request=cdn.example-c2.net/pixel.gif act=reset-both");
    expect(ioc(a, "url", "http://cdn.example-c2.net/pixel.gif")).toMatchObject({ role: "destination" });
    expect(ioc(a, "domain", "cdn.example-c2.net")).toMatchObject({ role: "destination" });
    expect(a.host).toEqual({ name: null, ip: "10.0.7.7" });
  });

  it("Suricata: the URL is rebuilt from http.hostname + http.url", () => {
    const a = mustNormalize(j({ event_type: "alert", src_ip: "10.0.3.44", dest_ip: "203.0.113.200", dest_port: 80, timestamp: "2026-01-01T00:00:00Z",
      alert: { signature_id: 1, signature: "ET MALWARE beacon", severity: 1 }, http: { hostname: "cdn.example.net", url: "/j.js" } }));
    expect(ioc(a, "url", "http://cdn.example.net/j.js")).toBeDefined();
    expect(a.host.ip).toBe("10.0.3.44");
  });

  it("links back to a console are never indicators: CEF csN labelled consoleUrl, webhook link fields", () => {
    const c = mustNormalize("CEF:0|E|S|1|X|Credential dumping|9|shost=H src=10.4.4.12 cs2Label=consoleUrl cs2=https://edr-console.example.com/d/1");
    expect(iocValues(c)).toEqual(["10.4.4.12"]);
    const w = mustNormalize(j({ title: "t", link: "https://soar.example.com/case/1", alert_url: "https://siem.example.com/a/2", description: "see https://evil.example.org/p" }));
    expect(iocValues(w, "url")).toEqual(["https://evil.example.org/p"]);
    const vt = mustNormalize(j({ title: "t", description: "report https://www.virustotal.com/gui/file/abc" }));
    expect(iocValues(vt)).toEqual([]);
  });
});

describe("severity: an intel match with no sign of execution is not high", () => {
  it("Elastic threat_match without process fields is capped at medium; with a process it keeps the vendor's severity", () => {
    const base = { "event.kind": "signal", "kibana.alert.rule.name": "Threat Intel IP Address Indicator Match", "kibana.alert.rule.type": "threat_match", "kibana.alert.severity": "critical", "@timestamp": "2026-01-01T00:00:00Z", "destination.ip": "198.51.100.9" };
    const a = mustNormalize(j(base));
    expect(a).toMatchObject({ severity: "medium", severityOriginal: "critical" });
    expect(a.context.severity_capped).toContain("intel match");
    expect(mustNormalize(j({ ...base, "process.name": "powershell.exe" })).severity).toBe("critical");
  });

  it("a title saying TI map is an intel match; 'no process execution' in the description does not count as execution", () => {
    const row = (desc: string) => mustNormalize(j({ SystemAlertId: "s", AlertName: "TI map IP entity to SigninLogs", AlertSeverity: "High", StartTime: "2026-01-01T00:00:00Z", Description: desc }));
    expect(row("A sign-in from an address on a threat intelligence list. No related process execution.").severity).toBe("medium");
    expect(row("The listed binary was executed on the host.").severity).toBe("high");
  });
});

describe("roles where the vendor gives no direction", () => {
  it("Sentinel entities: an IP in a credential-access alert is the source, in C2 the destination; URLs/domains were contacted", () => {
    const row = (tactics: string) => mustNormalize(j({ SystemAlertId: "s", AlertName: "n", StartTime: "2026-01-01T00:00:00Z", Tactics: tactics,
      Entities: j([{ Type: "ip", Address: "203.0.113.88" }, { Type: "url", Url: "http://p.example.org/x" }]) }));
    expect(ioc(row("CredentialAccess"), "ip", "203.0.113.88")?.role).toBe("source");
    expect(ioc(row("CommandAndControl"), "ip", "203.0.113.88")?.role).toBe("destination");
    expect(ioc(row("Execution"), "ip", "203.0.113.88")?.role).toBeNull();
    expect(ioc(row("Execution"), "url", "http://p.example.org/x")?.role).toBe("destination");
    expect(ioc(row("Execution"), "domain", "p.example.org")?.role).toBe("destination");
  });

  it("Defender evidence without roles follows the alert category; explicit roles win", () => {
    const alert = (category: string, roles: string[]) => mustNormalize(j({ "@odata.type": "#microsoft.graph.security.alert", id: "a", title: "t", severity: "medium", category, createdDateTime: "2026-01-01T00:00:00Z",
      evidence: [{ "@odata.type": "#microsoft.graph.security.ipEvidence", ipAddress: "203.0.113.61", roles }] }));
    expect(ioc(alert("InitialAccess", []), "ip", "203.0.113.61")?.role).toBe("source");
    expect(ioc(alert("CommandAndControl", []), "ip", "203.0.113.61")?.role).toBe("destination");
    expect(ioc(alert("InitialAccess", ["commandAndControl"]), "ip", "203.0.113.61")?.role).toBe("destination");
  });

  it("Defender: without device evidence, an internal IP evidence is the host", () => {
    const a = mustNormalize(j({ "@odata.type": "#microsoft.graph.security.alert", id: "a", title: "t", severity: "medium", category: "CommandAndControl", createdDateTime: "2026-01-01T00:00:00Z",
      evidence: [{ "@odata.type": "#microsoft.graph.security.ipEvidence", ipAddress: "10.2.3.4", roles: ["compromised"] }, { "@odata.type": "#microsoft.graph.security.ipEvidence", ipAddress: "198.51.100.7", roles: [] }] }));
    expect(a.host).toEqual({ name: null, ip: "10.2.3.4" });
  });

  it("Defender networkConnectionEvidence and dnsEvidence give addresses and names with direction", () => {
    const a = mustNormalize(j({ "@odata.type": "#microsoft.graph.security.alert", id: "a", title: "t", severity: "medium", category: "Execution", createdDateTime: "2026-01-01T00:00:00Z",
      evidence: [{ "@odata.type": "#microsoft.graph.security.networkConnectionEvidence", sourceAddress: { ipAddress: "10.1.1.1" }, destinationAddress: { ipAddress: "198.51.100.7" } },
        { "@odata.type": "#microsoft.graph.security.dnsEvidence", domainName: "c2.example.net" }] }));
    expect(ioc(a, "ip", "198.51.100.7")?.role).toBe("destination");
    expect(ioc(a, "domain", "c2.example.net")?.role).toBe("destination");
  });

  it("SCC indicator IPs by category, OCSF observables by attribute name, CrowdStrike inbound connections", () => {
    expect(ioc(mustNormalize(scc("Brute Force: SSH").replace('"resourceName"', '"indicator":{"ipAddresses":["203.0.113.3"]},"resourceName"')), "ip", "203.0.113.3")?.role).toBe("source");
    const o = mustNormalize(j({ class_uid: 2004, metadata: { version: "1.1.0" }, finding_info: { title: "t", uid: "f" }, time: 1767225600000,
      observables: [{ name: "src_endpoint.ip", type_id: 2, value: "203.0.113.4" }, { name: "dst_endpoint.ip", type_id: 2, value: "198.51.100.4" }] }));
    expect(ioc(o, "ip", "203.0.113.4")?.role).toBe("source");
    expect(ioc(o, "ip", "198.51.100.4")?.role).toBe("destination");
    const cs = mustNormalize(j({ metadata: { eventType: "DetectionSummaryEvent", eventCreationTime: 1767225600000 }, event: { DetectName: "x", ComputerName: "H", SeverityName: "High",
      NetworkAccesses: [{ RemoteAddress: "203.0.113.5", ConnectionDirection: 1 }, { RemoteAddress: "198.51.100.5", ConnectionDirection: 0 }] } }));
    expect(ioc(cs, "ip", "203.0.113.5")?.role).toBe("source");
    expect(ioc(cs, "ip", "198.51.100.5")?.role).toBe("destination");
  });
});

describe("links back to a product are not indicators, in any field naming", () => {
  it("camelCase link keys in Sentinel ExtendedProperties, the rule query is not read, other properties are", () => {
    const a = mustNormalize(j({ SystemAlertId: "s", AlertName: "n", StartTime: "2026-01-01T00:00:00Z",
      ExtendedProperties: j({ EdrAlertLink: "https://edr.example.com/alerts/1", Query: "SigninLogs | where IPAddress != '198.51.100.250'", "Source Address": "203.0.113.44" }) }));
    expect(iocValues(a)).toEqual(["203.0.113.44"]);
  });
});

describe("what is ours is not an indicator", () => {
  it("a homoglyph address is not cut into a different one; the user's own name is not a domain", () => {
    const a = mustNormalize(j({ title: "t", description: "user аdmin@corp.example.com signed in", account: { name: "t.ng" }, note: "t.ng logged in" }));
    expect(iocValues(a, "email")).toEqual([]);
    expect(iocValues(a, "domain")).toEqual([]);
    expect(a.user.name).toBe("t.ng");
  });

  it("Suricata: an inbound attack's Host header is our site (an asset), not an indicator; an outside server's is", () => {
    const eve = (src: string, dest: string) => mustNormalize(j({ event_type: "alert", src_ip: src, dest_ip: dest, dest_port: 80, timestamp: "2026-01-01T00:00:00Z",
      alert: { signature_id: 1, signature: "ET WEB_SERVER probe", severity: 2 }, http: { hostname: "shop.example.com", url: "/x" } }));
    const inbound = eve("198.51.100.23", "10.0.2.10");
    expect(iocValues(inbound, "domain")).toEqual([]);
    expect(inbound.assets).toContain("shop.example.com");
    expect(iocValues(inbound, "url")).toEqual(["http://shop.example.com/x"]);
    expect(iocValues(eve("10.0.2.10", "198.51.100.23"), "domain")).toEqual(["shop.example.com"]);
  });

  it("GuardDuty: the instance's own public IP is an asset, not an indicator", () => {
    const a = mustNormalize(gd("UnauthorizedAccess:EC2/SSHBruteForce", { resource: { resourceType: "Instance", instanceDetails: { instanceId: "i-1", networkInterfaces: [{ privateIpAddress: "10.10.1.5", publicIp: "192.0.2.201" }] } } }));
    expect(iocValues(a)).not.toContain("192.0.2.201");
    expect(a.assets).toContain("192.0.2.201");
  });
});

describe("vendor outcome and intel fields reach the canonical alert", () => {
  it("Splunk ES threat-list activity is an intel match: capped at medium, the collection kept", () => {
    const a = mustNormalize(j({ _time: "1770100000", event_id: "A@@notable@@b", index: "notable", search_name: "Threat - Threat List Activity - Rule", rule_title: "Threat list activity to 198.51.100.44",
      urgency: "high", src: "10.3.3.30", src_nt_host: "WS-30", dest: "198.51.100.44", threat_match_field: "dest", threat_collection: "ip_intel" }));
    expect(a).toMatchObject({ severity: "medium", severityOriginal: "high", host: { name: "WS-30", ip: "10.3.3.30" } });
    expect(a.context.threat_collection).toBe("ip_intel");
  });

  it("OCSF disposition_id, Sentinel Status and webhook local_ip are carried", () => {
    const o = mustNormalize(j({ class_uid: 2004, metadata: { version: "1.1.0" }, finding_info: { title: "t", uid: "f" }, disposition_id: 2, time: 1767225600000 }));
    expect(o.context.disposition).toBe("Blocked");
    const s = mustNormalize(j({ SystemAlertId: "s", AlertName: "n", StartTime: "2026-01-01T00:00:00Z", Status: "Resolved" }));
    expect(s.context.status).toBe("Resolved");
    expect(mustNormalize(j({ title: "t", device: { hostname: "LT-55", local_ip: "10.5.5.55" } })).host).toEqual({ name: "LT-55", ip: "10.5.5.55" });
  });
});

describe("Defender message evidence", () => {
  it("sender IP and addresses are sources, the message's links destinations", () => {
    const a = mustNormalize(j({ "@odata.type": "#microsoft.graph.security.alert", id: "m", title: "Email messages containing malicious URL removed after delivery", severity: "medium", category: "InitialAccess", createdDateTime: "2026-01-01T00:00:00Z",
      evidence: [{ "@odata.type": "#microsoft.graph.security.analyzedMessageEvidence", senderIp: "192.0.2.88", p1Sender: { emailAddress: "billing@example-billing.net" }, urls: ["https://invoice.example-billing.net/pay"] }] }));
    expect(ioc(a, "ip", "192.0.2.88")?.role).toBe("source");
    expect(ioc(a, "email", "billing@example-billing.net")?.role).toBe("source");
    expect(ioc(a, "url", "https://invoice.example-billing.net/pay")?.role).toBe("destination");
    expect(ioc(a, "domain", "invoice.example-billing.net")?.role).toBe("destination");
  });
});

describe("links into a product's own UI and forwarder shapes", () => {
  it("Kibana/Wazuh/Splunk app paths are the console on any host; the same host elsewhere is not", () => {
    const a = mustNormalize(j({ title: "t", description: "see https://kibana.corp-example.net/app/security/alerts/redirect/abc and https://siem.example.net/en-US/app/search/search?sid=1 and https://files.example.net/app/update.exe" }));
    expect(iocValues(a, "url")).toEqual(["https://files.example.net/app/update.exe"]);
  });

  it("Alertmanager and Grafana link fields are not indicators; commonAnnotations.summary is a title", () => {
    const a = mustNormalize(j({ receiver: "soc", status: "firing", commonLabels: { alertname: "SSHBruteForce", severity: "critical" }, commonAnnotations: { summary: "SSH brute force from 203.0.113.77" },
      externalURL: "http://alertmanager.corp-example.net:9093", alerts: [{ generatorURL: "http://prometheus.corp-example.net:9090/graph?g0.expr=x", labels: { instance: "web-01:9100" } }] }));
    expect(a).toMatchObject({ format: "webhook", title: "SSH brute force from 203.0.113.77", severity: "critical" });
    expect(iocValues(a)).toEqual(["203.0.113.77"]);
  });
});
