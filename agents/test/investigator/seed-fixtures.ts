// The five seed sample alerts (seed-origin.md §7) as the normalizer and enricher are expected to
// hand them over, validated against the contracts so a contract change breaks these tests loudly.
import { createHash } from "node:crypto";
import {
  CanonicalAlert, EnrichedMessage, Enrichment, IndicatorEnrichment, InvestigatedMessage, SchemaIds,
  type Investigation, type Ioc,
} from "@secops/contracts";

type AlertInput = Partial<CanonicalAlert> & Pick<CanonicalAlert, "category" | "severity" | "title">;

export function makeAlert(input: AlertInput): CanonicalAlert {
  return CanonicalAlert.parse({
    format: "seed",
    severityOriginal: null,
    description: "",
    time: "2025-05-08T10:00:00Z",
    source: { vendor: "test", product: null },
    host: { name: null, ip: null },
    user: { name: null },
    assets: [],
    iocs: [],
    mitre: [],
    tactics: [],
    sourceId: null,
    fingerprint: createHash("sha256").update(input.title + JSON.stringify(input.context ?? {})).digest("hex"),
    context: {},
    raw: {},
    ...input,
  });
}

export function ip(value: string, role: Ioc["role"], internal: boolean, path?: string): Ioc {
  return { type: "ip", value, role, internal, from: "field", ...(path ? { path } : {}) };
}

export function indicator(type: IndicatorEnrichment["type"], value: string, verdict: IndicatorEnrichment["verdict"], tags: string[] = [], sources: IndicatorEnrichment["sources"] = []): IndicatorEnrichment {
  return IndicatorEnrichment.parse({ type, value, verdict, sources, tags, geo: null, cached: false });
}

export function makeEnrichment(indicators: IndicatorEnrichment[], asset: Enrichment["asset"], extra: Partial<Enrichment> = {}): Enrichment {
  const count = (v: string) => indicators.filter((i) => i.verdict === v).length;
  return Enrichment.parse({
    indicators,
    asset,
    summary: {
      malicious: count("malicious"), suspicious: count("suspicious"), clean: count("clean"), unknown: count("unknown"),
      externalIps: indicators.filter((i) => i.type === "ip" && !i.tags.includes("private")).length,
      internalIps: indicators.filter((i) => i.type === "ip" && i.tags.includes("private")).length,
    },
    providers: ["offline-test"],
    suppressed: null,
    ...extra,
  });
}

export function enrichedMessage(alert: CanonicalAlert, enrichment: Enrichment, alertId = "SEC-TEST-1"): EnrichedMessage {
  return EnrichedMessage.parse({
    schema: SchemaIds.enriched,
    alertId,
    traceId: "0123456789abcdef0123456789abcdef",
    producer: { agent: "enricher", version: "test", instance: "t1" },
    timestamps: { received: "2025-05-08T10:00:01Z", enriched: "2025-05-08T10:00:02Z" },
    alert,
    enrichment,
  });
}

export function investigatedMessage(enriched: EnrichedMessage, investigation: Investigation): InvestigatedMessage {
  return InvestigatedMessage.parse({ ...enriched, schema: SchemaIds.investigated, investigation });
}

const seed1Raw = {
  alert_id: "SEC-2025-0547", name: "Suspicious Authentication Activity", severity: "Medium", source: "SIEM",
  timestamp: "2025-05-07T22:15:30Z", description: "Multiple failed login attempts followed by successful login from unusual location",
  details: { user: "john.smith", source_ip: "203.0.113.42", failed_attempts: 5, timespan_minutes: 3, successful_login: true, user_role: "Finance Administrator", typical_login_hours: "08:00-18:00", login_time: "03:14:22", typical_login_locations: ["New York", "Boston"], current_login_location: "Unknown (Tor Exit Node)" },
  affected_systems: ["finance.example.com", "payroll.example.com"], tactic: "Initial Access", technique: "Valid Accounts",
  raw_log: "May 7 03:14:22 auth-server sshd[12345]: Accepted password for john.smith from 203.0.113.42 port 54321",
};

export const seed1 = {
  alert: makeAlert({
    category: "authentication", severity: "medium", severityOriginal: "Medium", title: seed1Raw.name, description: seed1Raw.description,
    time: "2025-05-07T22:15:30Z", source: { vendor: "SIEM", product: null }, user: { name: "john.smith" },
    assets: seed1Raw.affected_systems, iocs: [ip("203.0.113.42", "source", false, "details.source_ip")], tactics: ["Initial Access"], sourceId: "SEC-2025-0547",
    context: { user_role: "Finance Administrator", failed_attempts: 5, timespan_minutes: 3, successful_login: true, typical_login_hours: "08:00-18:00", login_time: "03:14:22", typical_login_locations: ["New York", "Boston"], current_login_location: "Unknown (Tor Exit Node)", technique: "Valid Accounts" },
    raw: seed1Raw,
  }),
  enrichment: makeEnrichment([indicator("ip", "203.0.113.42", "suspicious", ["tor-exit", "documentation-range"], [{ name: "tor-exit-list", verdict: "suspicious" }])],
    { name: "finance.example.com", criticality: "high", reason: "finance systems" }),
};

