// The canonical category from what the alert says: ATT&CK techniques first (the most
// deliberate signal), then words in the title, then words in the rest of the text. Order
// matters where words overlap: "ransomware ... login" is malware, not authentication.
import type { AlertCategory } from "@secops/contracts";

const BY_TECHNIQUE: [RegExp, AlertCategory][] = [
  [/^T(1486|1490|1485|1204|1496|1105|1055|1027|1547|1059)/, "malware"],
  [/^T(1567|1048|1041|1020|1213|1530|1005|1074|1560|1114)/, "data_exfiltration"],
  [/^T(1046|1595|1018|1040)/, "network_scan"],
  [/^T(1110|1078|1621|1556|1539|1528)/, "authentication"],
];

const BY_WORDS: [RegExp, AlertCategory][] = [
  [/\b(malware|ransomware|trojan|virus|worm|backdoor|rootkit|spyware|cryptomin\w*|coinminer|miner|infect\w*|botnet|c2|command.and.control|exploit kit|webshell|web shell|implant|malicious (file|binary|process|executable))\b/i, "malware"],
  [/\b(exfiltrat\w*|data (transfer|leak|loss|theft|access)|dlp|large (upload|transfer)|outbound (data|transfer)|sensitive (documents|files|data)|bulk (download|access)|data staging)\b/i, "data_exfiltration"],
  [/\b(scan\w*|sweep|port ?probe|portprobe|recon\w*|enumeration|discovery|nmap|masscan)\b/i, "network_scan"],
  [/\b(log-?in|log-?on|sign-?in|authenticat\w*|brute.?force|password\w*|credential\w*|mfa|2fa|account lock\w*|impossible travel|session|kerberos|ntlm|ssh)\b/i, "authentication"],
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
