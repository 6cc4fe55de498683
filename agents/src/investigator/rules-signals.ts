/**
 * What the rules analyst reads in a canonical alert, for any format: the behaviour the alert
 * describes (from its ATT&CK techniques, tactics, category and the vendor's own words), who did it
 * to whom (an external source attacking inward, or our own host reaching out), what the vendor
 * already did about it (its action, disposition or status fields), and any evidence in the alert
 * itself that the activity was sanctioned.
 *
 * Every signal keeps the phrase or field it came from, so the analyst's reasoning can quote it and
 * a person can check it against the alert. Vendor field names are not looked up one by one: outcome
 * and tag fields are recognised by the shape of their key wherever they sit (context or raw), which
 * is how the same reading works on formats and sources nobody tuned it for.
 */
import type { CanonicalAlert, Enrichment, Ioc } from "@secops/contracts";

export type Behaviour =
  // An external party attacking inward.
  | "brute_force" | "password_spray" | "mfa_fatigue" | "scanning" | "web_exploit" | "offensive_tooling"
  // Our own host doing something it should not.
  | "ransomware" | "credential_dumping" | "command_and_control" | "mining" | "execution" | "exfiltration" | "lateral_movement"
  // Needs a person's judgement.
  | "privilege_grant" | "log_clearing" | "persistence" | "account_anomaly" | "phishing" | "intel_match" | "malware_file";

export interface Signal<T> { value: T; because: string }

export interface Signals {
  behaviours: Map<Behaviour, string>;
  /** The vendor already stopped it (blocked, quarantined, killed, prevented). */
  contained: Signal<string> | null;
  /** The vendor says it happened and was let through (allowed, not cleaned, succeeded). */
  allowed: Signal<string> | null;
  /** The vendor or a person already judged it benign or expected (determination, classification, status). */
  vendorBenign: Signal<string> | null;
  /** Evidence in the alert that someone approved it: change ticket, maintenance window, approved scanner. */
  sanction: string[];
  /** A time window the alert names ("window 23:00-01:00") and whether the alert's time falls inside it. */
  window: { text: string; inside: boolean } | null;
  /** The credential attack got in (a success after failures, an approved push). */
  succeeded: Signal<boolean> | null;
  /** The activity happened outside working hours (alert time 20:00-06:00 UTC, or the alert says so). */
  oddHours: Signal<boolean> | null;
  externalSource: Ioc | null;
  internalSource: Ioc | null;
  externalDestinations: Ioc[];
  /** Our own machine the alert is about: the alert's host, else an internal address it extracted. */
  internalHost: string | null;
  /** A domain controller, identity or PKI server, or an asset enrichment rates critical. */
  tierZero: Signal<boolean> | null;
  /** Text of the alert as one lower-case string (title, description, context, techniques). */
  text: string;
}

// ---------------------------------------------------------------------------------------------
// Behaviours: ATT&CK technique prefixes first (the normalizer maps vendor names to them), then the
// words vendors use in titles, finding types and descriptions.

interface BehaviourRule { behaviour: Behaviour; techniques?: string[]; words?: RegExp; categories?: CanonicalAlert["category"][] }

