// One test per mapping added after the blind check (the corpus's `blind-*` alerts, written from
// vendor documentation before the normalizer was read). Each input is a minimal shape from the
// vendor's documentation, with values unlike the corpus files, so a test passes only when the
// mapping is general.
import { describe, expect, it } from "vitest";
import { categorize } from "../../src/enricher/normalize/category.js";
import { toIsoUtc } from "../../src/enricher/normalize/time.js";
import { extractIocs } from "../../src/enricher/iocs/index.js";
import { scanText } from "../../src/enricher/iocs/text.js";
import { ioc, iocValues, mustNormalize } from "./fixtures.js";

const j = (o: unknown) => JSON.stringify(o);

describe("CEF (ArcSight extension conventions as vendors use them)", () => {
  it("reads an rt with a named-zone offset (Deep Security writes 'GMT+00:00', others 'UTC+02:00')", () => {
    expect(toIsoUtc("Mar 02 2026 07:08:09 GMT+00:00")).toBe("2026-03-02T07:08:09.000Z");
    expect(toIsoUtc("Mar 02 2026 07:08:09 UTC+02:00")).toBe("2026-03-02T05:08:09.000Z");
    expect(toIsoUtc("Mar 02 2026 07:08:09 GMT")).toBe("2026-03-02T07:08:09.000Z");
  });

  it("a host agent's event with no network side: the reporting device (dvchost) is the host", () => {
    const a = mustNormalize("CEF:0|Trend Micro|Deep Security Agent|20.0|4000000|Ransom_X.A|8|cn1=7 cn1Label=Host ID dvchost=acct-pc-3 act=Clean result=Cleaned msg=Realtime");
    expect(a.host.name).toBe("acct-pc-3");
  });

  it("a firewall event keeps the internal side as the host, not the firewall in dvchost", () => {
    const a = mustNormalize("CEF:0|Example|FW|1|100|deny|5|src=198.51.100.3 dst=10.4.4.4 dvchost=fw-edge");
    expect(a.host).toEqual({ name: null, ip: "10.4.4.4" });
  });

  it("hashes in vendor-named extension keys (…FileSHA256, …MD5) are indicators, typed by length", () => {
    const sha = "9c4e1f7a2b8d3c6e5f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f67";
    const a = mustNormalize(`CEF:0|Trend Micro|Deep Security Agent|20.0|4000000|Troj|6|dvchost=pc-1 TrendMicroDsFileSHA256=${sha.toUpperCase()} TrendMicroDsFileMD5=5D41402ABC4B2A76B9719D911017C592`);
    expect(iocValues(a, "sha256")).toEqual([sha]);
    expect(iocValues(a, "md5")).toEqual(["5d41402abc4b2a76b9719d911017c592"]);
  });

  it("a quoted request without a scheme (PAN-OS request=\"host/path\") gives the URL and its domain", () => {
    const a = mustNormalize('CEF:0|Palo Alto Networks|PAN-OS|11.0|url|THREAT|5|src=10.9.9.9 dst=192.0.2.77 request="cdn.bad-pixel.example.net/p.gif?a\\=1" act=alert');
    expect(iocValues(a, "url")).toEqual(["http://cdn.bad-pixel.example.net/p.gif?a=1"]);
    expect(ioc(a, "domain", "cdn.bad-pixel.example.net")?.role).toBe("destination");
  });

  it("an anti-malware verdict (quarantine, EICAR, anti-virus) is malware", () => {
    expect(categorize({ mitre: [], title: "Eicar_test_file", texts: ["Quarantine"] })).toBe("malware");
    expect(categorize({ mitre: [], title: "File blocked by anti-virus engine", texts: [] })).toBe("malware");
  });
});

