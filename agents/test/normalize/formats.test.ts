import { describe, expect, it } from "vitest";
import { fixtureItems, ioc, iocValues, mustNormalize } from "./fixtures.js";

describe("wazuh", () => {
  it("maps an sshd brute force alert: level 10 is medium, +0000 offset, manager-scoped id, source IP", () => {
    const a = mustNormalize(fixtureItems("wazuh", "sshd-brute-force.json")[0]!);
    expect(a).toMatchObject({ format: "wazuh", category: "authentication", severity: "medium", severityOriginal: 10, time: "2026-09-14T08:12:44.331Z", sourceId: "wazuh-manager-01:1789373564.2281937" });
    expect(a.host).toEqual({ name: "web-prod-02", ip: "10.20.1.15" });
    expect(a.user.name).toBe("admin");
    expect(a.mitre).toEqual(["T1110"]);
    expect(ioc(a, "ip", "203.0.113.77")).toMatchObject({ role: "source", internal: false, from: "field", path: "data.srcip" });
  });

  it("reads Sysmon hash strings by algorithm, drops the all-zero SHA1 and IMPHASH, refangs the command line URL", () => {
    const a = mustNormalize(fixtureItems("wazuh", "fim-sysmon.json")[0]!);
    expect(a.severity).toBe("critical");
    expect(a.time).toBe("2026-09-15T08:01:02.000Z");
    expect(iocValues(a, "md5")).toEqual(["3f1a5d2c9e8b7a6d5c4b3a2918273645"]);
    expect(iocValues(a, "sha256")).toEqual(["6a2b9c1d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"]);
    expect(iocValues(a, "sha1")).toEqual([]);
    expect(iocValues(a)).not.toContain("c0ffee1234567890abcdef1234567890");
    expect(ioc(a, "url", "http://update-cdn.badexample.net/a.ps1")).toMatchObject({ from: "text" });
    expect(a.mitre).toEqual(["T1059.001"]);
    expect(a.category).toBe("malware");
  });
});

describe("suricata", () => {
  it("inverts severity (2 = medium), converts the sensor offset to UTC, roles from src/dest", () => {
    const a = mustNormalize(fixtureItems("suricata", "et-scan.json")[0]!);
    expect(a).toMatchObject({ format: "suricata", category: "network_scan", severity: "medium", severityOriginal: 2, time: "2026-09-14T21:24:37.251Z", title: "ET SCAN Potential SSH Scan" });
    expect(a.host.ip).toBe("10.1.1.2");
    expect(a.mitre).toEqual(["T1046"]);
    expect(ioc(a, "ip", "198.51.100.77")).toMatchObject({ role: "source", internal: false });
    expect(ioc(a, "ip", "10.1.1.2")).toMatchObject({ role: "destination", internal: true });
    expect(a.sourceId).toBe("1805461738637437:2001219:");
  });

  it("severity 1 is high; http hostname and file hashes are indicators", () => {
    const a = mustNormalize(fixtureItems("suricata", "http-malware.json")[0]!);
    expect(a.severity).toBe("high");
    expect(a.category).toBe("malware");
    expect(ioc(a, "domain", "cdn.emotet-c2.example-bad.net")).toMatchObject({ role: "destination" });
    expect(iocValues(a, "sha256")).toEqual(["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"]);
  });
});

describe("elastic", () => {
  it("reads flat dotted kibana.alert.* keys beside nested ECS objects; rule references are not IoCs", () => {
    const a = mustNormalize(fixtureItems("elastic", "flat-dotted.json")[0]!);
    expect(a).toMatchObject({ format: "elastic", severity: "high", severityOriginal: "high", title: "Potential Credential Access via LSASS Memory Dump", time: "2026-09-14T11:02:30.101Z" });
    expect(a.host).toEqual({ name: "FIN-SRV-03", ip: "10.10.5.23" });
    expect(a.user.name).toBe("svc_backup");
    expect(a.mitre).toEqual(["T1003", "T1003.001"]);
    expect(a.tactics).toEqual(["Credential Access"]);
    expect(a.sourceId).toMatch(/^4e0d6c4c/);
    expect(iocValues(a, "url")).toEqual([]);
    expect(iocValues(a, "domain")).toEqual([]);
    expect(iocValues(a, "md5")).toEqual([]); // all-zero placeholder
    expect(iocValues(a, "sha256")).toEqual(["05732e84de58a3cc142535431b3aa04efbe034cc96e837f93c360a6387d8faad"]);
  });

  it("unwraps an Elasticsearch search hit (_source)", () => {
    const a = mustNormalize(fixtureItems("elastic", "search-hit.json")[0]!);
    expect(a.format).toBe("elastic");
    expect(ioc(a, "domain", "login-verify.phish-example.com")).toMatchObject({ role: "destination" });
    expect(ioc(a, "ip", "10.10.7.9")).toMatchObject({ role: "source", internal: true });
    expect((a.raw as Record<string, unknown>)._index).toBeDefined();
  });
});

