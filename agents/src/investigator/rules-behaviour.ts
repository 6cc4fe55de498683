/**
 * The rules analyst's reading of what an alert describes, for any format (see rules-signals.ts
 * for how each signal is found). The order is the order a SOC analyst checks things in:
 *
 * 1. evidence in the alert that the activity was sanctioned (change ticket, maintenance window,
 *    approved scanner, the vendor's own "security testing" verdict) → close as a false positive,
 *    unless something disagrees (a flagged indicator, a critical rating, a time outside the window);
 * 2. the vendor already blocked, quarantined or killed it → a ticket to verify and clean up;
 * 3. activity only a person can judge (a privilege grant at odd hours, on tier-0 or to an outsider,
 *    log clearing on tier-0, a new persistence mechanism alone) → manual review;
 * 4. our own host executing, beaconing, mining, dumping credentials, moving laterally, scanning or
 *    attacking outward, or sending data out → isolate that host (data taken from a cloud store with
 *    no host: block the outside caller, or ask a person);
 * 5. an external source attacking inward (brute force, spraying, MFA push storms, scanning, web
 *    exploits, attack tooling, a listed hostile address) → block that source;
 * 6. impossible travel and other account anomalies → a person; phishing clicks and intelligence
 *    matches without behaviour → a ticket; a posture finding (misconfiguration, vulnerability,
 *    compliance, as the vendor classes it) with no behaviour → a ticket for its owner.
 *
 * Confidence is the analyst's belief that the proposed action is the right one: 0.95 for the
 * textbook case, 0.9 for clear behaviour with its target, 0.85 when one corroborating fact is
 * missing, 0.7 to 0.8 for a likely reading, and 0.6 or less when a person should decide.
 * Returns null when no behaviour is recognised; the category matrix then answers.
 */
import type { Severity } from "@secops/contracts";
import type { AlertFacts } from "./alert-facts.js";
import { assess, maxSeverity, type Assessment } from "./rules-assessment.js";
import type { Behaviour, Signals } from "./rules-signals.js";

const HOST_COMPROMISE: Behaviour[] = ["ransomware", "credential_dumping", "command_and_control", "mining", "execution", "lateral_movement", "exfiltration"];
const INBOUND_ATTACK: Behaviour[] = ["mfa_fatigue", "password_spray", "brute_force", "web_exploit", "scanning", "offensive_tooling"];

const MITRE: Partial<Record<Behaviour, string[]>> = {
  ransomware: ["T1486"], credential_dumping: ["T1003"], command_and_control: ["T1071"], mining: ["T1496"], execution: ["T1059"],
  lateral_movement: ["T1021"], exfiltration: ["T1041"], brute_force: ["T1110"], password_spray: ["T1110.003"], mfa_fatigue: ["T1621"],
  web_exploit: ["T1190"], scanning: ["T1046"], privilege_grant: ["T1098"], log_clearing: ["T1070.001"], account_anomaly: ["T1078"], phishing: ["T1566"],
};

export interface BehaviourRules {
  /** The seed's detailed login matrix, for credential attacks that got in through an anonymizer. */
  authenticationMatrix: (f: AlertFacts) => Assessment;
  networkScanMatrix: (f: AlertFacts) => Assessment;
  dataMovementMatrix: (f: AlertFacts) => Assessment;
}

