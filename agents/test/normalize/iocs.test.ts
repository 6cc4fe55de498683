import { describe, expect, it } from "vitest";
import { classifyIp, extractIocs, isInternalIp, type FieldHint } from "../../src/enricher/iocs/index.js";

const text = (value: string): FieldHint => ({ path: "description", value, kind: "text" });
const values = (hints: FieldHint[], ranges: string[] = []) => extractIocs(null, hints, { internalRanges: ranges }).map((i) => `${i.type}:${i.value}`);

describe("IP classification", () => {
  it.each([
    ["10.1.2.3", true], ["172.16.0.1", true], ["192.168.1.1", true], ["127.0.0.1", true], ["169.254.10.10", true],
    ["100.64.1.1", true], ["fd12:3456:789a::1", true], ["fe80::1", true], ["::1", true],
    ["203.0.113.5", false], ["8.8.8.8", false], ["2001:4860:4860::8888", false],
  ])("%s internal=%s", (ip, internal) => {
    expect(isInternalIp(ip, [])).toBe(internal);
  });

  it("honours configured internal ranges, v4 and v6", () => {
    expect(isInternalIp("203.0.113.5", ["203.0.113.0/24"])).toBe(true);
    expect(isInternalIp("203.0.114.5", ["203.0.113.0/24"])).toBe(false);
    expect(isInternalIp("2001:db8::5", ["2001:db8::/32"])).toBe(true);
  });

  it("rejects non-dotted-quad forms ipaddr.js would otherwise accept", () => {
    expect(classifyIp("10")).toBeNull();
    expect(classifyIp("0x0a.1.1.1")).toBeNull();
    expect(classifyIp("256.1.1.1")).toBeNull();
    expect(classifyIp("::ffff:10.0.0.1")).toMatchObject({ version: 4, internal: true });
  });
});

describe("free-text extraction", () => {
  it("refangs hxxp, [.], (.), [at]", () => {
    expect(values([text("go to hxxps://evil[.]example-bad.com/a and mail bob[at]phish-example(.)net, host c2{.}bad-example.org")])).toEqual([
      "url:https://evil.example-bad.com/a", "domain:evil.example-bad.com", "email:bob@phish-example.net", "domain:c2.bad-example.org",
    ]);
  });

  it("does not turn file names into domains, even with real TLD suffixes that are file extensions", () => {
    expect(values([text("opened invoice.pdf, winword.exe, report.docx, archive.zip, run.sh and payload.py")])).toEqual([]);
  });

  it("takes .com domains in free text (the commonest suffix is not a file extension here)", () => {
    expect(values([text("High entropy TXT queries to tunnel.example-dns-abuse.com from 10.0.9.9")])).toEqual(["ip:10.0.9.9", "domain:tunnel.example-dns-abuse.com"]);
  });

  it("does not make the alert's own hosts indicators when free text names them", () => {
    const hints = [text("VPN login on vpn.corp.example.com then beacon to c2.example-bad.com")];
    expect(extractIocs(null, hints, { ownHosts: ["VPN.corp.example.com", null] }).map((i) => i.value)).toEqual(["c2.example-bad.com"]);
  });

  it("does not take version strings for IPs", () => {
    expect(values([text("agent version 1.2.3.4, v10.0.0.1, build 6.1.7601.1, ver=2.0.0.1 contacted 198.51.100.9")])).toEqual(["ip:198.51.100.9"]);
  });

  it("drops vendor console and documentation links", () => {
    expect(values([text("see https://attack.mitre.org/techniques/T1110/ https://falcon.crowdstrike.com/x https://console.aws.amazon.com/guardduty https://docs.example-vendor.com/kb https://portal.azure.com/#blade https://security.microsoft.com/alerts/1 https://documentation.wazuh.com/x")])).toEqual([]);
  });

  it("drops placeholder and empty-content hashes, keeps real ones by length", () => {
    const hashes = [
      "00000000000000000000000000000000", "ffffffffffffffffffffffffffffffffffffffff",
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "d41d8cd98f00b204e9800998ecf8427e",
      "44d88612fea8a8f36de82e1278abb02f", "3395856ce81f2b7382dee72602f798b642f14140",
      "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
    ];
    expect(values([text(hashes.join(" "))])).toEqual([
      "md5:44d88612fea8a8f36de82e1278abb02f", "sha1:3395856ce81f2b7382dee72602f798b642f14140", "sha256:275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
    ]);
  });

  it("a CIDR is not an IP; IPv6 is found and normalized", () => {
    expect(values([text("blocked 10.0.0.0/8 and saw 2001:DB8:0:0:0:0:0:1 at 12:30:45")])).toEqual(["ip:2001:db8::1"]);
  });
});

describe("structured fields and de-duplication", () => {
  it("keeps the structured occurrence and its role when text repeats it", () => {
    const iocs = extractIocs(null, [
      { path: "details.source_ip", value: "203.0.113.42", type: "ip", role: "source" },
      text("login from 203.0.113.42 to 10.0.0.8"),
    ], { internalRanges: [] });
    expect(iocs).toEqual([
      { type: "ip", value: "203.0.113.42", role: "source", internal: false, from: "field", path: "details.source_ip" },
      { type: "ip", value: "10.0.0.8", role: null, internal: true, from: "text", path: "description" },
    ]);
  });

  it("a structured domain field accepts any ICANN suffix; free text stays strict", () => {
    expect(values([{ path: "dns.query", value: "update-check.zip", type: "domain", role: "destination" }])).toEqual(["domain:update-check.zip"]);
    expect(values([text("update-check.zip")])).toEqual([]);
  });

  it("splits multivalue strings and ignores non-string values", () => {
    expect(values([{ path: "src", value: "203.0.113.9, 203.0.113.10", type: "ip" }, { path: "n", value: 42, type: "ip" }, { path: "o", value: { nested: true }, type: "ip" }])).toEqual(["ip:203.0.113.9", "ip:203.0.113.10"]);
  });

  it("caps the number of indicators", () => {
    const many = Array.from({ length: 800 }, (_, i) => `198.51.${Math.floor(i / 250)}.${i % 250}`).join(" ");
    expect(extractIocs(null, [text(many)], {}).length).toBe(500);
  });
});