describe("splunk", () => {
  it("maps an ES notable: urgency before severity, _time with a user offset, annotations JSON string, multivalue src", () => {
    const a = mustNormalize(fixtureItems("splunk", "notable.json")[0]!);
    expect(a).toMatchObject({ format: "splunk", category: "authentication", severity: "high", severityOriginal: "high", title: "Excessive Failed Logins for sarah.connor", time: "2026-09-14T14:30:00.000Z" });
    expect(a.mitre).toEqual(["T1110.001"]);
    expect(iocValues(a, "ip")).toEqual(["203.0.113.9", "203.0.113.10"]);
    expect(a.sourceId).toContain("@@notable@@");
  });

  it("maps the webhook action payload: string values, no severity (documented default), results_link is not an IoC", () => {
    const a = mustNormalize(fixtureItems("splunk", "webhook-action.json")[0]!);
    expect(a).toMatchObject({ format: "splunk", severity: "medium", severityOriginal: null, title: "Malware download from known bad IP", time: "2026-09-14T10:30:22.000Z" });
    expect(a.context.severity_mapping).toBe("default");
    expect(ioc(a, "md5", "44d88612fea8a8f36de82e1278abb02f")).toBeDefined();
    expect(iocValues(a).some((v) => v.includes("splunk.corp.example.com"))).toBe(false);
    expect(a.sourceId).toMatch(/^scheduler__admin__search__RMD5a0fe7c2b_at_1789381800_123:[0-9a-f]{16}$/);
  });
});

describe("defender (Graph alert v2)", () => {
  it("takes indicators from typed evidence with roles; alert and incident links are not IoCs", () => {
    const a = mustNormalize(fixtureItems("defender", "alert-v2.json")[0]!);
    expect(a).toMatchObject({ format: "defender", severity: "high", time: "2026-09-14T09:31:27.923Z", sourceId: "da637551227677560813_-961444813" });
    expect(a.host).toEqual({ name: "tempdev.corp.example.com", ip: "10.50.1.8" });
    expect(a.user.name).toBe("jdoe@corp.example.com");
    expect(a.mitre).toEqual(["T1564.001"]);
    expect(ioc(a, "ip", "203.0.113.66")).toMatchObject({ role: "source" });
    expect(ioc(a, "url", "https://cc.badactor-example.org/beacon")).toMatchObject({ role: "destination" });
    expect(iocValues(a).some((v) => v.includes("security.microsoft.com"))).toBe(false);
  });
});

describe("sentinel", () => {
  it("parses Entities, ExtendedProperties and Techniques from JSON strings", () => {
    const a = mustNormalize(fixtureItems("sentinel", "security-alert-row.json")[0]!);
    expect(a).toMatchObject({ format: "sentinel", category: "authentication", severity: "high", time: "2026-09-14T07:30:00.000Z", sourceId: "1f2e3d4c-5b6a-4789-9abc-def012345678" });
    expect(a.host.name).toBe("LAPTOP-PG.corp.example.com");
    expect(a.user.name).toBe("p.garcia@corp.example.com");
    expect(a.mitre).toEqual(["T1078", "T1110"]);
    expect(a.tactics).toEqual(["InitialAccess", "CredentialAccess"]);
    expect(ioc(a, "ip", "203.0.113.42")).toMatchObject({ from: "field", path: "Entities[0].Address" });
    expect(a.context.analytic_rule).toBe("Tor sign-in after failures");
  });

  it("maps an incident; its portal URL is not an IoC, its description is scanned", () => {
    const a = mustNormalize(fixtureItems("sentinel", "incident.json")[0]!);
    expect(a).toMatchObject({ format: "sentinel", category: "data_exfiltration", severity: "medium", sourceId: "73e01a99-5cd7-4139-a149-9f2736ff2ab5", time: "2026-09-14T17:20:00.000Z" });
    expect(a.mitre).toEqual(["T1213", "T1567"]);
    expect(ioc(a, "ip", "198.51.100.140")).toMatchObject({ from: "text", role: null });
    expect(iocValues(a).some((v) => v.includes("portal.azure.com"))).toBe(false);
  });

  it("rejects a row whose Entities string is not JSON, saying so", () => {
    const row = JSON.parse(fixtureItems("sentinel", "security-alert-row.json")[0]!) as Record<string, unknown>;
    row.Entities = "[{broken";
    const { normalizeAlert } = awaitImport();
    const r = normalizeAlert(JSON.stringify(row));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.reason).toMatch(/Entities is not valid JSON/);
  });
});