describe("category", () => {
  it("a web exploit is 'other' even when the request text mentions passwords (ATT&CK T1190 or its name)", () => {
    expect(categorize({ mitre: ["T1190"], title: "Possible attack", texts: ["GET /?q=SELECT password FROM users"] })).toBe("other");
    expect(categorize({ mitre: [], title: "SQL injection attempt.", texts: ["/login.php?user=admin' OR 1=1 -- password"] })).toBe("other");
    expect(categorize({ mitre: [], title: "Apache Struts OGNL remote code execution", texts: ["sshd"] })).toBe("other");
  });

  it("a brute force is still authentication", () => {
    expect(categorize({ mitre: [], title: "Failed password for root", texts: [] })).toBe("authentication");
  });
});

describe("GuardDuty: the finding type's ThreatPurpose decides the category", () => {
  const gd = (type: string) => j({ schemaVersion: "2.0", id: "g1", arn: "arn:aws:guardduty:us-west-2:1:detector/d/finding/g1", type, severity: 5, title: "t", createdAt: "2026-02-02T00:00:00Z" });
  it.each([
    ["UnauthorizedAccess:IAMUser/TorIPCaller", "authentication"],
    ["UnauthorizedAccess:S3/MaliciousIPCaller.Custom", "authentication"],
    ["CredentialAccess:IAMUser/AnomalousBehavior", "authentication"],
    ["UnauthorizedAccess:EC2/RDPBruteForce", "authentication"],
    ["Trojan:EC2/DropPoint!DNS", "malware"],
    ["Backdoor:Lambda/C&CActivity.B", "malware"],
    ["Exfiltration:IAMUser/AnomalousBehavior", "data_exfiltration"],
    ["Recon:EC2/Portscan", "network_scan"],
  ])("%s → %s", (type, category) => {
    expect(mustNormalize(gd(type)).category).toBe(category);
  });
});

describe("Prometheus Alertmanager and Grafana webhook notifications (alerts[] with labels/annotations)", () => {
  const am = (labels: Record<string, string>, annotations: Record<string, string>, extra: Record<string, unknown> = {}) => {
    const alert = { status: "firing", labels, annotations, startsAt: "2026-04-05T06:07:08.000-03:00", endsAt: "0001-01-01T00:00:00Z", generatorURL: "http://prom.ops.example.org:9090/graph?g0.expr=up", fingerprint: "0f0f" };
    return j({ version: "4", status: "firing", receiver: "r", groupLabels: {}, commonLabels: labels, commonAnnotations: annotations, externalURL: "http://am.ops.example.org:9093", alerts: [alert], ...extra });
  };

  it("takes time from startsAt, the host from the hostname label, severity from the severity label", () => {
    const a = mustNormalize(am({ alertname: "DiskWiped", hostname: "db-9", severity: "critical" }, { summary: "disk wiped on db-9" }));
    expect(a.time).toBe("2026-04-05T09:07:08.000Z");
    expect(a.host.name).toBe("db-9");
    expect(a.severity).toBe("critical");
    expect(a.sourceId).toBe("0f0f");
  });

  it("a scrape target (instance=\"ip:port\") is a host known by its IP", () => {
    const a = mustNormalize(am({ alertname: "Miner", instance: "10.7.7.7:9100" }, { summary: "xmrig seen" }));
    expect(a.host).toEqual({ name: null, ip: "10.7.7.7" });
  });

  it("indicator labels (src_ip) keep their role; generatorURL/externalURL hosts are never indicators, even when repeated in text", () => {
    const a = mustNormalize(am({ alertname: "SSHFailures", host: "jump-7", src_ip: "198.51.100.61" }, { summary: "failures" }, {
      title: "[FIRING:1] SSHFailures", message: "Source: http://prom.ops.example.org:9090/graph?g0.expr=up\nSilence: http://am.ops.example.org:9093/#/silences/new",
    }));
    expect(ioc(a, "ip", "198.51.100.61")?.role).toBe("source");
    expect(a.iocs.filter((i) => /ops\.example\.org/.test(i.value))).toEqual([]);
  });

  it("'412 failed SSH logins' is a brute force (T1110), a protocol word between 'failed' and 'logins'", () => {
    const a = mustNormalize(am({ alertname: "X", host: "h" }, { summary: "412 failed SSH logins from 203.0.113.2" }));
    expect(a.mitre).toEqual(["T1110"]);
  });
});