const BEHAVIOURS: BehaviourRule[] = [
  { behaviour: "ransomware", techniques: ["T1486", "T1490"], words: /\bransom(ware)?\b|\bwiper\b|shadow cop(y|ies)\b[^\n]{0,80}\b(delet|remov)|vssadmin\b[^\n]{0,80}\bdelete\b|\b(lockbit|blackcat|alphv|conti|ryuk|revil|akira)\b|mass (file )?encryption|encrypt(ed|ing)? (many|multiple|mass)/ },
  { behaviour: "credential_dumping", techniques: ["T1003"], words: /\blsass\b|mimikatz|sekurlsa|credential (dump|theft)|dump(ing)? credentials|os credential dumping|\bntds\.dit\b|comsvcs(\.dll)?\W+minidump|procdump\S*\s[^\n]{0,80}lsass|\bsam (hive|database) (dump|copy)|dcsync/ },
  { behaviour: "command_and_control", techniques: ["T1071", "T1573", "T1095", "T1572", "T1090", "T1219"], words: /\bc2\b|\bc&c\b|command[- ]and[- ]control|command & control|\bbeacon(ing)?\b|cobalt ?strike|\bbackdoor\b|\btrojan\b|remote access (trojan|tool)|\brat\b|\bsliver\b|meterpreter|reverse shell|callback to|\bcnc\b|sinkhole(d)?|dns tunnel(l)?ing|tunnel(l)?ing (over|via) dns/ },
  { behaviour: "mining", techniques: ["T1496"], words: /\bcoin ?miner|crypto ?(currency )?mining|cryptocurrency|\bminer\b|\bmining pool\b|\bxmrig\b|\bbitcoin\b|\bmonero\b|\bstratum\+tcp\b|resource hijacking/ },
  { behaviour: "exfiltration", techniques: ["T1041", "T1048", "T1567", "T1537", "T1020", "T1030", "T1114.003"], categories: ["data_exfiltration"], words: /exfiltrat|data (theft|leak)|upload(ed|ing)? [^\n]{0,80}(archive|to an? (internet|external|cloud))|forward(s|ing)? (all )?mail to (an )?external|unusual data (retrieval|transfer)/ },
  { behaviour: "execution", techniques: ["T1059", "T1204", "T1203", "T1105", "T1218", "T1027", "T1140", "T1055"], words: /encoded (powershell|command)|-enc(odedcommand)?\b|download cradle|downloadstring|invoke-expression|\biex\s*\(|malicious (script|macro|binary)|added binary executed|added library loaded|webshell|web shell|process injection|living off the land|suspicious (execution|process (launch|creation))|execution of (a )?(hidden|suspicious|malicious|unsigned)/ },
  { behaviour: "lateral_movement", techniques: ["T1021", "T1570", "T1550"], words: /lateral movement|pass[- ]the[- ](hash|ticket)|psexec|remote service creation/ },
  { behaviour: "brute_force", techniques: ["T1110.001", "T1110.002", "T1110.004", "T1110"], words: /brute[- ]?forc(e|ing)|password[- ]guess(ing|er)?|(\d+|multiple|many|numerous|burst of|excessive( number of)?|repeated) (failed|unsuccessful|bad) (log ?ins?|logons?|sign-?ins?|attempts|authentications?|passwords?)|failed password for|(multiple|many|excessive|repeated|numerous) (authentication|login|logon|sign-?in) failures|invalid user|non-existent user|account (was )?locked out|lockout|(max(imum)?|too many) (sign[- ]?in|login|logon) attempts|sign[- ]?in attempts exceeded/ },
  { behaviour: "password_spray", techniques: ["T1110.003"], words: /password spray|spraying|failures from the same ip across many accounts|many accounts from (one|a single)/ },
  { behaviour: "mfa_fatigue", techniques: ["T1621"], words: /mfa fatigue|push (bombing|spam|storm|flood)|mfa (push )?(storm|flood|bombing)|(multiple|many|\d+) (denied )?mfa (push|requests|prompts|notifications)|push notifications? [^\n]{0,80}denied/ },
  { behaviour: "web_exploit", techniques: ["T1190", "T1189"], words: /\bexploit(ation|ed|ing)?\b|sql injection|\bsqli\b|cross[- ]site scripting|\bxss\b|\blog4j\b|\bjndi\b|remote code execution|\brce\b|path traversal|directory traversal|command injection|\bcve-\d{4}-\d+|web application attack|web attack|shellshock|heartbleed|deserialization/ },
  { behaviour: "scanning", techniques: ["T1046", "T1595", "T1590", "T1018"], categories: ["network_scan"], words: /\bscan(ning|ner)?\b|port ?scan|address ?scan|port (probe|sweep)|\bprob(e|ed|ing)\b|\bnmap\b|\bmasscan\b|\bzmap\b|reconnaissance|\brecon:/ },
  { behaviour: "offensive_tooling", words: /\bkali\b|\bparrot ?os\b|\bpentoo\b|\bpentest:/ },
  { behaviour: "privilege_grant", techniques: ["T1098", "T1484"], words: /added to (the )?[\w\s-]*(admins?|administrators|privileged|owners?)\b|privileged group|(role|permission|privilege)s? (was |were )?(granted|assigned|added)|granted (roles?\/)?\S*(owner|admin)|setiampolicy|anomalous grant|elevat(ed|ion) of privilege|privilege ?escalation/ },
  { behaviour: "log_clearing", techniques: ["T1070.001", "T1070.002", "T1070"], words: /(audit|event|security) log (was )?cleared|log(s)? (was |were )?cleared|clear(ed|ing)? (the )?(event|audit|security) logs?|wevtutil\s+cl\b|log_clearing/ },
  { behaviour: "persistence", techniques: ["T1053", "T1547", "T1543", "T1546", "T1037", "T1505"], words: /scheduled task (persistence|created)|run ?key|autorun|startup folder|new service (was )?(installed|created)|cron ?job (added|created)|persistence mechanism/ },
  { behaviour: "account_anomaly", words: /impossible travel|atypical travel|unfamiliar sign-?in|anomalous (login|sign-?in|api|token)|unusual (sign-?in|login|location)|leaked credentials|suspicious (sign-?in|login)|anonymous ip|anomalous ?behaviou?r/ },
  { behaviour: "phishing", techniques: ["T1566"], words: /phish|malicious (url|link) click|clicked on a link|credential harvest/ },
  { behaviour: "intel_match", words: /\b(intel(ligence)?|threat ?intel|ioc|indicator|blocklist|watchlist)\b[^\n]{0,80}\b(match|hit|list|resolved|connected|lookup)|custom (network )?indicator|block ?listed|\bti (map|match)|threat (activity|list match)|compromised or hostile host|known (malicious|bad) (ip|domain|host)|connection to (a )?(suspicious|malicious|known[- ]bad) (domain|ip|address|host)|malicious ?ip ?caller/ },
  { behaviour: "malware_file", categories: ["malware"], words: /\bmalware\b|\bvirus\b|\bengines detected\b|malicious file|\bworm\b|\binfostealer\b|\bstealer\b|\bdropper\b|\bloader\b/ },
];

// Vendor outcome values. Contained means the vendor stopped the activity itself.
const CONTAINED = /\b(blocked|block|prevent(ed|ion)?|quarantin(ed|e)|killed|kill(ed)? process|process (was )?killed|terminated|denied|deny|drop(ped)?|reject(ed)?|removed|deleted|cleaned|remediated|disinfected|sinkholed|contained)\b/i;
const ALLOWED = /\b(allowed|allow|permitted|not (cleaned|blocked|remediated|prevented)|detected only|detect(ion)?[- ]only|audit(ed)?|success(ful)?|succeeded|accepted|monitor(ed)?)\b/i;
const BENIGN_VERDICT = /\b(false[ _-]?positive|benign(positive)?|security ?testing|expected ?activity|informationalexpectedactivity|confirmed ?activity|authori[sz]ed|sanctioned|approved|suppressed|muted)\b/i;

const OUTCOME_KEY = /(^|[._])(act|action|actions|action_?taken|disposition|pattern_?disposition\w*|outcome|result|remediation\w*|verdict|determination|classification|resolution|status|status_?label|workflow_?status|state|archived|mute)$/i;
const TAG_KEY = /(^|[._])(tags?|labels?|workflow_?tags|categories)$/i;
// Where people and products write why something is expected: comments, notes, justifications.
const NOTE_KEY = /(^|[._])(comments?|notes?|reason|justification|status_?detail|remarks?|annotation)$/i;

// Sanction in the alert's own words. Change ids follow the ITSM conventions (CHG0041233, CR-1234, CRQ000123).
const CHANGE_ID = /\b(chg|crq|cr|change)[- #:]?\d{3,}\b/i; // "RFC" is left out: "rfc1918" tags private addresses, it approves nothing
const SANCTION_WORDS = /\b(approved|authori[sz]ed|sanctioned|scheduled|planned|expected)\s+(vulnerability\s+)?(change|scan(ner)?|maintenance|pen(etration)?[- ]?test|red[- ]team|engagement|activity|window|deployment|patching|upgrade)|\bmaintenance window\b|\bchange window\b|\bapproved change\b|\bapproved[- ]scanner\b|\bpen[- ]?test engagement\b|\bred[- ]team (exercise|engagement)\b/i;
const SANCTION_KEY = /sanction|authori[sz]ed|approved|pentest|pen_?test|red_?team|change_?(ticket|request|id)|maintenance_?window|allow_?list|white_?list|known_?good|expected_?activity/i;
const WINDOW = /\b(?:window|between|from)\s*:?\s*(?:[a-z]{3,9}\.?\s+)?(\d{1,2}):?(\d{2})\s*(?:-|–|to|and)\s*(\d{1,2}):?(\d{2})\s*(utc|z)?/i;

/** Strings in raw with their paths, a bounded walk (hostile input can be huge or deep). */
export function rawStrings(raw: unknown, limit = 2000): { path: string; value: string }[] {
  const out: { path: string; value: string }[] = [];
  const walk = (v: unknown, path: string, depth: number) => {
    if (out.length >= limit || depth > 8) return;
    if (typeof v === "string") out.push({ path, value: v });
    else if (typeof v === "number" || typeof v === "boolean") out.push({ path, value: String(v) });
    else if (Array.isArray(v)) v.slice(0, 100).forEach((x) => walk(x, path, depth + 1));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k, depth + 1);
  };
  walk(raw, "", 0);
  return out;
}

export function readSignals(alert: CanonicalAlert, enrichment: Enrichment, opts: { tainted: boolean }): Signals {
  const contextStrings = Object.entries(alert.context).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => ({ path: k, value: x })) : [{ path: k, value: String(v) }]));
  const raws = rawStrings(alert.raw);
  const fieldValues = [...contextStrings, ...raws];
  // Tactic names ("Command and Control", "Execution") say where a rule files the alert, not what
  // happened, so they are left out of the words; vendor identifiers are split into words
  // ("SSH::Password_Guessing", "SSHBruteForce").
  // Each string is read in its first 2,000 characters: the vendor's verdict is not at the end of a 9 kB command line.
  const text = [alert.title, alert.description, ...contextStrings.map((c) => c.value)]
    .map((t) => t.slice(0, 2000))
    .map((t) => {
      const split = t.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/[_:/]+/g, " ");
      return split === t ? t : `${t} ${split}`;
    }).join(" \n ").toLowerCase();

  const behaviours = new Map<Behaviour, string>();
  for (const rule of BEHAVIOURS) {
    const technique = rule.techniques?.find((t) => alert.mitre.some((m) => m === t || m.startsWith(`${t}.`)));
    if (technique) { behaviours.set(rule.behaviour, `ATT&CK ${alert.mitre.find((m) => m === technique || m.startsWith(`${technique}.`))}`); continue; }
    const m = rule.words?.exec(text);
    if (m) { behaviours.set(rule.behaviour, `"${m[0].trim().slice(0, 60)}"`); continue; }
    if (rule.categories?.includes(alert.category)) behaviours.set(rule.behaviour, `category ${alert.category}`);
  }
  // "No related process execution was observed": the vendor ruling a behaviour out.
  if (/\bno (related |further )?(process )?(execution|activity|behaviou?r) (was |were )?(observed|seen|detected)\b/.test(text)) {
    for (const b of ["execution", "command_and_control"] as const) if (behaviours.get(b)?.startsWith("ATT&CK")) behaviours.delete(b);
  }
  const failures = ["failed_attempts", "failed_logins", "failures", "failed_count"].map((k) => Number(alert.context[k])).find((n) => Number.isFinite(n) && n > 0);
  if (failures !== undefined && failures >= 5 && !behaviours.has("brute_force")) behaviours.set("brute_force", `${failures} failed attempts`);
  // Spraying and push storms are credential attacks too; the generic brute-force technique (T1110)
  // should not also claim a spray.
  if (behaviours.has("password_spray") && behaviours.get("brute_force")?.startsWith("ATT&CK T1110")) behaviours.delete("brute_force");

  // Outcome fields, wherever the vendor put them.
  let contained: Signal<string> | null = null;
  let allowed: Signal<string> | null = null;
  let vendorBenign: Signal<string> | null = null;
  for (const { path, value } of fieldValues) {
    if (!OUTCOME_KEY.test(path) || value.length > 200) continue;
    const where = `${path} = ${value}`;
    if (/(^|[._])(determination|classification|resolution|status|status_?label|workflow_?status|verdict|mute)$/i.test(path) && BENIGN_VERDICT.test(value.replace(/([a-z])([A-Z])/g, "$1 $2"))) {
      vendorBenign ??= { value, because: where };
      continue;
    }
    if (/(^|[._])(determination|classification|resolution)$/i.test(path)) continue; // "malware", "truePositive": a judgement, not an outcome
    if (/(^|[._])archived$/i.test(path)) continue;
    if (CONTAINED.test(value) && !/\bnot (blocked|cleaned|remediated|prevented|quarantined)\b|\bfailed to (block|quarantine|remove|clean)/i.test(value)) contained ??= { value, because: where };
    else if (ALLOWED.test(value)) allowed ??= { value, because: where };
  }
  // The vendor's own sentence ("The process was killed and the file quarantined", "was prevented").
  if (!contained) {
    const said = /\b(was|were|been|has been|have been|successfully)\s+(blocked|prevented|quarantined|killed|terminated|removed|remediated|cleaned|stopped)\b|\b(host|ip|address|connection|request|file|process|payload|message|email)s? (was |were |has been )?(blocked|quarantined|killed|dropped|prevented|removed)\b/i.exec(`${alert.title}. ${alert.description}`);
    if (said && !/\bnot\s+(been\s+)?(blocked|prevented|quarantined|killed|terminated|removed|remediated|cleaned|stopped)\b/i.test(`${alert.title}. ${alert.description}`)) contained = { value: said[0], because: `the alert says "${said[0]}"` };
  }
  if (/\bnot cleaned\b|\bnot (blocked|remediated|quarantined)\b/i.test(alert.title)) { contained = null; allowed ??= { value: "not cleaned", because: `the title says "${alert.title.slice(0, 80)}"` }; }

  // Sanction: structured keys and tags first, then the alert's own sentences. A tainted alert's
  // words are not evidence: whoever wrote the injection may have written the excuse too.
  const sanction: string[] = [];
  for (const [k, v] of Object.entries(alert.context)) {
    if (!SANCTION_KEY.test(k)) continue;
    const s = Array.isArray(v) ? v.join(", ") : String(v);
    if (v === true || (typeof v === "number" && v > 0) || (typeof v === "string" && s.trim() !== "" && !/^(false|no|0|none|null|n\/a)$/i.test(s.trim())) || (Array.isArray(v) && v.length > 0)) sanction.push(`${k} = ${s}`);
  }
  for (const { path, value } of raws) {
    if (TAG_KEY.test(path) && (SANCTION_WORDS.test(value) || CHANGE_ID.test(value) || /^(sanctioned|authori[sz]ed|approved[- ]?\w*|allowlisted|known-good|pentest|red-?team)$/i.test(value.trim()))) sanction.push(`${path} = ${value}`);
  }
  if (!opts.tainted) {
    for (const { path, value } of raws) {
      if (!NOTE_KEY.test(path) || value.length > 2000) continue;
      const m = SANCTION_WORDS.exec(value) ?? (/\bchange\b/i.test(value) || /approved|authori[sz]ed/i.test(value) ? CHANGE_ID.exec(value) : null);
      if (m) sanction.push(`${path} says "${m[0]}"`);
    }
    const prose = `${alert.title}. ${alert.description}`;
    const words = SANCTION_WORDS.exec(prose);
    if (words) sanction.push(`the alert says "${words[0]}"`);
    const change = CHANGE_ID.exec(prose);
    if (change && (words || /\bchange\b/i.test(prose))) sanction.push(`change ${change[0]} is cited`);
  }
  const tagged = enrichment.indicators.find((i) => i.tags.some((t) => /^(sanctioned|authori[sz]ed|allowlisted|known-good|internal-scanner|pentest)/i.test(t)));
  if (tagged) sanction.push(`${tagged.value} is tagged ${tagged.tags.join(", ")} by enrichment`);
  if (enrichment.suppressed) sanction.push(`suppression rule "${enrichment.suppressed.by}" matched: ${enrichment.suppressed.reason}`);

  const window = readWindow([`${alert.title}. ${alert.description}`, ...fieldValues.filter((f) => TAG_KEY.test(f.path) || NOTE_KEY.test(f.path) || SANCTION_KEY.test(f.path)).map((f) => f.value)], alert.time);

  // Did the credential attack get in?
  const successFlag = ["successful_login", "login_success", "success"].map((k) => alert.context[k]).find((v) => v !== undefined);
  const successText = /followed by (a )?success(ful)?( login| logon| sign-?in| attempt)?|successful brute[- ]force|brute[- ]force [^\n]{0,80}\bsucce(ss|eded)|approved the last|(then|and) approved|accepted password|logged in after|login by password guesser|guessed successfully|successfully guessed/i.exec(text);
  const succeeded: Signal<boolean> | null = successFlag === true || successFlag === "true"
    ? { value: true, because: "the alert flags a successful login" }
    : successText ? { value: true, because: `"${successText[0]}"` } : null;

  const hour = new Date(alert.time).getUTCHours();
  const oddText = /\b(outside (of )?(business|working|normal|usual) hours|off[- ]hours|after hours|at night|overnight|unusual time)\b/i.exec(text);
  const oddHours: Signal<boolean> | null = oddText
    ? { value: true, because: `"${oddText[0]}"` }
    : alert.context.time_source !== "received" && (hour >= 20 || hour < 6) ? { value: true, because: `at ${alert.time.slice(11, 16)} UTC` } : null;

  const ips = alert.iocs.filter((i) => i.type === "ip");
  const externalSource = ips.find((i) => !i.internal && i.role === "source")
    ?? (alert.category !== "data_exfiltration" && !ips.some((i) => i.internal && i.role === "source") ? ips.find((i) => !i.internal && i.role === null) : undefined)
    ?? null;
  const internalSource = ips.find((i) => i.internal && i.role === "source") ?? null;
  const externalDestinations = alert.iocs.filter((i) => i.role === "destination" && (i.type !== "ip" || !i.internal) && i.type !== "email");
  const internalHost = alert.host.name ?? alert.host.ip ?? internalSource?.value ?? null;

  const hostNames = [alert.host.name, ...alert.assets].filter((h): h is string => !!h);
  const tierZeroName = hostNames.find((h) => /(^|[.-])(dc|pdc|adds?|domain-?controller|adfs|pki|ca|krbtgt|idp)\d*([.-]|$)/i.test(h));
  const tierZero: Signal<boolean> | null = tierZeroName
    ? { value: true, because: `${tierZeroName} is named like a domain controller or identity server` }
    : enrichment.asset.criticality === "critical" ? { value: true, because: `enrichment rates ${enrichment.asset.name ?? "the asset"} critical (${enrichment.asset.reason})` } : null;

  return { behaviours, contained, allowed, vendorBenign, sanction: [...new Set(sanction)], window, succeeded, oddHours, externalSource, internalSource, externalDestinations, internalHost, tierZero, text };
}

/** "maintenance window 23:00-01:00 UTC" and whether the alert's time (UTC) falls inside it. */
function readWindow(texts: string[], time: string): { text: string; inside: boolean } | null {
  for (const t of texts) {
    const m = WINDOW.exec(t);
    if (!m) continue;
    const from = Number(m[1]) * 60 + Number(m[2]);
    const to = Number(m[3]) * 60 + Number(m[4]);
    if (from >= 24 * 60 || to >= 24 * 60) continue;
    const d = new Date(time);
    const at = d.getUTCHours() * 60 + d.getUTCMinutes();
    const inside = from <= to ? at >= from && at <= to : at >= from || at <= to;
    return { text: m[0], inside };
  }
  return null;
}