import * as normalizeModule from "../../src/enricher/normalize/index.js";
function awaitImport() { return normalizeModule; }

describe("crowdstrike", () => {
  it("DetectionSummaryEvent: SeverityName decides, epoch ms time, technique name → id, zero SHA1 dropped, console link ignored", () => {
    const a = mustNormalize(fixtureItems("crowdstrike", "detection-summary.json")[0]!);
    expect(a).toMatchObject({ format: "crowdstrike", category: "malware", severity: "critical", severityOriginal: "Critical", title: "Ransomware", time: "2026-09-14T14:12:45.000Z" });
    expect(a.host).toEqual({ name: "ENG-WKS-17", ip: "10.30.17.40" });
    // UserName byte-exact as Falcon sends it; LogonDomain is kept beside it.
    expect(a.user.name).toBe("robert.lee");
    expect(a.context.logon_domain).toBe("CORP");
    expect(a.mitre).toEqual(["T1486"]);
    expect(a.sourceId).toBe("ldt:a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2:38290121");
    expect(iocValues(a, "sha1")).toEqual([]);
    expect(ioc(a, "ip", "198.51.100.99")).toMatchObject({ role: "destination", internal: false });
    expect(iocValues(a).some((v) => v.includes("crowdstrike.com"))).toBe(false);
  });

  it("EPP variant: 0-100 severity with SeverityName, CompositeId, MitreAttack ids", () => {
    const a = mustNormalize(fixtureItems("crowdstrike", "epp-detection.json")[0]!);
    expect(a).toMatchObject({ severity: "high", severityOriginal: "High", title: "CredentialTheftMimikatz" });
    expect(a.host.name).toBe("HR-LAPTOP-04");
    expect(a.mitre).toEqual(["T1003"]);
    expect(a.sourceId).toMatch(/:ind:/);
    expect(iocValues(a, "md5")).toEqual([]);
  });
});

describe("guardduty", () => {
  it("bare finding: float severity 2 is low, probing remote IP is the source", () => {
    const a = mustNormalize(fixtureItems("guardduty", "bare-finding.json")[0]!);
    expect(a).toMatchObject({ format: "guardduty", category: "network_scan", severity: "low", severityOriginal: 2, sourceId: "16afba5c5c43e07c9e3e5e2e544e95df", time: "2026-09-14T03:11:09.000Z" });
    expect(a.host).toEqual({ name: "bastion-prod", ip: "10.0.3.21" });
    expect(ioc(a, "ip", "198.51.100.45")).toMatchObject({ role: "source", internal: false });
  });

  it("EventBridge envelope: unwraps detail; DNS C&C domain is a destination", () => {
    const a = mustNormalize(fixtureItems("guardduty", "eventbridge.json")[0]!);
    expect(a).toMatchObject({ format: "guardduty", category: "malware", severity: "high", severityOriginal: 8, sourceId: "a2b4c6d8e0f2a4c6e8f0a2c4e6f8a0c2" });
    expect(ioc(a, "domain", "c2.malicious-example.xyz")).toMatchObject({ role: "destination", from: "field" });
  });

  it("accepts the PascalCase console copy of a finding", () => {
    const pascal = JSON.stringify(JSON.parse(fixtureItems("guardduty", "bare-finding.json")[0]!), (_k, v: unknown) => {
      if (v && typeof v === "object" && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k[0]!.toUpperCase() + k.slice(1), x]));
      return v;
    });
    const a = mustNormalize(pascal);
    expect(a.format).toBe("guardduty");
    expect(ioc(a, "ip", "198.51.100.45")).toMatchObject({ role: "source" });
  });
});

