// The canonical category from what the alert says: ATT&CK techniques first (the most
// deliberate signal), then words in the title, then words in the rest of the text. Order
// matters where words overlap: "ransomware ... login" is malware, not authentication, and
// credential dumping (a tool run on a host) is malware, not authentication.
import type { AlertCategory } from "@secops/contracts";

const BY_TECHNIQUE: [RegExp, AlertCategory][] = [
  // Execution, persistence, C2, impact and credential dumping: something runs on the host.
  [/^T(1486|1490|1485|1204|1496|1105|1055|1027|1547|1059|1003|1053|1543|1505|1071|1568|1573|1571|1219|1218|1140|1036|1572|1090\.003)/, "malware"],
  [/^T(1567|1048|1041|1020|1213|1530|1005|1074|1560|1114|1537)/, "data_exfiltration"],
  [/^T(1046|1595|1018|1040|1016|1135)/, "network_scan"],
  // Exploiting a public-facing application or a client (SQL injection, RCE, drive-by): an attack
  // on software, neither malware running nor a sign-in, whatever words the request carried.
  [/^T(1190|1189|1203)(\.|$)/, "other"],
  // Identity and access: sign-ins, MFA, and grants of roles and privileges.
  [/^T(1110|1078|1621|1556|1539|1528|1098|1136|1550|1558|1606)/, "authentication"],
];

const BY_WORDS: [RegExp, AlertCategory][] = [
  [/\b(malware|ransomware|trojan|virus|worm|backdoor|rootkit|spyware|cryptomin\w*|coinminer|miner|infect\w*|botnet|c2|command.and.control|exploit kit|webshell|web shell|implant|malicious (file|binary|process|executable)|anti-?malware|anti-?virus|quarantin\w*|eicar|credential (dump\w*|theft)|lsass|mimikatz|hacktool|engines detected|reverse shell|beacon\w*)\b/i, "malware"],
  [/\b(exfiltrat\w*|data (transfer|leak|loss|theft|access)|dlp|(large|bulk|unusual|outbound) (upload|transfer)s?|upload(ed|s|ing)? (to|of)|outbound (data|transfer)|transfer(red)? out|sensitive (documents|files|data)|bulk (download|access)|data staging|forwarding rule)\b/i, "data_exfiltration"],
  // Web exploits name what the request did; the request text itself ("…password FROM users")
  // must not make an injection attempt look like a sign-in.
  [/\b(sql ?injection|sqli|cross.?site scripting|xss|path traversal|directory traversal|remote code execution|command injection|code injection|deserialization|log4shell|ognl|web (application )?attack)\b/i, "other"],
  [/\b(scan\w*|sweep|port ?probe|portprobe|recon\w*|enumeration|discovery|nmap|masscan)\b/i, "network_scan"],
  [/\b(log-?in|log-?on|sign-?in|authenticat\w*|brute.?force|password\w*|credential\w*|mfa|2fa|account lock\w*|impossible travel|session|kerberos|ntlm|ssh|privilege (grant|group)|group membership|role (grant|assignment))\b/i, "authentication"],
];

export function categorize(input: { mitre: readonly string[]; title: string; texts: readonly string[] }): AlertCategory {
  for (const id of input.mitre) {
    for (const [re, cat] of BY_TECHNIQUE) if (re.test(id)) return cat;
  }
  for (const [re, cat] of BY_WORDS) if (re.test(input.title)) return cat;
  const rest = input.texts.join("\n").slice(0, 20_000);
  for (const [re, cat] of BY_WORDS) if (re.test(rest)) return cat;
  return "other";
}