export function sanctioned(f: AlertFacts, s: Signals): Assessment | null {
  const evidence = [...s.sanction, ...(s.vendorBenign ? [`the source's verdict: ${s.vendorBenign.because}`] : [])];
  if (s.window?.inside) evidence.push(`the alert time ${f.alert.time.slice(11, 16)} UTC is inside the stated window (${s.window.text})`);
  if (evidence.length === 0 || (s.sanction.length === 0 && !s.vendorBenign)) return null;
  const flagged = [...f.maliciousIndicators, ...f.suspiciousIndicators];
  // A verdict or suppression already set in the source, or a structured field, outranks our reading of a sentence.
  const structured = !!s.vendorBenign || s.sanction.some((e) => !/^the alert says|^change |\bsays "/.test(e));
  const conflicts = [
    ...flagged.map((i) => `${i.value} is rated ${i.verdict} by enrichment`),
    ...(f.alert.severity === "critical" ? ["the source rates it critical"] : []),
    ...(s.window && !s.window.inside && !structured ? [`the alert time ${f.alert.time.slice(11, 16)} UTC is outside the stated window (${s.window.text})`] : []),
    ...(s.behaviours.has("ransomware") ? ["the activity looks like ransomware"] : []),
    // A sentence anyone could have typed (a command-line comment) does not excuse an intrusion's core steps.
    ...(!structured ? (["credential_dumping", "command_and_control", "exfiltration", "mining"] as const).filter((b) => s.behaviours.has(b)).map((b) => `the alert also shows ${b.replace(/_/g, " ")} (${s.behaviours.get(b)}), which a sentence in the alert does not explain`) : []),
  ];
  if (conflicts.length > 0) {
    return assess(maxSeverity(f.alert.severity, "medium"), 0.5, "undetermined", "MANUAL_REVIEW", null, "marked as sanctioned, but the evidence disagrees", [
      `The alert says the activity is sanctioned (${evidence.join("; ")}),`,
      `yet ${conflicts.join(", ")}.`,
      "Conflicting evidence goes to a person.",
    ], [...evidence, ...conflicts], []);
  }
  const confidence = f.enrichment.suppressed ? 0.9 : structured || s.window?.inside ? 0.92 : 0.9;
  return assess("low", confidence, "benign", "CLOSE_FALSE_POSITIVE", null, "activity explained and sanctioned", [
    `The alert carries evidence that the activity is sanctioned (${evidence.join("; ")}) and no indicator is rated malicious or suspicious.`,
  ], evidence, []);
}

export function byBehaviour(f: AlertFacts, s: Signals, rules: BehaviourRules): Assessment | null {
  const has = (b: Behaviour) => s.behaviours.has(b);
  const seen = [...s.behaviours.entries()].map(([b, why]) => `${b.replace(/_/g, " ")} (${why})`);
  const evidence = [
    ...seen.map((b) => `behaviour: ${b}`),
    ...(s.contained ? [`vendor outcome: ${s.contained.because}`] : s.allowed ? [`vendor outcome: ${s.allowed.because}`] : []),
    ...(s.externalSource ? [`external source ${s.externalSource.value}${rating(f, s.externalSource.value)}`] : []),
    ...(s.internalHost ? [`internal host ${s.internalHost}`] : []),
    ...s.externalDestinations.slice(0, 3).map((d) => `external destination ${d.value}${rating(f, d.value)}`),
    `asset criticality: ${f.enrichment.asset.criticality}`,
  ];
  const mitre = [...s.behaviours.keys()].flatMap((b) => MITRE[b] ?? []);
  const inbound = INBOUND_ATTACK.filter(has);
  // An outside attacker hitting our host (the host is the destination) brings techniques such as
  // remote services or command execution with the attempt; they describe the attack, not our host
  // acting. Host-side behaviour that only the host itself shows (encryption, dumping, beaconing,
  // mining) still counts.
  const attackedFromOutside = inbound.length > 0 && s.externalSource?.role === "source" && !s.internalSource;
  const compromise = HOST_COMPROMISE.filter(has).filter((b) => !(attackedFromOutside && (b === "lateral_movement" || b === "execution")));
  if (compromise.length === 0 && inbound.length === 0 && !["privilege_grant", "log_clearing", "persistence", "account_anomaly", "phishing", "intel_match"].some((b) => has(b as Behaviour))) {
    // A posture finding (the vendor's own class says misconfiguration, vulnerability or
    // compliance) describes a weakness, not an attack in progress: its owner fixes it.
    const posture = postureFinding(f);
    if (posture && !s.contained) {
      return assess(maxSeverity(f.alert.severity, "low"), 0.8, "true_positive", "CREATE_TICKET", null, "a posture finding, not an attack", [
        `The source classifies this as ${posture}: a weakness to fix, with no activity in it to contain or block.`,
        "A ticket sends it to the resource's owner; closing it would leave the weakness open.",
      ], evidence, mitre);
    }
    // An alert about the vendor's own response (an active-response block, a quarantine) with no behaviour named.
    if (!s.contained) return null;
    return assess(maxSeverity(f.alert.severity, "low"), 0.8, "true_positive", "CREATE_TICKET", null, "the source's own control acted", [
      `The vendor reports it already acted (${s.contained.because}); nothing is left to contain, and a ticket records why it had to.`,
    ], evidence, mitre);
  }

  // 2. Already stopped by the vendor. A denied login is the attack failing, not the attack stopped.
  const stoppedByControl = s.contained && (inbound.length === 0 || compromise.length > 0 || /block|drop|prevent|reject|sinkhole|quarantin|kill/i.test(s.contained.value));
  if (s.contained && stoppedByControl) {
    return assess(maxSeverity(f.alert.severity, "low"), 0.85, "true_positive", "CREATE_TICKET", null, "stopped by the source's own control", [
      `The vendor reports it already acted (${s.contained.because}), so nothing is left to contain.`,
      `A ticket has someone confirm the ${compromise.length > 0 ? "host is clean and find how it got there" : "attempt failed and check the target"}${compromise.includes("ransomware") ? "; ransomware that was stopped still means an intruder or a lure reached this host" : ""}.`,
    ], evidence, mitre);
  }

  // 3. Activity that needs a person.
  if (has("log_clearing")) {
    if (s.tierZero) {
      return assess(maxSeverity(f.alert.severity, "high"), 0.6, "undetermined", "MANUAL_REVIEW", null, "security log cleared on a tier-0 system", [
        `The security log was cleared (${s.behaviours.get("log_clearing")}) on a tier-0 system (${s.tierZero.because}).`,
        "Clearing logs hides what happened before it; on an identity server isolating it could take authentication down, so a person decides with the owner.",
      ], evidence, mitre);
    }
    return assess(maxSeverity(f.alert.severity, "medium"), 0.75, "true_positive", "CREATE_TICKET", null, "security log cleared", [
      `The security log was cleared (${s.behaviours.get("log_clearing")}): someone is hiding activity; a ticket gets the host's other telemetry reviewed.`,
    ], evidence, mitre);
  }
  if (has("privilege_grant") && compromise.length === 0) {
    const why = [s.oddHours ? `outside working hours (${s.oddHours.because})` : null, s.tierZero ? `on a tier-0 system (${s.tierZero.because})` : null,
      /outside the organi[sz]ation|external (member|user|account)|guest/i.test(f.alert.description) ? "to an account outside the organization" : null].filter(Boolean);
    if (why.length > 0) {
      return assess(maxSeverity(f.alert.severity, "high"), 0.6, "undetermined", "MANUAL_REVIEW", null, "privilege granted at an unusual time or place", [
        `A privilege was granted (${s.behaviours.get("privilege_grant")}) ${why.join(" and ")}, with no change ticket in the alert.`,
        "Only the people who own the account can say whether it was planned; revoking it blindly could break a service, leaving it could leave an attacker persistence.",
      ], evidence, mitre);
    }
    return assess(maxSeverity(f.alert.severity, "medium"), 0.7, "undetermined", "CREATE_TICKET", null, "privilege granted without a change reference", [
      `A privilege was granted (${s.behaviours.get("privilege_grant")}) during working hours, with no change ticket in the alert: a ticket asks its owner to confirm it.`,
    ], evidence, mitre);
  }

  if (has("persistence") && compromise.length === 0 && inbound.length === 0) {
    return assess(maxSeverity(f.alert.severity, "medium"), 0.6, "undetermined", "MANUAL_REVIEW", null, "a persistence mechanism was created", [
      `Something made itself start again on ${s.internalHost ?? "the host"} (${s.behaviours.get("persistence")}).`,
      "Installers and admins create tasks and services every day, and so do intruders; nothing else in the alert tells them apart, so a person checks what it runs before the host is cut off or the alert dropped.",
    ], evidence, mitre);
  }

  // 4. Our own host doing it.
  if (compromise.length > 0) {
    // Seed-style data-movement alerts carry baselines the matrix weighs (volume ratios, a leaver).
    if (compromise.every((b) => b === "exfiltration")) {
      const matrix = rules.dataMovementMatrix(f);
      if (matrix.action !== "MANUAL_REVIEW") return matrix;
    }
    const outbound = compromise.some((b) => b === "command_and_control" || b === "mining" || b === "exfiltration");
    // For traffic our host sends, the internal sender is the host (a sensor may report the resolver or gateway as host).
    // With no host named and no outside party, the internal address the alert is about is the host (a SIEM's `dest`).
    const onlyInternal = f.alert.iocs.filter((i) => i.type === "ip").every((i) => i.internal);
    const internalIp = f.alert.iocs.find((i) => i.type === "ip" && i.internal)?.value ?? null;
    const target = outbound && !f.alert.host.name && s.internalSource ? s.internalSource.value : s.internalHost ?? (onlyInternal ? internalIp : null);
    const strongest = compromise[0]!;
    const { severity, confidence, headline, why } = compromiseRating(f, s, strongest);
    // Data leaving a cloud store (a bucket, a dataset) has no machine to cut off: cut off who is taking it.
    const cloudStore = strongest === "exfiltration" && !f.alert.host.ip && !s.internalSource;
    if (!target || cloudStore) {
      const taker = f.alert.iocs.find((i) => i.type === "ip" && !i.internal && i.role !== "destination");
      if (taker && (cloudStore || strongest === "exfiltration")) {
        return assess(severity, 0.85, "true_positive", "BLOCK_IP", taker.value, `${headline} to an outside caller`, [
          why, `The data is taken by ${taker.value}, outside our networks, and the alert names no machine of ours to isolate; blocking the caller stops it while the account${f.alert.user.name ? ` ${f.alert.user.name}` : ""} is reviewed.`,
        ], evidence, mitre);
      }
      if (strongest === "exfiltration") {
        return assess(severity, 0.6, "undetermined", "MANUAL_REVIEW", null, headline, [
          why, `The alert names neither a machine of ours to isolate nor an outside address to block${f.alert.user.name ? `; the account is ${f.alert.user.name}` : ""}: a person decides how to stop it.`,
        ], evidence, mitre);
      }
      return assess(severity, Math.min(confidence, 0.8), "true_positive", "CREATE_TICKET", null, headline, [
        why, `The alert names no machine of ours to isolate${f.alert.user.name ? ` (the account is ${f.alert.user.name})` : ""}, so a ticket gets a responder to find and contain it.`,
      ], evidence, mitre);
    }
    return assess(severity, confidence, "true_positive", "ISOLATE_HOST", target, headline, [
      why, `Isolating ${target} stops it while responders work${s.tierZero ? `; it is tier-0 (${s.tierZero.because}), so the policy asks for approvers` : ""}.`,
    ], evidence, mitre);
  }

  // 5. An external source attacking inward.
  if (inbound.length > 0) {
    const kind = inbound[0]!;
    const what = kind.replace(/_/g, " ");
    if (!s.externalSource) {
      // Our host is the one attacking: the outside addresses are its targets (GuardDuty's ACTOR role, an outbound connection).
      const ourHost = f.alert.host.name ?? f.alert.host.ip ?? s.internalSource?.value ?? null;
      if (ourHost && s.externalDestinations.some((d) => d.type === "ip") && !f.alert.iocs.some((i) => i.type === "ip" && !i.internal && i.role !== "destination")) {
        return assess(maxSeverity(f.alert.severity, "high"), 0.85, "true_positive", "ISOLATE_HOST", ourHost, `our host performing ${what} against others`, [
          `${ourHost} is ours and is the one doing the ${what} (${s.behaviours.get(kind)}) against outside addresses (${s.externalDestinations.filter((d) => d.type === "ip").slice(0, 3).map((d) => d.value).join(", ")}): it is compromised or misused.`,
          `Isolating ${ourHost} stops it while its owner is found.`,
        ], evidence, mitre);
      }
      if (kind === "scanning" && s.internalSource) {
        const outward = s.externalDestinations.length > 0 || /\b(remote|outbound|outward|external|internet)\b/.test(s.text);
        if (!outward) return rules.networkScanMatrix(f);
        return assess(maxSeverity(f.alert.severity, "high"), 0.85, "true_positive", "ISOLATE_HOST", s.internalSource.value, "our host scanning outward", [
          `${s.internalSource.value} is ours and scans outside networks (${s.behaviours.get(kind)}): worms and compromised hosts do this, IT tools rarely do, and it can get our addresses blocklisted.`,
          `Isolating ${s.internalSource.value} stops it while its owner is found.`,
        ], evidence, mitre);
      }
      // A credential attack from inside: nothing to block, and the source is one of ours.
      if (kind === "brute_force" || kind === "password_spray" || kind === "mfa_fatigue") {
        const insider = s.internalSource?.value ?? (f.alert.iocs.some((i) => i.type === "ip" && !i.internal) ? null : f.alert.host.name ?? f.alert.host.ip);
        if (insider && s.succeeded) {
          return assess(maxSeverity(f.alert.severity, "high"), 0.85, "true_positive", "ISOLATE_HOST", insider, `${what} from inside that got in`, [
            `The ${what} comes from ${insider}, one of ours (${s.behaviours.get(kind)}), and it succeeded (${s.succeeded.because}): someone controls that machine and now holds valid credentials.`,
            `Isolating ${insider} stops it; the guessed accounts need resetting.`,
          ], evidence, mitre);
        }
        return assess(maxSeverity(f.alert.severity, "medium"), 0.6, "undetermined", "MANUAL_REVIEW", null, `${what} from inside`, [
          `The alert describes ${what} (${s.behaviours.get(kind)}) with no outside address behind it${insider ? `; it comes from ${insider}` : ""}.`,
          "Inside sources are never blocked, and a misconfigured job looks the same as an intruder: a person finds out which before the machine is cut off.",
        ], evidence, mitre);
      }
      return assess(maxSeverity(f.alert.severity, "medium"), 0.7, "true_positive", "CREATE_TICKET", null, `${what} with no external source to block`, [
        `The alert describes ${what} (${s.behaviours.get(kind)}) but names no external address it came from${s.internalSource ? ` (the source ${s.internalSource.value} is internal and is never blocked)` : ""}; a ticket has someone trace it.`,
      ], evidence, mitre);
    }
    // Only the alert's own words count here: a feed tag on a shared range is not a login through Tor.
    const anonymized = /\btor\b|anonymi[sz]|vpn exit/i.test(f.text("current_login_location", "login_location", "location") ?? "");
    if (f.alert.category === "authentication" && s.succeeded && anonymized) return rules.authenticationMatrix(f);
    if (kind === "scanning" && inbound.length === 1 && f.alert.category === "network_scan") return rules.networkScanMatrix(f);
    const source = s.externalSource.value;
    const bad = f.indicatorFor({ type: "ip", value: source });
    const flagged = bad && (bad.verdict === "malicious" || bad.verdict === "suspicious");
    const volume = f.number("count", "failed_attempts", "failures", "attempts", "event_count");
    const severity: Severity = s.succeeded ? maxSeverity(f.alert.severity, "high") : maxSeverity(f.alert.severity, kind === "scanning" ? "low" : "medium");
    const confidence = flagged || (volume !== null && volume >= 10) || s.succeeded ? 0.9 : 0.85;
    return assess(severity, confidence, "true_positive", "BLOCK_IP", source, `${what} from an external address`, [
      `${source} is outside our networks and the alert shows ${what} against us (${s.behaviours.get(kind)}${volume !== null ? `, ${volume} events` : ""}${flagged ? `; enrichment rates it ${bad.verdict}` : ""}).`,
      s.succeeded ? `It got in (${s.succeeded.because}): block the source now and reset the account${f.alert.user.name ? ` ${f.alert.user.name}` : ""}.` : "Blocking the source is cheap, reversible and stops the attempts.",
    ], evidence, mitre);
  }

  // 6. Signals that want a look, not a disruption.
  if (has("account_anomaly") && !has("phishing")) {
    return assess(maxSeverity(f.alert.severity, "medium"), 0.6, "undetermined", "MANUAL_REVIEW", null, "an account behaving unlike itself", [
      `The account's sign-in pattern is anomalous (${s.behaviours.get("account_anomaly")})${f.alert.user.name ? ` for ${f.alert.user.name}` : ""}.`,
      "Travel and new locations have innocent explanations (a VPN, a trip) that only the user can confirm: a person checks before the account or an address is cut off.",
    ], evidence, mitre);
  }
  if (has("phishing")) {
    const kind = has("phishing") ? "phishing" : "account_anomaly";
    return assess(maxSeverity(f.alert.severity, "medium"), 0.75, "true_positive", "CREATE_TICKET", null, kind === "phishing" ? "a user reached a phishing lure" : "an account behaving unlike itself", [
      `${kind === "phishing" ? "A user interacted with a phishing lure" : "The account's sign-in pattern is anomalous"} (${s.behaviours.get(kind)})${f.alert.user.name ? ` for ${f.alert.user.name}` : ""}.`,
      "The account is the thing at risk, not a network address: a ticket gets its sessions revoked and credentials reset after a check with the user.",
    ], evidence, mitre);
  }
  if (has("intel_match") && s.externalSource?.role === "source" && !s.internalSource) {
    const source = s.externalSource.value;
    return assess(maxSeverity(f.alert.severity, "medium"), 0.8, "true_positive", "BLOCK_IP", source, "traffic from a listed hostile address", [
      `${source} is outside our networks, is on a threat list (${s.behaviours.get("intel_match")}) and is the source of traffic towards us: blocking a listed attacker is cheap and reversible.`,
    ], evidence, mitre);
  }
  if (has("intel_match")) {
    const malicious = f.maliciousIndicators.length > 0;
    return assess(maxSeverity(f.alert.severity, malicious ? "high" : "medium"), 0.75, "true_positive", "CREATE_TICKET", null, "an intelligence match without observed behaviour", [
      `An indicator matched a threat-intelligence list (${s.behaviours.get("intel_match")}), but the alert shows no execution or beaconing to act on; a ticket has someone check the host.`,
    ], evidence, mitre);
  }
  return null;
}

/**
 * The vendor's class for posture findings: SCC findingClass MISCONFIGURATION / VULNERABILITY /
 * POSTURE_VIOLATION (Finding.FindingClass), OCSF Vulnerability Finding (2002) and Compliance
 * Finding (2003). Null for threat findings and everything else.
 */
function postureFinding(f: AlertFacts): string | null {
  const cls = String(f.alert.context.finding_class ?? "").toUpperCase();
  if (/^(MISCONFIGURATION|VULNERABILITY|POSTURE_VIOLATION)$/.test(cls)) return `a ${cls.toLowerCase().replace(/_/g, " ")} finding`;
  const uid = Number(f.alert.context.class_uid);
  if (f.alert.format === "ocsf" && uid === 2002) return "an OCSF Vulnerability Finding";
  if (f.alert.format === "ocsf" && uid === 2003) return "an OCSF Compliance Finding";
  return null;
}

function compromiseRating(f: AlertFacts, s: Signals, b: Behaviour): { severity: Severity; confidence: number; headline: string; why: string } {
  const because = s.behaviours.get(b)!;
  const flagged = f.maliciousIndicators.length > 0;
  switch (b) {
    case "ransomware":
      return { severity: "critical", confidence: 0.95, headline: "active ransomware", why: `Ransomware behaviour (${because}) is always critical: every minute encrypts more data.` };
    case "credential_dumping":
      return { severity: maxSeverity(f.alert.severity, "high"), confidence: 0.9, headline: "credentials dumped on the host", why: `Credential dumping (${because}) means someone with control of the host is harvesting passwords to move on; the host is compromised.` };
    case "command_and_control":
      return { severity: maxSeverity(f.alert.severity, "high"), confidence: flagged || (!because.startsWith("ATT&CK") && !/sinkhole|tunnel/.test(because)) ? 0.9 : 0.85, headline: "the host talks to a command-and-control server", why: `The host shows command-and-control traffic (${because}): an attacker has a channel into it.` };
    case "mining":
      return { severity: maxSeverity(f.alert.severity, "medium"), confidence: 0.85, headline: "cryptocurrency mining on the host", why: `Mining (${because}) means someone else runs code on this host; the way they got in is still open.` };
    case "execution":
      return { severity: maxSeverity(f.alert.severity, "high"), confidence: flagged ? 0.9 : 0.85, headline: "malicious code executing on the host", why: `Malicious execution (${because}) on the host: a payload is running.` };
    case "lateral_movement":
      return { severity: maxSeverity(f.alert.severity, "high"), confidence: 0.85, headline: "lateral movement from the host", why: `Lateral movement (${because}): the host is being used to reach others.` };
    default:
      return { severity: maxSeverity(f.alert.severity, "high"), confidence: 0.85, headline: "data leaving from the host", why: `Data is leaving (${because})${s.externalDestinations.length ? ` towards ${s.externalDestinations.slice(0, 2).map((d) => d.value).join(", ")}` : ""}.` };
  }
}

function rating(f: AlertFacts, value: string): string {
  const i = f.enrichment.indicators.find((x) => x.value.toLowerCase() === value.toLowerCase());
  return i && i.verdict !== "unknown" ? ` (rated ${i.verdict})` : "";
}