const seed2Raw = {
  alert_id: "SEC-2025-0548", name: "Anomalous Data Exfiltration", severity: "High", source: "Network IDS", timestamp: "2025-05-08T04:27:15Z",
  description: "Unusual outbound data transfer to unknown external destination",
  details: { source_host: "workstation-42.example.com", source_ip: "10.12.45.87", destination_ip: "198.51.100.23", destination_domain: "data-archive.example-cloud-store.net", transfer_size_mb: 245, transfer_protocol: "HTTPS", user: "jane.doe", department: "R&D", typical_daily_transfer_mb: 25, time_of_day: "04:27:15", working_hours: "09:00-17:00" },
  affected_systems: ["workstation-42.example.com"], tactic: "Exfiltration", technique: "Exfiltration Over Web Service",
  raw_log: "May 8 04:27:15 gateway-fw-1 CEF:0|Security|Gateway|2.1|1001|Large Data Transfer|8|src=10.12.45.87 dst=198.51.100.23 dpt=443 out=256901120 cs1=jane.doe",
};

export const seed2 = {
  alert: makeAlert({
    category: "data_exfiltration", severity: "high", severityOriginal: "High", title: seed2Raw.name, description: seed2Raw.description, time: "2025-05-08T04:27:15Z",
    source: { vendor: "Network IDS", product: null }, host: { name: "workstation-42.example.com", ip: "10.12.45.87" }, user: { name: "jane.doe" },
    assets: seed2Raw.affected_systems,
    iocs: [ip("10.12.45.87", "source", true, "details.source_ip"), ip("198.51.100.23", "destination", false, "details.destination_ip"),
      { type: "domain", value: "data-archive.example-cloud-store.net", role: "destination", internal: false, from: "field", path: "details.destination_domain" }],
    tactics: ["Exfiltration"], sourceId: "SEC-2025-0548",
    context: { transfer_size_mb: 245, transfer_protocol: "HTTPS", department: "R&D", typical_daily_transfer_mb: 25, time_of_day: "04:27:15", working_hours: "09:00-17:00" },
    raw: seed2Raw,
  }),
  enrichment: makeEnrichment([
    indicator("ip", "10.12.45.87", "unknown", ["private"]),
    indicator("ip", "198.51.100.23", "unknown", ["documentation-range"]),
    indicator("domain", "data-archive.example-cloud-store.net", "unknown"),
  ], { name: "workstation-42.example.com", criticality: "medium", reason: "workstation" }),
};

const seed3Raw = {
  alert_id: "SEC-2025-0549", name: "Malware Detection Alert", severity: "High", source: "Endpoint Protection", timestamp: "2025-05-08T10:12:45Z",
  description: "Ransomware behavior detected on engineering workstation",
  details: { endpoint: "workstation-17.example.com", user: "robert.lee", process: "winword.exe", malware_type: "Ransomware", malware_family: "BlackCat", detection_method: "Behavioral Analysis", file_hash: "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0", suspicious_behaviors: ["Mass file encryption", "Shadow copy deletion", "Registry modification"], affected_files: 247, infected_path: "C:\\Users\\robert.lee\\Downloads\\invoice_april.docx" },
  affected_systems: ["workstation-17.example.com"], tactic: "Impact", technique: "Data Encryption",
  raw_log: "May 8 10:12:45 edr-agent-17 DETECTION: ransomware_behavior=true, process=winword.exe, pid=4532, user=robert.lee, confidence=97",
};

export const seed3 = {
  alert: makeAlert({
    category: "malware", severity: "high", severityOriginal: "High", title: seed3Raw.name, description: seed3Raw.description, time: "2025-05-08T10:12:45Z",
    source: { vendor: "Endpoint Protection", product: null }, host: { name: "workstation-17.example.com", ip: null }, user: { name: "robert.lee" },
    assets: seed3Raw.affected_systems,
    iocs: [{ type: "sha1", value: "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0", role: null, internal: false, from: "field", path: "details.file_hash" }],
    tactics: ["Impact"], sourceId: "SEC-2025-0549",
    context: { process: "winword.exe", malware_type: "Ransomware", malware_family: "BlackCat", detection_method: "Behavioral Analysis", suspicious_behaviors: seed3Raw.details.suspicious_behaviors, affected_files: 247, infected_path: seed3Raw.details.infected_path },
    raw: seed3Raw,
  }),
  enrichment: makeEnrichment([indicator("sha1", "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0", "unknown")],
    { name: "workstation-17.example.com", criticality: "medium", reason: "engineering workstation" }),
};

