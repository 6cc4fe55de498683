// MITRE ATT&CK technique ids from what vendors send: ids ("T1059.001", any case), technique
// names (the seed, CrowdStrike `Technique`, Sentinel), and Google SCC's enum names
// ("BRUTE_FORCE"). Unknown names are dropped, never guessed.

// Maps, not object literals: a vendor value like "constructor" must not hit Object.prototype.
const BY_NAME = new Map<string, string>(Object.entries({
  "valid accounts": "T1078",
  "default accounts": "T1078.001",
  "domain accounts": "T1078.002",
  "local accounts": "T1078.003",
  "cloud accounts": "T1078.004",
  "brute force": "T1110",
  "password guessing": "T1110.001",
  "password cracking": "T1110.002",
  "password spraying": "T1110.003",
  "credential stuffing": "T1110.004",
  "data encrypted for impact": "T1486",
  "data encryption": "T1486",
  "network service scanning": "T1046",
  "network service discovery": "T1046",
  "active scanning": "T1595",
  "scanning ip blocks": "T1595.001",
  "vulnerability scanning": "T1595.002",
  "remote system discovery": "T1018",
  "exfiltration over web service": "T1567",
  "exfiltration to cloud storage": "T1567.002",
  "exfiltration over alternative protocol": "T1048",
  "exfiltration over c2 channel": "T1041",
  "automated exfiltration": "T1020",
  "data from information repositories": "T1213",
  "data from sharepoint": "T1213.002",
  "data from local system": "T1005",
  "data from cloud storage": "T1530",
  "data from cloud storage object": "T1530",
  "data staged": "T1074",
  "command and scripting interpreter": "T1059",
  "powershell": "T1059.001",
  "windows command shell": "T1059.003",
  "unix shell": "T1059.004",
  "phishing": "T1566",
  "spearphishing attachment": "T1566.001",
  "spearphishing link": "T1566.002",
  "user execution": "T1204",
  "malicious file": "T1204.002",
  "exploit public-facing application": "T1190",
  "external remote services": "T1133",
  "os credential dumping": "T1003",
  "lsass memory": "T1003.001",
  "inhibit system recovery": "T1490",
  "data destruction": "T1485",
  "service stop": "T1489",
  "resource hijacking": "T1496",
  "ingress tool transfer": "T1105",
  "application layer protocol": "T1071",
  "web protocols": "T1071.001",
  "dns": "T1071.004",
  "proxy": "T1090",
  "multi-hop proxy": "T1090.003",
  "obfuscated files or information": "T1027",
  "masquerading": "T1036",
  "process injection": "T1055",
  "scheduled task/job": "T1053",
  "scheduled task": "T1053.005",
  "create account": "T1136",
  "account manipulation": "T1098",
  "modify registry": "T1112",
  "impair defenses": "T1562",
  "disable or modify tools": "T1562.001",
  "indicator removal": "T1070",
  "clear windows event logs": "T1070.001",
  "hide artifacts": "T1564",
  "hidden files and directories": "T1564.001",
  "remote services": "T1021",
  "remote desktop protocol": "T1021.001",
  "smb/windows admin shares": "T1021.002",
  "lateral tool transfer": "T1570",
  "steal web session cookie": "T1539",
  "multi-factor authentication request generation": "T1621",
  "cloud service discovery": "T1526",
  "account discovery": "T1087",
  "system information discovery": "T1082",
  "file and directory discovery": "T1083",
  "network sniffing": "T1040",
  "email collection": "T1114",
  "archive collected data": "T1560",
  "exploitation for privilege escalation": "T1068",
  "abuse elevation control mechanism": "T1548",
  "boot or logon autostart execution": "T1547",
  "registry run keys / startup folder": "T1547.001",
  "endpoint denial of service": "T1499",
  "network denial of service": "T1498",
  "drive-by compromise": "T1189",
  "trusted relationship": "T1199",
  "unsecured credentials": "T1552",
  "steal application access token": "T1528",
  "impersonation": "T1656",
  "password spray": "T1110.003",
  "sudo and sudo caching": "T1548.003",
  "additional cloud roles": "T1098.003",
  "additional cloud credentials": "T1098.001",
  "dcsync": "T1003.006",
  "ntds": "T1003.003",
  "kerberoasting": "T1558.003",
  "web shell": "T1505.003",
  "dynamic resolution": "T1568",
  "domain generation algorithms": "T1568.002",
  "non-standard port": "T1571",
  "encrypted channel": "T1573",
  "protocol tunneling": "T1572",
  "remote access software": "T1219",
  "exfiltration over alternative protocol - dns": "T1048.003",
  "transfer data to cloud account": "T1537",
  "cloud storage object discovery": "T1619",
  "deobfuscate/decode files or information": "T1140",
  "system binary proxy execution": "T1218",
  "rundll32": "T1218.011",
  "create or modify system process": "T1543",
  "windows service": "T1543.003",
  "event triggered execution": "T1546",
  "server software component": "T1505",
  "modify authentication process": "T1556",
  "multi-factor authentication": "T1556.006",
  "forge web credentials": "T1606",
  "use alternate authentication material": "T1550",
  "pass the hash": "T1550.002",
  "pass the ticket": "T1550.003",
  "steal or forge kerberos tickets": "T1558",
  "golden ticket": "T1558.001",
  "disable or modify cloud logs": "T1562.008",
  "exploitation for client execution": "T1203",
  "exploitation of remote services": "T1210",
  "internal spearphishing": "T1534",
  "email forwarding rule": "T1114.003",
  "cloud infrastructure discovery": "T1580",
  "permission groups discovery": "T1069",
  "network share discovery": "T1135",
  "system network configuration discovery": "T1016",
  "data manipulation": "T1565",
  "defacement": "T1491",
  "user execution: malicious file": "T1204.002",
  "command and control": "T1071",
  // Technique names ATT&CK retired but vendors still send (CrowdStrike, older SIEM content).
  "credential dumping": "T1003",
  "indicator removal on host": "T1070",
  "signed binary proxy execution": "T1218",
  "remote file copy": "T1105",
  "standard application layer protocol": "T1071",
  "commonly used port": "T1071",
  "regsvr32": "T1218.010",
  "mshta": "T1218.005",
  "windows management instrumentation": "T1047",
  "bypass user account control": "T1548.002",
  "data compressed": "T1560",
  "exfiltration over command and control channel": "T1041",
  "spearphishing via service": "T1566.003",
}));