describe("gcp_scc", () => {
  it("notification envelope: category as title, enum MITRE names, console externalUri ignored", () => {
    const a = mustNormalize(fixtureItems("gcp_scc", "notification.json")[0]!);
    expect(a).toMatchObject({ format: "gcp_scc", category: "malware", severity: "high", title: "Malware: Cryptomining Bad IP", time: "2026-09-14T13:14:15.123Z" });
    expect(a.mitre).toEqual(["T1496"]);
    expect(a.host.name).toBe("miner-vm");
    expect(ioc(a, "ip", "198.51.100.250")).toMatchObject({ role: "destination" });
    expect(ioc(a, "domain", "pool.minexmr-example.com")).toBeDefined();
    expect(iocValues(a).some((v) => v.includes("console.cloud.google.com"))).toBe(false);
  });

  it("bare finding: CRITICAL, caller IP, principal as user", () => {
    const a = mustNormalize(fixtureItems("gcp_scc", "bare-finding.json")[0]!);
    expect(a).toMatchObject({ format: "gcp_scc", category: "data_exfiltration", severity: "critical", severityOriginal: "CRITICAL" });
    expect(a.user.name).toBe("etl@prod-data.iam.gserviceaccount.com");
    expect(ioc(a, "ip", "203.0.113.150")).toMatchObject({ role: "source" });
    expect(a.context.exfiltrated_bytes).toBe("9876543210");
  });
});

describe("ocsf", () => {
  it("Detection Finding 2004: severity_id 4, hashes by algorithm_id, attacks", () => {
    const a = mustNormalize(fixtureItems("ocsf", "detection-finding.json")[0]!);
    expect(a).toMatchObject({ format: "ocsf", severity: "high", severityOriginal: 4, title: "Encoded PowerShell downloading payload", sourceId: "fnd-2026-0914-0042", time: "2026-09-14T13:20:00.000Z" });
    expect(a.mitre).toEqual(["T1059.001", "T1059"]);
    expect(a.user.name).toBe("k.tanaka");
    expect(iocValues(a, "sha256")).toEqual(["de2f256064a0af797747c2b97505dc0b9f3df0de4f489eac731c23ae9ca9cc31"]);
    expect(ioc(a, "ip", "203.0.113.230")).toMatchObject({ role: "destination" });
  });

  it("Authentication 3002: authentication category, built title, IPv6 source", () => {
    const a = mustNormalize(fixtureItems("ocsf", "authentication.json")[0]!);
    expect(a).toMatchObject({ format: "ocsf", category: "authentication", severity: "low", title: "Logon failed for svc-deploy" });
    expect(a.host.name).toBe("build-01.corp.example.com");
    expect(ioc(a, "ip", "2001:db8:85a3::8a2e:370:7334")).toMatchObject({ role: "source" });
  });

  it("other classes: message as title, category from the text", () => {
    const a = mustNormalize(fixtureItems("ocsf", "network-activity.json")[0]!);
    expect(a).toMatchObject({ format: "ocsf", title: "Outbound connection to sinkholed domain", severity: "medium" });
    expect(ioc(a, "domain", "sinkhole.bad-example.info")).toMatchObject({ role: "destination" });
  });
});

describe("okta", () => {
  it("a single event: WARN + threatSuspected is high, client IP is the source", () => {
    const a = mustNormalize(fixtureItems("okta", "session-start-threat.json")[0]!);
    expect(a).toMatchObject({ format: "okta", category: "authentication", severity: "high", severityOriginal: "WARN", time: "2026-09-14T06:12:01.377Z", sourceId: "f1e2d3c4-b5a6-11f0-9c8b-7a6b5c4d3e2f" });
    expect(a.user.name).toBe("mia.chen@corp.example.com");
    expect(a.context.threat_suspected).toBe(true);
    expect(ioc(a, "ip", "203.0.113.42")).toMatchObject({ role: "source" });
  });

  it("the polling array splits into one alert per event", () => {
    const items = fixtureItems("okta", "polling-array.json");
    expect(items).toHaveLength(2);
    const [first, second] = items.map((t) => mustNormalize(t));
    expect(first).toMatchObject({ severity: "low", severityOriginal: "INFO" });
    expect(second).toMatchObject({ severity: "medium", severityOriginal: "WARN", category: "authentication" });
  });
});

