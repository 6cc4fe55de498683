import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { alertIdFor } from "../../src/enricher/normalize/index.js";
import { SEED_SAMPLES, ioc, iocValues, mustNormalize } from "./fixtures.js";

const sample = (n: number) => mustNormalize(readFileSync(join(SEED_SAMPLES, `sample_alert${n}.json`), "utf8"));

describe("the seed's five scenarios (input_alerts/)", () => {
  it("1: Tor login to a finance admin → authentication, Valid Accounts → T1078, source IP from details", () => {
    const a = sample(1);
    expect(a).toMatchObject({ format: "seed", category: "authentication", severity: "medium", severityOriginal: "Medium", sourceId: "SEC-2026-0101", time: "2026-03-11T02:47:09.000Z", mitre: ["T1078"], tactics: ["Initial Access"] });
    expect(a.user.name).toBe("m.okafor");
    expect(a.assets).toEqual(["ledger.corp.example.com", "treasury.corp.example.com"]);
    expect(ioc(a, "ip", "185.220.101.34")).toMatchObject({ role: "source", internal: false, from: "field", path: "details.source_ip" });
    expect(a.context).toMatchObject({ user_role: "Finance Administrator", failed_attempts: 7, successful_login: true, current_login_location: "Unknown (Tor Exit Node)" });
    // affected systems are hosts, not indicators
    expect(iocValues(a, "domain")).toEqual([]);
  });

  it("2: large transfer → data_exfiltration with internal source, external destination IP and domain", () => {
    const a = sample(2);
    expect(a).toMatchObject({ category: "data_exfiltration", severity: "high", mitre: ["T1567"] });
    expect(a.host).toEqual({ name: "rnd-wks-08.corp.example.com", ip: "10.22.8.108" });
    expect(ioc(a, "ip", "10.22.8.108")).toMatchObject({ role: "source", internal: true });
    expect(ioc(a, "ip", "159.223.45.12")).toMatchObject({ role: "destination", internal: false });
    expect(ioc(a, "domain", "sync.quickshare-storage.net")).toMatchObject({ role: "destination", from: "field" });
    expect(a.context).toMatchObject({ transfer_size_mb: 612, typical_daily_transfer_mb: 48, department: "R&D" });
  });

  it("3: BlackCat ransomware → malware, T1486, sha1 + sha256, winword.exe is a process not a domain", () => {
    const a = sample(3);
    expect(a).toMatchObject({ category: "malware", severity: "high", mitre: ["T1486"], host: { name: "eng-wks-31.corp.example.com", ip: null } });
    expect(iocValues(a, "sha1")).toEqual(["7c2f95e1a84b3d06f1e9c5a2d8b47e03c6a91f58"]);
    expect(iocValues(a, "sha256")).toEqual(["3f9a4c7e12b8d05a6e91c4f27d38b5a09e6c1d74f2a85b3c60e9d17a4b82c5f3"]);
    expect(iocValues(a, "domain")).toEqual([]);
    expect(a.context).toMatchObject({ process: "winword.exe", malware_type: "Ransomware", malware_family: "BlackCat", detection_method: "Behavioral Analysis" });
    expect(a.context.suspicious_behaviors).toEqual(["Mass file encryption", "Shadow copy deletion", "Registry run key added"]);
  });

  it("4: external SYN scan → network_scan, T1046, destinations internal, ports as strings, /24 is not an IP", () => {
    const a = sample(4);
    expect(a).toMatchObject({ category: "network_scan", severity: "medium", mitre: ["T1046"] });
    expect(ioc(a, "ip", "80.82.77.139")).toMatchObject({ role: "source", internal: false });
    expect(a.iocs.filter((i) => i.role === "destination").map((i) => i.value)).toEqual(["10.5.0.10", "10.5.0.11", "10.5.0.12", "10.5.0.13", "10.5.0.14"]);
    expect(iocValues(a, "ip")).not.toContain("10.5.0.0");
    expect(a.context).toMatchObject({ scan_type: "TCP SYN", scanned_ports: ["21", "22", "25", "53", "80", "110", "143", "443", "445", "3306", "3389", "5900"] });
  });

  it("5: departing employee's bulk access → data_exfiltration, T1213, DLP context kept", () => {
    const a = sample(5);
    expect(a).toMatchObject({ category: "data_exfiltration", severity: "high", mitre: ["T1213"], user: { name: "d.moreau" } });
    expect(a.context).toMatchObject({ resignation_notice: true, files_accessed: 63, typical_daily_access: 6, user_department: "Sales" });
    expect(a.context.document_types).toEqual(["Customer Contracts", "Pricing Models", "Customer PII"]);
  });

  it("alert ids are stable and distinct across the five samples", () => {
    const ids = [1, 2, 3, 4, 5].map((n) => alertIdFor(sample(n)));
    expect(new Set(ids).size).toBe(5);
    expect(ids.every((id) => /^al-[0-9a-f]{24}$/.test(id))).toBe(true);
    expect(alertIdFor(sample(1))).toBe(ids[0]);
  });
});