describe("indicators in free text", () => {
  it("a link in a User-Agent product comment is the tool's homepage, not an indicator (nor its domain)", () => {
    expect(scanText('"GET /a HTTP/1.1" 200 "-" "nikto/2.5.0 (https://nikto.example.org/about)"').map((c) => c.value)).toEqual([]);
    expect(scanText("Mozilla/5.0 (compatible; ExampleBot/2.1; +http://bot.example.net/info.html)").map((c) => c.value)).toEqual([]);
    expect(scanText("payload fetched from https://drop.example.net/x.sh").map((c) => c.value)).toEqual(["https://drop.example.net/x.sh"]);
  });

  it("the host of a link-back field (results_link, generatorURL) repeated in a message is not an indicator", () => {
    const raw = { results_link: "https://siem.example.org/app/x", message: "see https://siem.example.org/other and https://evil.example.net/p" };
    const iocs = extractIocs(raw, [], { scanRaw: true }).map((i) => i.value);
    expect(iocs).toContain("https://evil.example.net/p");
    expect(iocs.some((v) => v.includes("siem.example.org"))).toBe(false);
  });
});

describe("Zeek: notices without a connection name the attacked server in sub", () => {
  const note = (sub: string) => j({ ts: 1775000000.5, note: "SSH::Password_Guessing", msg: "198.51.100.8 appears to be guessing SSH passwords (seen in 40 connections).", sub, src: "198.51.100.8" });
  it("one internal server sampled: it is the host", () => {
    expect(mustNormalize(note("Sampled servers:  172.16.3.3, 172.16.3.3")).host.ip).toBe("172.16.3.3");
  });
  it("several servers sampled: a sweep, no single host", () => {
    expect(mustNormalize(note("Sampled servers:  172.16.3.3, 172.16.3.4")).host.ip).toBeNull();
  });
});

describe("Splunk CIM Web: dest is the site, src the client", () => {
  it("an internal client uploading to a named site: the client is the host, the site a domain indicator", () => {
    const a = mustNormalize(j({
      result: { _time: "1775000000", src: "192.168.40.4", dest: "share.example-files.net", url: "https://share.example-files.net/u", http_method: "POST", user: "k.ong" },
      sid: "s1", results_link: "https://splunk.example.org:8000/app/search/@go?sid=s1", search_name: "Web - Upload", owner: "nobody", app: "search",
    }));
    expect(a.host).toEqual({ name: null, ip: "192.168.40.4" });
    expect(ioc(a, "domain", "share.example-files.net")?.role).toBe("destination");
  });
  it("an inbound web attack keeps the internal server (dest) as the host", () => {
    const a = mustNormalize(j({
      result: { _time: "1775000000", src: "203.0.113.9", dest: "10.1.2.3", url: "/login", http_method: "POST" },
      sid: "s2", results_link: "https://splunk.example.org:8000/app/search/@go?sid=s2", search_name: "Web - Attack", owner: "nobody", app: "search",
    }));
    expect(a.host.ip).toBe("10.1.2.3");
  });
});

describe("Wazuh: Windows eventchannel values arrive with doubled backslashes (wazuh/wazuh#2482)", () => {
  const w = (eventdata: Record<string, string>) => j({
    timestamp: "2026-03-03T03:03:03.000+0000", rule: { level: 10, description: "d", id: "1" }, agent: { id: "5", name: "ws-5" }, manager: { name: "m" },
    decoder: { name: "windows_eventchannel" }, data: { win: { eventdata } },
  });
  it("'EXAMPLE\\\\\\\\b.lee' in alerts.json is the account 'EXAMPLE\\\\b.lee'", () => {
    expect(mustNormalize(w({ user: "EXAMPLE\\\\b.lee" })).user.name).toBe("EXAMPLE\\b.lee");
  });
  it("a single backslash is kept as it is", () => {
    expect(mustNormalize(w({ targetUserName: "EXAMPLE\\c.kim" })).user.name).toBe("EXAMPLE\\c.kim");
  });
});

