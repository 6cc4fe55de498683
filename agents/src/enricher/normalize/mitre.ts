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