describe("zeek", () => {
  it("flat id.* keys, epoch float ts, severity from the notice type", () => {
    const [scan, intel] = fixtureItems("zeek", "notice.jsonl").map((t) => mustNormalize(t));
    expect(scan).toMatchObject({ format: "zeek", category: "network_scan", severity: "medium", severityOriginal: null, time: "2026-09-14T10:00:00.123Z", sourceId: "CHhAvVGS1DHFjwGM9:Scan::Port_Scan" });
    expect(ioc(scan!, "ip", "198.51.100.77")).toMatchObject({ role: "source" });
    // An intel hit says an indicator was seen, not that anything ran: medium, not high.
    expect(intel).toMatchObject({ severity: "medium", time: "2026-09-14T05:00:01.500Z", sourceId: null });
    expect(ioc(intel!, "domain", "c2-panel.bad-example.org")).toMatchObject({ from: "text" });
  });
});

describe("cef", () => {
  it("with a syslog header: rt, escaped \\= in a value, csN labels, externalId", () => {
    const a = mustNormalize(fixtureItems("cef", "lines.cef")[0]!);
    expect(a).toMatchObject({ format: "cef", category: "data_exfiltration", severity: "high", severityOriginal: "8", time: "2026-09-14T08:12:40.000Z", sourceId: "pan-88123" });
    expect(a.source).toEqual({ vendor: "Palo Alto Networks", product: "PAN-OS" });
    expect(a.user.name).toBe("jane.doe");
    expect(a.context.rule_name).toBe("Outbound Large Upload");
    expect(ioc(a, "url", "https://data-archive.example-cloud-store.net/upload?id=42")).toMatchObject({ role: "destination" });
    expect(ioc(a, "ip", "10.12.45.87")).toMatchObject({ role: "source", internal: true });
  });

  it("without a syslog header: escaped \\| in the header, Very-High, fileHash by length, file names are not domains", () => {
    const a = mustNormalize(fixtureItems("cef", "lines.cef")[1]!);
    expect(a).toMatchObject({ severity: "critical", severityOriginal: "Very-High", category: "malware", time: "2026-09-14T10:00:00.000Z" });
    expect(a.source.product).toBe("Gate|Keeper");
    expect(a.user.name).toBe("CORP\\jsmith");
    expect(a.description).toContain("\n second line");
    expect(iocValues(a, "sha256")).toEqual(["2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"]);
    expect(ioc(a, "url", "https://files.share-example.biz/inv.exe")).toMatchObject({ from: "text" });
    expect(iocValues(a, "domain")).not.toContain("invoice_april.docx.exe");
    expect(a.raw).toBe(fixtureItems("cef", "lines.cef")[1]);
  });
});

describe("webhook", () => {
  it("best-effort mapping: P2, tags with technique ids, text IoCs without version strings", () => {
    const a = mustNormalize(fixtureItems("webhook", "custom.json")[0]!);
    expect(a).toMatchObject({ format: "webhook", severity: "high", severityOriginal: "P2", sourceId: "wh-55821", user: { name: "olga.ivanova" }, mitre: ["T1078"] });
    expect(ioc(a, "ip", "203.0.113.99")).toMatchObject({ role: "source", from: "field" });
    expect(ioc(a, "ip", "10.4.4.4")).toMatchObject({ internal: true, from: "text" });
    expect(iocValues(a, "ip")).not.toContain("1.2.3.4");
  });

  it("an unknown severity keeps the original and is marked as defaulted; epoch ms time", () => {
    const a = mustNormalize(fixtureItems("webhook", "epoch-ms.json")[0]!);
    expect(a).toMatchObject({ severity: "medium", severityOriginal: "banana", time: "2026-09-14T11:40:00.000Z" });
    expect(a.context.severity_mapping).toBe("default");
    expect(iocValues(a, "domain")).toEqual(["tunnel.example-dns-abuse.com"]);
  });

  it("does not make the alert's own host an indicator when the raw scan meets it", () => {
    const a = mustNormalize(fixtureItems("webhook", "custom.json")[0]!);
    expect(a.host.name).toBe("vpn.corp.example.com");
    // Only the domain of the URL in the details; never the alert's own host.
    expect(iocValues(a, "domain")).toEqual(["sso.corp-example.com"]);
  });
});

describe("forced format", () => {
  it("maps as the forced format and reports when the document is not that format", () => {
    const text = fixtureItems("wazuh", "sshd-brute-force.json")[0]!;
    expect(mustNormalize(text, { format: "webhook" }).format).toBe("webhook");
    const r = normalizeModule.normalizeAlert(text, { format: "okta" });
    expect(r.ok).toBe(false);
    if (!r.ok) { expect(r.error.tried).toEqual(["okta"]); expect(r.error.reason).toMatch(/not a valid okta alert/); }
  });
});