describe("Defender / Graph alert v2: a mail alert's account is the mailbox", () => {
  it("no userEvidence: the mailbox's UPN (or the analyzed message's recipient) is the user", () => {
    const base = { "@odata.type": "#microsoft.graph.security.alert", id: "x1", title: "Malicious URL clicked", severity: "medium", serviceSource: "microsoftDefenderForOffice365", createdDateTime: "2026-01-01T00:00:00Z" };
    const a = mustNormalize(j({ ...base, evidence: [{ "@odata.type": "#microsoft.graph.security.mailboxEvidence", primaryAddress: "m.ito@example.org", userAccount: { accountName: "m.ito", userPrincipalName: "m.ito@example.org" } }] }));
    expect(a.user.name).toBe("m.ito@example.org");
    const b = mustNormalize(j({ ...base, evidence: [{ "@odata.type": "#microsoft.graph.security.analyzedMessageEvidence", recipientEmailAddress: "r.diaz@example.org", senderIp: "192.0.2.9" }] }));
    expect(b.user.name).toBe("r.diaz@example.org");
  });
  it("userEvidence still wins over the mailbox", () => {
    const a = mustNormalize(j({
      "@odata.type": "#microsoft.graph.security.alert", id: "x2", title: "t", severity: "low", serviceSource: "microsoftDefenderForOffice365", createdDateTime: "2026-01-01T00:00:00Z",
      evidence: [{ "@odata.type": "#microsoft.graph.security.mailboxEvidence", primaryAddress: "shared@example.org" }, { "@odata.type": "#microsoft.graph.security.userEvidence", userAccount: { userPrincipalName: "owner@example.org" } }],
    }));
    expect(a.user.name).toBe("owner@example.org");
  });
});

describe("Okta System Log", () => {
  const ev = (eventType: string, extra: Record<string, unknown>) => j({ uuid: "e1", eventType, published: "2026-05-05T05:05:05.000Z", displayMessage: "m", severity: "INFO", actor: { type: "User", alternateId: "z.ali@example.org" }, client: { ipAddress: "192.0.2.50" }, outcome: { result: "SUCCESS" }, ...extra });

  it("an end-user report names the reported client's IP (a source) and the reported event type's technique", () => {
    const a = mustNormalize(ev("user.account.report_suspicious_activity_by_enduser", {
      debugContext: { debugData: { suspiciousActivityEventType: "system.push.send_factor_verify_push", suspiciousActivityClientIPAddress: "198.51.100.71" } },
    }));
    expect(ioc(a, "ip", "198.51.100.71")?.role).toBe("source");
    expect(a.mitre).toEqual(["T1621"]);
    // The event's own client is the reporter's device: not an indicator (blocking it would cut off the victim).
    expect(ioc(a, "ip", "192.0.2.50")).toBeUndefined();
    expect(a.context.reporter_ip).toBe("192.0.2.50");
  });

  it("a successful sign-in Okta flagged (threatSuspected or risk HIGH) is valid accounts (T1078); a plain one has no technique", () => {
    expect(mustNormalize(ev("user.session.start", { debugContext: { debugData: { threatSuspected: "true" } } })).mitre).toEqual(["T1078"]);
    expect(mustNormalize(ev("user.session.start", { debugContext: { debugData: { risk: "{level=HIGH, reasons=New Device}" } } })).mitre).toEqual(["T1078"]);
    expect(mustNormalize(ev("user.session.start", { debugContext: { debugData: { risk: "{level=LOW}" } } })).mitre).toEqual([]);
    expect(mustNormalize(ev("user.session.start", { outcome: { result: "FAILURE" }, debugContext: { debugData: { threatSuspected: "true" } } })).mitre).toEqual([]);
  });
});