/** Google SCC MITRE enum names that differ from the technique name with spaces. */
const SCC_ENUM = new Map<string, string>(Object.entries({
  BRUTE_FORCE: "T1110",
  RESOURCE_HIJACKING: "T1496",
  ACTIVE_SCANNING: "T1595",
  NETWORK_SERVICE_DISCOVERY: "T1046",
  VALID_ACCOUNTS: "T1078",
  CLOUD_ACCOUNTS: "T1078.004",
  EXFILTRATION_OVER_WEB_SERVICE: "T1567",
  EXFILTRATION_TO_CLOUD_STORAGE: "T1567.002",
  DATA_ENCRYPTED_FOR_IMPACT: "T1486",
  DATA_FROM_CLOUD_STORAGE_OBJECT: "T1530",
  COMMAND_AND_SCRIPTING_INTERPRETER: "T1059",
  EXPLOIT_PUBLIC_FACING_APPLICATION: "T1190",
  INGRESS_TOOL_TRANSFER: "T1105",
  APPLICATION_LAYER_PROTOCOL: "T1071",
  PROXY: "T1090",
  MULTI_HOP_PROXY: "T1090.003",
  ACCOUNT_MANIPULATION: "T1098",
  CREATE_ACCOUNT: "T1136",
  IMPAIR_DEFENSES: "T1562",
  INHIBIT_SYSTEM_RECOVERY: "T1490",
  DATA_DESTRUCTION: "T1485",
  SERVICE_STOP: "T1489",
  CLOUD_SERVICE_DISCOVERY: "T1526",
  STEAL_WEB_SESSION_COOKIE: "T1539",
  DOMAIN_POLICY_MODIFICATION: "T1484",
  MODIFY_AUTHENTICATION_PROCESS: "T1556",
  ADDITIONAL_CLOUD_ROLES: "T1098.003",
  ADDITIONAL_CLOUD_CREDENTIALS: "T1098.001",
  USER_EXECUTION: "T1204",
  MALICIOUS_FILE: "T1204.002",
  OS_CREDENTIAL_DUMPING: "T1003",
  UNSECURED_CREDENTIALS: "T1552",
  CREDENTIALS_IN_FILES: "T1552.001",
  PRIVATE_KEYS: "T1552.004",
  CLOUD_INSTANCE_METADATA_API: "T1552.005",
  CONTAINER_ADMINISTRATION_COMMAND: "T1609",
  ESCAPE_TO_HOST: "T1611",
  DEPLOY_CONTAINER: "T1610",
  DYNAMIC_RESOLUTION: "T1568",
  DOMAIN_GENERATION_ALGORITHMS: "T1568.002",
  TRANSFER_DATA_TO_CLOUD_ACCOUNT: "T1537",
  EXFILTRATION_OVER_ALTERNATIVE_PROTOCOL: "T1048",
  DISABLE_OR_MODIFY_CLOUD_LOGS: "T1562.008",
  DISABLE_OR_MODIFY_TOOLS: "T1562.001",
  INDICATOR_REMOVAL: "T1070",
  CLEAR_WINDOWS_EVENT_LOGS: "T1070.001",
  UNIX_SHELL: "T1059.004",
  PYTHON: "T1059.006",
  ABUSE_ELEVATION_CONTROL_MECHANISM: "T1548",
  EXPLOITATION_FOR_PRIVILEGE_ESCALATION: "T1068",
  STEAL_APPLICATION_ACCESS_TOKEN: "T1528",
  ACCOUNT_DISCOVERY: "T1087",
  CLOUD_ACCOUNT: "T1087.004",
  PERMISSION_GROUPS_DISCOVERY: "T1069",
  SCHEDULED_TASK_JOB: "T1053",
  CRON: "T1053.003",
  OBFUSCATED_FILES_OR_INFO: "T1027",
  MASQUERADING: "T1036",
  HIDE_ARTIFACTS: "T1564",
  DATA_FROM_INFORMATION_REPOSITORIES: "T1213",
  AUTOMATED_EXFILTRATION: "T1020",
  NETWORK_DENIAL_OF_SERVICE: "T1498",
  EXTERNAL_REMOTE_SERVICES: "T1133",
  MODIFY_CLOUD_COMPUTE_INFRASTRUCTURE: "T1578",
  CREATE_SNAPSHOT: "T1578.001",
  BOOT_OR_LOGON_AUTOSTART_EXECUTION: "T1547",
  TAINT_SHARED_CONTENT: "T1080",
}));