const seed4Raw = {
  alert_id: "SEC-2025-0550", name: "Network Port Scanning Activity", severity: "Medium", source: "Network IDS", timestamp: "2025-05-08T15:32:18Z",
  description: "Sequential port scanning detected from external IP address",
  details: { source_ip: "198.51.100.77", destination_ips: ["10.1.1.1", "10.1.1.2", "10.1.1.3", "10.1.1.4"], scanned_ports: [22, 23, 25, 80, 443, 445, 3389, 8080, 8443], scan_duration_seconds: 18, scan_type: "TCP SYN", packets_per_second: 42, geolocation: "Russia", isp: "Example ISP Ltd." },
  affected_systems: ["border-fw-1.example.com"], tactic: "Discovery", technique: "Network Service Scanning",
  raw_log: "May 8 15:32:18 ids-1 [ALERT]: Port scan detected, src=198.51.100.77, dst=10.1.1.0/24, matched signature: TCP_SYN_SCAN",
};

export const seed4 = {
  alert: makeAlert({
    category: "network_scan", severity: "medium", severityOriginal: "Medium", title: seed4Raw.name, description: seed4Raw.description, time: "2025-05-08T15:32:18Z",
    source: { vendor: "Network IDS", product: null }, assets: seed4Raw.affected_systems,
    iocs: [ip("198.51.100.77", "source", false, "details.source_ip"), ...seed4Raw.details.destination_ips.map((d, i) => ip(d, "destination", true, `details.destination_ips[${i}]`))],
    tactics: ["Discovery"], sourceId: "SEC-2025-0550",
    context: { destination_ips: seed4Raw.details.destination_ips, scanned_ports: seed4Raw.details.scanned_ports.map(String), scan_duration_seconds: 18, scan_type: "TCP SYN", packets_per_second: 42, geolocation: "Russia", isp: "Example ISP Ltd." },
    raw: seed4Raw,
  }),
  enrichment: makeEnrichment([indicator("ip", "198.51.100.77", "unknown", ["documentation-range"]), ...seed4Raw.details.destination_ips.map((d) => indicator("ip", d, "unknown", ["private"]))],
    { name: "border-fw-1.example.com", criticality: "medium", reason: "perimeter device" }),
};

const seed5Raw = {
  alert_id: "SEC-2025-0551", name: "Unusual Data Access Pattern", severity: "High", source: "DLP System", timestamp: "2025-05-08T19:44:22Z",
  description: "Employee accessed unusually large volume of sensitive documents outside normal pattern",
  details: { user: "jennifer.wong", user_department: "Marketing", document_types: ["Financial Reports", "Customer PII", "Employee Salary Data"], files_accessed: 47, access_period_minutes: 22, typical_daily_access: 5, access_time: "19:44:22", working_hours: "09:00-17:00", device: "personal-laptop.example.com", resignation_notice: true, resignation_date: "2025-05-15" },
  affected_systems: ["sharepoint.example.com", "financial-docs.example.com"], tactic: "Collection", technique: "Data from Information Repositories",
  raw_log: "May 8 19:44:22 dlp-monitor [ALERT]: Unusual access pattern detected, user=jennifer.wong, docs=47, threshold=10, policy=SensitiveDocAccess",
};

export const seed5 = {
  alert: makeAlert({
    category: "data_exfiltration", severity: "high", severityOriginal: "High", title: seed5Raw.name, description: seed5Raw.description, time: "2025-05-08T19:44:22Z",
    source: { vendor: "DLP System", product: null }, host: { name: "personal-laptop.example.com", ip: null }, user: { name: "jennifer.wong" },
    assets: seed5Raw.affected_systems, tactics: ["Collection"], sourceId: "SEC-2025-0551",
    context: { user_department: "Marketing", document_types: seed5Raw.details.document_types, files_accessed: 47, access_period_minutes: 22, typical_daily_access: 5, access_time: "19:44:22", working_hours: "09:00-17:00", device: "personal-laptop.example.com", resignation_notice: true, resignation_date: "2025-05-15" },
    raw: seed5Raw,
  }),
  enrichment: makeEnrichment([], { name: "personal-laptop.example.com", criticality: "medium", reason: "user device" }),
};

export const seeds = { seed1, seed2, seed3, seed4, seed5 };
