import { describe, expect, it } from "vitest";
import { techniqueIds } from "../../src/enricher/normalize/mitre.js";
import { cefSeverity, crowdstrikeSeverity, genericSeverity, guarddutySeverity, ocsfSeverity, oktaSeverity, priority, suricataSeverity, wazuhLevel, fromWord } from "../../src/enricher/normalize/severity.js";
import { toIsoUtc } from "../../src/enricher/normalize/time.js";
import { clip } from "../../src/enricher/normalize/limits.js";
import { parseCefLine } from "../../src/enricher/normalize/cef-line.js";

describe("MITRE names → ids", () => {
  it.each([
    ["Valid Accounts", "T1078"], ["Data Encrypted for Impact", "T1486"], ["Data Encryption", "T1486"],
    ["Network Service Scanning", "T1046"], ["Network Service Discovery", "T1046"], ["Exfiltration Over Web Service", "T1567"],
    ["Data from Information Repositories", "T1213"], ["t1059.001", "T1059.001"], ["BRUTE_FORCE", "T1110"], ["T1003 - OS Credential Dumping", "T1003"],
  ])("%s → %s", (name, id) => {
    expect(techniqueIds([name])).toEqual([id]);
  });
  it("drops unknown names instead of guessing, de-duplicates, reads comma lists", () => {
    expect(techniqueIds(["Machine Learning", "Malware", ["T1078", "Valid Accounts"], "T1110,T1078"])).toEqual(["T1078", "T1110"]);
  });
});

describe("more time shapes", () => {
  it("a space before the zone, a UTC/GMT word, and RFC 2822 dates", () => {
    expect(toIsoUtc("2026-04-01 09:15:00 +0200")).toBe("2026-04-01T07:15:00.000Z");
    expect(toIsoUtc("2026-04-01T09:15:00 UTC")).toBe("2026-04-01T09:15:00.000Z");
    expect(toIsoUtc("Wed, 01 Apr 2026 09:15:00 +0200")).toBe("2026-04-01T07:15:00.000Z");
    expect(toIsoUtc("01 Apr 2026 09:15:00 GMT")).toBe("2026-04-01T09:15:00.000Z");
    expect(toIsoUtc("yesterday")).toBeNull();
  });
});

describe("severity scales", () => {
  it("wazuh 0-6 low, 7-11 medium, 12-14 high, 15-16 critical", () => {
    expect([0, 6, 7, 11, 12, 14, 15, 16, 17].map((n) => wazuhLevel(n).severity)).toEqual(["low", "low", "medium", "medium", "high", "high", "critical", "critical", null]);
  });
  it("suricata is inverted", () => {
    expect([1, 2, 3, 4, 5].map((n) => suricataSeverity(n).severity)).toEqual(["high", "medium", "low", "low", null]);
  });
  it("crowdstrike: the name decides, then 1-5 or 0-100", () => {
    expect(crowdstrikeSeverity("Informational", 70).severity).toBe("low");
    expect(crowdstrikeSeverity(undefined, 4).severity).toBe("high");
    expect(crowdstrikeSeverity(undefined, 85).severity).toBe("critical");
  });
  it("guardduty float bands", () => {
    expect([1, 3.9, 4, 6.9, 7, 8.9, 9, 10].map((n) => guarddutySeverity(n).severity)).toEqual(["low", "low", "medium", "medium", "high", "high", "critical", "critical"]);
  });
  it("ocsf ids; Unknown (0) and Other (99) are unmapped", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 99].map((n) => ocsfSeverity(n, undefined).severity)).toEqual([null, "low", "low", "medium", "high", "critical", "critical", null]);
  });
  it("cef numbers and words", () => {
    expect(["0", "3", "4", "6", "7", "8", "9", "10", "Very-High", "Unknown"].map((v) => cefSeverity(v).severity)).toEqual(["low", "low", "medium", "medium", "high", "high", "critical", "critical", "critical", null]);
  });
  it("okta: the log level is not the severity; threat signals and sensitive event types are", () => {
    expect(oktaSeverity("INFO", false).severity).toBe("low");
    expect(oktaSeverity("INFO", true).severity).toBe("high");
    // ERROR is a failed call as often as an attack: never above medium on its own.
    expect(oktaSeverity("ERROR", false).severity).toBe("medium");
    expect(oktaSeverity("WARN", false).severity).toBe("medium");
    // A Super Administrator grant is logged at INFO.
    expect(oktaSeverity("INFO", false, { eventType: "user.account.privilege.grant" }).severity).toBe("medium");
    expect(oktaSeverity("WARN", false, { eventType: "user.mfa.okta_verify.deny_push", riskLevel: "HIGH" }).severity).toBe("high");
    expect(oktaSeverity("WARN", false, { eventType: "security.threat.detected" }).severity).toBe("high");
    expect(oktaSeverity("INFO", false, { eventType: "user.session.start", riskLevel: "MEDIUM" }).severity).toBe("medium");
  });
  it("generic numeric severity: higher is worse; 1-5, 0-10 and 0-100 read from the value or a scale hint", () => {
    expect([1, 2, 3, 4, 5].map((n) => genericSeverity(n).severity)).toEqual(["low", "low", "medium", "high", "critical"]);
    expect([0, 3.5, 6, 7.5, 9].map((n) => genericSeverity(n).severity)).toEqual(["low", "low", "medium", "high", "critical"]);
    expect([10, 39, 40, 69, 70, 89, 90, 100].map((n) => genericSeverity(n).severity)).toEqual(["critical", "low", "medium", "medium", "high", "high", "critical", "critical"]);
    expect(genericSeverity(4, "0-10").severity).toBe("medium");
    expect(genericSeverity(5, "1-5").severity).toBe("critical");
    expect(genericSeverity("8/10").severity).toBe("high");
    expect(genericSeverity("P2").severity).toBe("high");
    expect(genericSeverity("sev1").severity).toBe("critical");
    expect(genericSeverity("High").severity).toBe("high");
    expect(genericSeverity(250)).toEqual({ severity: null, original: 250 });
  });
  it("generic priorities: P1 is critical; unknown words are unmapped and keep their original", () => {
    expect(priority("P1").severity).toBe("critical");
    expect(priority(4).severity).toBe("low");
    expect(fromWord("banana")).toEqual({ severity: null, original: "banana" });
    expect(fromWord({ level: "high" })).toEqual({ severity: null, original: null });
  });
});