const ID_RE = /^T(\d{4})(?:\.(\d{3}))?$/i;

/** One technique id for one vendor value, or null when it is neither an id nor a known name. */
export function techniqueId(value: string): string | null {
  const t = value.trim();
  const id = ID_RE.exec(t);
  if (id) return `T${id[1]}${id[2] ? `.${id[2]}` : ""}`;
  // "T1078 - Valid Accounts" and "Valid Accounts (T1078)" carry the id inside.
  const embedded = /\bT(\d{4})(?:\.(\d{3}))?\b/i.exec(t);
  if (embedded) return `T${embedded[1]}${embedded[2] ? `.${embedded[2]}` : ""}`;
  const scc = SCC_ENUM.get(t.toUpperCase());
  if (scc && /^[A-Z_]+$/.test(t)) return scc;
  return BY_NAME.get(t.toLowerCase().replace(/_/g, " ").replace(/\s+/g, " ")) ?? null;
}

/** Technique ids for any mix of strings and arrays, in order of first appearance, without duplicates. */
export function techniqueIds(values: readonly unknown[]): string[] {
  const out: string[] = [];
  const visit = (v: unknown, depth: number): void => {
    if (depth > 4) return;
    if (Array.isArray(v)) { for (const x of v) visit(x, depth + 1); return; }
    if (typeof v !== "string") return;
    // Sentinel and some SIEMs send comma-joined lists.
    const parts = v.includes(",") ? v.split(",") : [v];
    for (const p of parts) {
      const id = techniqueId(p);
      if (id && !out.includes(id)) out.push(id);
    }
  };
  for (const v of values) visit(v, 0);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Most sources carry no ATT&CK id. When an alert has none, its vendor's own type names and the
// well-known names in its title and description are looked up in the table below (documented
// in normalize/README.md, "MITRE ATT&CK from names"). Rows are tried in order; the first rows
// are the vendor identifiers (exact, documented vocabularies), then well-known phrases.

export interface NameRule {
  /** Which vocabulary the row reads: a vendor's documented type names, or words anyone writes. */
  source: "GuardDuty finding type" | "SCC category" | "Okta event type" | "Zeek notice" | "Suricata/ET" | "Wazuh rule group" | "well-known name";
  match: RegExp;
  technique: string;
}

export const NAME_RULES: readonly NameRule[] = [
  // AWS GuardDuty finding types, ThreatPurpose:ResourceType/ThreatFamilyName.Mechanism!Artifact
  // ("GuardDuty finding types" in the GuardDuty user guide).
  { source: "GuardDuty finding type", match: /^(UnauthorizedAccess|Impact):[A-Za-z0-9]+\/(SSH|RDP|WinRM)BruteForce/, technique: "T1110" },
  { source: "GuardDuty finding type", match: /^(CryptoCurrency|Impact):[A-Za-z0-9]+\/(BitcoinTool|BitcoinDomainRequest|CryptoCurrency)/, technique: "T1496" },
  { source: "GuardDuty finding type", match: /^Backdoor:[A-Za-z0-9]+\/C&CActivity/, technique: "T1071" },
  { source: "GuardDuty finding type", match: /^Backdoor:[A-Za-z0-9]+\/(DenialOfService|Spambot)/, technique: "T1498" },
  { source: "GuardDuty finding type", match: /^Trojan:[A-Za-z0-9]+\/DNSDataExfiltration/, technique: "T1048.003" },
  { source: "GuardDuty finding type", match: /^Trojan:[A-Za-z0-9]+\/DGADomainRequest/, technique: "T1568.002" },
  { source: "GuardDuty finding type", match: /^Trojan:[A-Za-z0-9]+\/PhishingDomainRequest/, technique: "T1566" },
  { source: "GuardDuty finding type", match: /^Trojan:[A-Za-z0-9]+\/(BlackholeTraffic|DropPoint|DriveBySourceTraffic)/, technique: "T1071" },
  { source: "GuardDuty finding type", match: /^(Recon|Impact):[A-Za-z0-9]+\/(PortProbe|Portscan|PortSweep)/, technique: "T1046" },
  { source: "GuardDuty finding type", match: /^(Recon|Discovery):(IAMUser|S3)\//, technique: "T1526" },
  { source: "GuardDuty finding type", match: /^Discovery:Kubernetes\//, technique: "T1613" },
  { source: "GuardDuty finding type", match: /^Execution:Kubernetes\//, technique: "T1609" },
  { source: "GuardDuty finding type", match: /^(PrivilegeEscalation|Persistence|DefenseEvasion):(Kubernetes|Runtime)\/(PrivilegedContainer|ContainerWithSensitiveMount|ContainerMountsHostDirectory|DockerSocketAccessed)/, technique: "T1611" },
  { source: "GuardDuty finding type", match: /^Exfiltration:S3\//, technique: "T1530" },
  { source: "GuardDuty finding type", match: /^Exfiltration:IAMUser\//, technique: "T1537" },
  { source: "GuardDuty finding type", match: /^(UnauthorizedAccess|CredentialAccess):[A-Za-z0-9]+\/(InstanceCredentialExfiltration|MetadataDNSRebind)/, technique: "T1552.005" },
  { source: "GuardDuty finding type", match: /^UnauthorizedAccess:[A-Za-z0-9]+\/TorClient|^UnauthorizedAccess:[A-Za-z0-9]+\/TorIPCaller/, technique: "T1090.003" },
  { source: "GuardDuty finding type", match: /^(UnauthorizedAccess|Policy|InitialAccess):IAMUser\/(ConsoleLogin|RootCredentialUsage|AnomalousBehavior|MaliciousIPCaller)/, technique: "T1078.004" },
  { source: "GuardDuty finding type", match: /^(Persistence|PrivilegeEscalation):IAMUser\//, technique: "T1098" },
  { source: "GuardDuty finding type", match: /^Stealth:[A-Za-z0-9]+\/(CloudTrailLoggingDisabled|ServerAccessLoggingDisabled)/, technique: "T1562.008" },
  { source: "GuardDuty finding type", match: /^(Stealth|DefenseEvasion):[A-Za-z0-9]+\//, technique: "T1562" },
  { source: "GuardDuty finding type", match: /^Impact:S3\/(ObjectDelete|AnomalousBehavior\.Delete)/, technique: "T1485" },
  { source: "GuardDuty finding type", match: /^Execution:[A-Za-z0-9]+\/(ReverseShell|SuspiciousShell)/, technique: "T1059" },
  { source: "GuardDuty finding type", match: /^Execution:[A-Za-z0-9]+\/(NewBinaryExecuted|MaliciousFile|SuspiciousFile)/, technique: "T1204" },
  { source: "GuardDuty finding type", match: /^(PrivilegeEscalation|DefenseEvasion):Runtime\/ProcessInjection/, technique: "T1055" },

  // Google SCC categories (Event Threat Detection / Container Threat Detection finding list).
  { source: "SCC category", match: /^Brute Force: SSH$/i, technique: "T1110" },
  { source: "SCC category", match: /^(Malware|Log4j Malware): Cryptomining|^Execution: Cryptocurrency Mining/i, technique: "T1496" },
  { source: "SCC category", match: /^(Malware|Log4j Malware): Bad (IP|Domain)$/i, technique: "T1071" },
  { source: "SCC category", match: /^Exfiltration: (BigQuery|CloudSQL) Data (Exfiltration|Extraction|to Google Drive)/i, technique: "T1567.002" },
  { source: "SCC category", match: /^Persistence: IAM Anomalous Grant|^Privilege Escalation: .*(Grant|Role)/i, technique: "T1098" },
  { source: "SCC category", match: /^Persistence: New (API Method|Geography|User Agent)|^Initial Access: (Dormant|Leaked) Service Account/i, technique: "T1078.004" },
  { source: "SCC category", match: /^Initial Access: Log4j Compromise Attempt|^Active Scan: Log4j/i, technique: "T1190" },
  { source: "SCC category", match: /^Execution: (Reverse Shell|Netcat Remote Code Execution|Malicious Python)/i, technique: "T1059" },
  { source: "SCC category", match: /^Execution: Added (Malicious )?(Binary|Library)/i, technique: "T1204" },
  { source: "SCC category", match: /^Defense Evasion: .*(Logging|Log Sink)/i, technique: "T1562.008" },
  { source: "SCC category", match: /^Evasion: Access from Anonymizing Proxy/i, technique: "T1090.003" },
  { source: "SCC category", match: /^Discovery: (Service Account Self-Investigation|Can get sensitive Kubernetes object)/i, technique: "T1087" },
  { source: "SCC category", match: /^Credential Access: (Secrets Accessed|.*Privileged Group)/i, technique: "T1552" },

  // Okta System Log event types (Okta "Event types" catalog).
  { source: "Okta event type", match: /^user\.mfa\.okta_verify\.deny_push|^system\.push\.send_factor_verify_push/, technique: "T1621" },
  { source: "Okta event type", match: /^user\.account\.lock(\.limit)?$/, technique: "T1110" },
  { source: "Okta event type", match: /^(user\.account\.privilege\.grant|group\.privilege\.grant|user\.account\.update_user_type)$/, technique: "T1098.003" },
  { source: "Okta event type", match: /^(user\.mfa\.factor\.(deactivate|reset_all|suspend)|system\.mfa\.factor\.deactivate)$/, technique: "T1556.006" },
  { source: "Okta event type", match: /^(policy\.lifecycle\.(deactivate|delete)|policy\.rule\.(deactivate|delete)|zone\.(deactivate|delete))$/, technique: "T1562" },
  { source: "Okta event type", match: /^system\.api_token\.create$/, technique: "T1098.001" },
  { source: "Okta event type", match: /^security\.session\.detect_client_roaming|^user\.session\.context\.change/, technique: "T1539" },
  { source: "Okta event type", match: /^user\.session\.impersonation\.(initiate|grant)/, technique: "T1078.004" },
  // Set by the Okta mapping for a successful sign-in Okta itself flagged (threatSuspected, risk HIGH).
  { source: "Okta event type", match: /^suspicious successful sign-in$/, technique: "T1078" },

  // Zeek notices (base/frameworks, policy/misc/scan, protocols/ssh/detect-bruteforcing,
  // protocols/ftp/detect-bruteforcing, protocols/http/detect-sqli, protocols/ssl/heartbleed).
  { source: "Zeek notice", match: /^Scan::(Port_Scan|Address_Scan|Random_Scan)$/, technique: "T1046" },
  { source: "Zeek notice", match: /^(SSH::Password_Guessing|FTP::Bruteforcing)$/, technique: "T1110.001" },
  { source: "Zeek notice", match: /^HTTP::SQL_Injection_(Attacker|Victim)$/, technique: "T1190" },
  { source: "Zeek notice", match: /^Heartbleed::/, technique: "T1190" },
  { source: "Zeek notice", match: /^Traceroute::Detected$/, technique: "T1016" },

  // Suricata / Emerging Threats signature prefixes and classtypes (ET rule naming; classification.config).
  { source: "Suricata/ET", match: /^ET (COINMINER|POLICY Crypto ?Coin)|^Crypto Currency Mining Activity Detected$/i, technique: "T1496" },
  { source: "Suricata/ET", match: /^ET SCAN |^(Detection of a Network Scan|Attempted Information Leak)$/i, technique: "T1046" },
  { source: "Suricata/ET", match: /^ET (CNC|MALWARE|TROJAN) |^(A Network Trojan was detected|Malware Command and Control Activity Detected)$/i, technique: "T1071" },
  { source: "Suricata/ET", match: /^Web Application Attack$|^ET (WEB_SERVER|WEB_SPECIFIC_APPS|EXPLOIT) /i, technique: "T1190" },

  // Wazuh rule groups (ruleset groups of the same name).
  { source: "Wazuh rule group", match: /^(authentication_failures|brute_force)$/, technique: "T1110" },
  { source: "Wazuh rule group", match: /^(log_clearing|logs_cleared)$/, technique: "T1070" },
  { source: "Wazuh rule group", match: /^sql_injection$/, technique: "T1190" },
  { source: "Wazuh rule group", match: /^(web_scan|recon|scan)$/, technique: "T1595" },

  // Well-known names, in titles, descriptions, CEF names and any vendor's type text.
  { source: "well-known name", match: /\bdcsync\b|\bdrsuapi\b.*\breplicat/i, technique: "T1003.006" },
  { source: "well-known name", match: /\bntds\.dit\b/i, technique: "T1003.003" },
  { source: "well-known name", match: /\b(lsass|sekurlsa|mimikatz|nanodump|comsvcs(\.dll)?,? ?minidump)\b/i, technique: "T1003.001" },
  { source: "well-known name", match: /\bcredential (dump\w*|theft)|\bos credential dumping\b|\bhashdump\b|\bsecretsdump\b/i, technique: "T1003" },
  { source: "well-known name", match: /\b(audit|event|security) logs? (was |were )?(cleared|deleted|wiped)\b|\b(clear\w*|wip\w*|delet\w*) (the )?(windows |security |audit )?event ?logs?\b|\bwevtutil(\.exe)? (cl|clear-log)\b|\bclear-eventlog\b|\blogs? clear(ed|ing)\b/i, technique: "T1070.001" },
  { source: "well-known name", match: /\b(cloudtrail|audit logging|log sink|flow logs?) (was |were )?(disabled|deleted|stopped)\b|\bstoplogging\b|\bdeletetrail\b/i, technique: "T1562.008" },
  { source: "well-known name", match: /\bmfa (fatigue|bombing|spam(ming)?|push storm|flood\w*)\b|\bpush (fatigue|bombing|storm|spam)\b|\b(multiple|repeated|many) (denied|rejected) (mfa|push|verify)|\b(denied|rejected) (okta )?(verify )?push\b/i, technique: "T1621" },
  { source: "well-known name", match: /\bsql ?injection\b|\bsqli\b|\bunion (all )?select\b/i, technique: "T1190" },
  { source: "well-known name", match: /\bcross.?site scripting\b|\bxss\b|\b(log4j|log4shell|jndi:|shellshock|path traversal|directory traversal|remote code execution|command injection|exploit(ation)? attempt)\b|\bcve-\d{4}-\d{4,}\b/i, technique: "T1190" },
  { source: "well-known name", match: /\b(upload\w*|exfiltrat\w*|transfer\w*|sync\w*) (\w+ ){0,4}(to |via |into )?(a |an |the )?(personal |external |public )?(cloud storage|cloud drive|google drive|onedrive|dropbox|box\.com|mega\.nz|s3 bucket)\b|\bexfiltration to cloud storage\b/i, technique: "T1567.002" },
  { source: "well-known name", match: /\b(upload\w*|exfiltrat\w*|transfer\w*|post\w*) (\w+ ){0,4}(to |via )(a |an |the )?(\w+ )?(file.?shar\w*|paste ?(site|bin)|web service|code repositor\w*)\b/i, technique: "T1567" },
  { source: "well-known name", match: /\bdns exfiltration\b|\bexfiltrat\w* (over|via) dns\b/i, technique: "T1048.003" },
  { source: "well-known name", match: /\bdns tunnel\w*\b/i, technique: "T1071.004" },
  { source: "well-known name", match: /\bpassword spray\w*\b/i, technique: "T1110.003" },
  { source: "well-known name", match: /\bcredential stuffing\b/i, technique: "T1110.004" },
  { source: "well-known name", match: /\bbrute.?forc\w*\b|\bpassword guess\w*\b|\b(multiple|repeated|excessive|many|\d+) failed (\w+ )?(log ?ins?|log ?ons?|sign.?ins?|authentications?|password attempts?)\b|\baccount lock(ed)?.?out\b|\bmax(imum)? sign.?in attempts\b/i, technique: "T1110" },
  { source: "well-known name", match: /\bvulnerability scan\w*\b/i, technique: "T1595.002" },
  { source: "well-known name", match: /\b(port ?scan\w*|port sweep|address scan|host sweep|ping sweep|network scan\w*|horizontal scan|vertical scan|nmap|masscan|zmap|port ?probe|scanned at least \d+)\b/i, technique: "T1046" },
  { source: "well-known name", match: /\bransomware\b|\bmass (file )?encryption\b|\bencrypt\w* (many|multiple|\d+) files\b/i, technique: "T1486" },
  { source: "well-known name", match: /\b(shadow ?cop(y|ies) (deletion|deleted|delete)|vssadmin(\.exe)? delete|wmic(\.exe)? shadowcopy delete|wbadmin(\.exe)? delete|bcdedit.*recoveryenabled no)\b/i, technique: "T1490" },
  { source: "well-known name", match: /\b(crypto.?min\w*|coin.?min\w*|cryptocurrency min\w*|mining pool|xmrig|stratum\+tcp|monero min\w*)\b/i, technique: "T1496" },
  { source: "well-known name", match: /\bdga\b|\bdomain generation algorithm\b/i, technique: "T1568.002" },
  { source: "well-known name", match: /\b(beacon\w*|command.and.control|c2|c&c|cnc|cobalt ?strike|sliver implant|meterpreter)\b/i, technique: "T1071" },
  { source: "well-known name", match: /\breverse shell\b/i, technique: "T1059" },
  { source: "well-known name", match: /\bweb ?shell\b/i, technique: "T1505.003" },
  { source: "well-known name", match: /\bkerberoast\w*\b/i, technique: "T1558.003" },
  { source: "well-known name", match: /\bgolden ticket\b/i, technique: "T1558.001" },
  { source: "well-known name", match: /\bpass.the.hash\b/i, technique: "T1550.002" },
  { source: "well-known name", match: /\b(impossible travel|atypical travel|unfamiliar sign.?in)\b/i, technique: "T1078" },
  { source: "well-known name", match: /\b(grant\w* (user )?privilege|privilege(d)? (grant|group (membership|member)|role (grant|assign\w*))|added to (the )?(domain admins|enterprise admins|administrators|global admin\w*)|admin(istrator)? role (grant\w*|assign\w*)|role assignment)\b/i, technique: "T1098" },
  { source: "well-known name", match: /\b(inbox|mail) forwarding rule\b|\bforwarding rule to external\b/i, technique: "T1114.003" },
  { source: "well-known name", match: /\bphish\w*\b/i, technique: "T1566" },
  { source: "well-known name", match: /\bscheduled task\b|\bschtasks(\.exe)? \/create\b/i, technique: "T1053.005" },
  { source: "well-known name", match: /\btor (exit|relay|node|network|client)\b/i, technique: "T1090.003" },
  { source: "well-known name", match: /\b(encoded|obfuscated) powershell\b|\bpowershell(\.exe)? .*-e(nc|ncodedcommand)? /i, technique: "T1059.001" },
];

const ID_IN_TEXT = /(?<![\w.])T(\d{4})(?:\.(\d{3}))?(?![\w])/g;

/** ATT&CK ids written in free text ("T1059.001", "(T1110)"); in order, without duplicates. */
export function techniqueIdsInText(texts: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of texts) {
    for (const m of t.slice(0, 20_000).matchAll(ID_IN_TEXT)) {
      const id = `T${m[1]}${m[2] ? `.${m[2]}` : ""}`;
      if (!out.includes(id)) out.push(id);
    }
  }
  return out;
}

/**
 * Techniques for an alert that carries no id: the vendor's type names (exact vocabularies) are
 * tried first, then well-known names in the type names, the title and the description. At most
 * three, in table order, without duplicates (a parent is dropped when its sub-technique is there).
 */
export function inferTechniques(typeNames: readonly string[], texts: readonly string[]): { ids: string[]; rules: NameRule[] } {
  const ids: string[] = [];
  const rules: NameRule[] = [];
  const types = typeNames.map((t) => t.trim()).filter(Boolean);
  // Names sit near the start of a text; a 16 kB description is not read 90 times over.
  const all = [...types, ...texts.map((t) => t.slice(0, 4_000))];
  for (const rule of NAME_RULES) {
    const pool = rule.source === "well-known name" ? all : types;
    if (!pool.some((t) => rule.match.test(t))) continue;
    const parent = rule.technique.split(".")[0]!;
    if (ids.some((id) => id === rule.technique || id.startsWith(`${rule.technique}.`))) continue;
    const parentAt = ids.indexOf(parent);
    if (parentAt >= 0 && rule.technique !== parent) { ids[parentAt] = rule.technique; rules[parentAt] = rule; continue; }
    ids.push(rule.technique);
    rules.push(rule);
    if (ids.length >= 3) break;
  }
  return { ids, rules };
}