describe("time", () => {
  it.each([
    ["2026-09-14T08:12:44.331+0000", "2026-09-14T08:12:44.331Z"],
    ["2026-09-14T22:24:37.251547+0100", "2026-09-14T21:24:37.251Z"],
    ["2026-09-14T09:31:27.9237741Z", "2026-09-14T09:31:27.923Z"],
    ["2026-09-14T10:30:00.000-04:00", "2026-09-14T14:30:00.000Z"],
    ["2026-09-14 10:30:00", "2026-09-14T10:30:00.000Z"],
    ["Sep 14 2026 08:12:40 UTC", "2026-09-14T08:12:40.000Z"],
    [1789380000, "2026-09-14T10:00:00.000Z"],
    [1789380000.5, "2026-09-14T10:00:00.500Z"],
    [1789380000123, "2026-09-14T10:00:00.123Z"],
    ["1789380000", "2026-09-14T10:00:00.000Z"],
  ])("%s → %s", (input, expected) => {
    expect(toIsoUtc(input)).toBe(expected);
  });
  it.each([["banana"], [0], [""], [null], [{}], ["2026-13-45T99:99:99Z"], [-5]])("%s is not a time", (input) => {
    expect(toIsoUtc(input)).toBeNull();
  });
});

describe("limits and CEF tokenizing", () => {
  it("clips with a marker and never exceeds the limit", () => {
    const out = clip("x".repeat(20_000), 1024);
    expect(out.length).toBeLessThanOrEqual(1024);
    expect(out).toMatch(/…\[truncated \d+ chars\]$/);
    expect(clip("short", 1024)).toBe("short");
  });
  it("splits the extension on unescaped key= and unescapes values", () => {
    const line = parseCefLine("CEF:0|V|P|1|sig|Name with \\| pipe|5|msg=a\\=b and spaces ok request=http://x.example.com/?q\\=1&r=2 cs1Label=Foo Bar cs1=v");
    expect(line).toMatchObject({ name: "Name with | pipe", severity: "5", extension: { msg: "a=b and spaces ok", request: "http://x.example.com/?q=1&r=2", cs1Label: "Foo Bar", cs1: "v" } });
  });
  it("reports a short header", () => {
    expect(parseCefLine("CEF:0|V|P|1")).toMatch(/pipe-separated/);
  });
});
