/**
 * The deterministic analyst: answers when the LLM cannot, and is the baseline the LLM is compared
 * with. It reads the canonical alert of any format the way a SOC analyst does (rules-signals.ts:
 * behaviour, direction, the vendor's own outcome, evidence of sanction) and answers from that
 * (rules-behaviour.ts); alerts whose behaviour it cannot name go to the seed's decision matrix per
 * category (seed-origin.md §5.2, below). It asks a human when evidence conflicts or is thin, and
 * explains every step in sentences a person can check.
 */
import type { CanonicalAlert, Enrichment, Investigation, Severity } from "@secops/contracts";
import { AlertFacts } from "./alert-facts.js";
import { detectInjection } from "./injection.js";
import { assess, maxSeverity, type Assessment } from "./rules-assessment.js";
import { byBehaviour, sanctioned } from "./rules-behaviour.js";
import { readSignals } from "./rules-signals.js";
import { geoSentence, readGeo, type GeoPolicy } from "./rules-geo.js";

const CATEGORY_MITRE: Record<CanonicalAlert["category"], string[]> = {
  authentication: ["T1078"],
  malware: ["T1204"],
  network_scan: ["T1046"],
  data_exfiltration: ["T1567"],
  other: [],
};

/**
 * `opts.tainted`: whether the alert carries a prompt injection, when the caller already looked
 * (the investigator does); otherwise the analyst looks itself. `opts.network`: the policy's
 * allowlisted ASes and high-risk countries, weighed with each address's GeoIP/ASN (rules-geo.ts).
 */
export function analyzeWithRules(alert: CanonicalAlert, enrichment: Enrichment, fallbackReason: string | null, opts: { tainted?: boolean; network?: GeoPolicy } = {}): Investigation {
  const facts = new AlertFacts(alert, enrichment, opts.network);
  // Words of an alert that carries a prompt injection are not evidence of sanction.
  const signals = readSignals(alert, enrichment, { tainted: opts.tainted ?? detectInjection(alert).length > 0 });
  const assessment = sanctioned(facts, signals) ?? cleanEverywhere(facts) ??
    byBehaviour(facts, signals, { authenticationMatrix: authentication, networkScanMatrix: networkScan, dataMovementMatrix: dataMovement }) ??
    byCategory(facts);
  const checked = allowlistedAs(facts, assessment) ?? reputationConflict(facts, assessment) ?? assessment;
  const mitre = [...new Set([...alert.mitre, ...checked.mitre, ...CATEGORY_MITRE[alert.category]])]
    .filter((t) => /^T\d{4}(\.\d{3})?$/.test(t))
    .slice(0, 20);
  const reasoning = [
    ...checked.reasons,
    `Recommended ${checked.action}${checked.target ? ` on ${checked.target}` : ""} at confidence ${checked.confidence.toFixed(2)} (deterministic rules analyst${fallbackReason ? `, answering because ${fallbackReason}` : ""}).`,
  ].join(" ");
  return {
    analyst: "rules",
    severity: checked.severity,
    confidence: round2(checked.confidence),
    verdict: checked.verdict,
    summary: `${alert.title.slice(0, 200)}: ${checked.headline}`.slice(0, 2000),
    reasoning: reasoning.slice(0, 20000),
    thinking: null,
    mitre,
    evidence: checked.evidence.map((e) => e.slice(0, 500)).slice(0, 20),
    recommendedAction: checked.action,
    recommendedTarget: checked.target,
    fallbackReason,
    injection: { detected: false, findings: [] },
    llm: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Nothing in the alert supports malicious activity.

function cleanEverywhere(facts: AlertFacts): Assessment | null {
  const { enrichment, alert } = facts;
  const clean = enrichment.indicators.length > 0 && enrichment.indicators.every((i) => i.verdict === "clean");
  if (!clean || alert.severity !== "low" || alert.category === "malware") return null;
  return {
    severity: "low", confidence: 0.7, verdict: "false_positive", action: "CLOSE_FALSE_POSITIVE", target: null,
    headline: "low-severity detection whose every indicator is clean",
    reasons: [`The source rates it low and all ${enrichment.indicators.length} indicators are clean in every source consulted, so nothing in the alert supports malicious activity.`],
    evidence: enrichment.indicators.map((i) => `${i.type} ${i.value}: clean`),
    mitre: [],
  };
}

// ---------------------------------------------------------------------------------------------
// The matrix, per category.

function byCategory(facts: AlertFacts): Assessment {
  switch (facts.alert.category) {
    case "authentication": return authentication(facts);
    case "malware": return malware(facts);
    case "network_scan": return networkScan(facts);
    case "data_exfiltration": return dataMovement(facts);
    case "other": return other(facts);
  }
}

function authentication(f: AlertFacts): Assessment {
  const failed = f.number("failed_attempts", "failed_logins", "failures", "failed_count");
  const succeeded = f.flag("successful_login", "login_success", "success") ?? /accepted|success(ful)? login|logged in/i.test(f.narrative);
  const role = f.text("user_role", "role", "job_title", "title");
  const privileged = !!role && /admin|root|privileged|superuser|executive|domain|finance/i.test(role);
  const location = f.text("current_login_location", "login_location", "location", "geolocation");
  const torIndicator = f.hasTag(/tor/i);
  const source = f.externalSourceIp();
  // Where the source is: a Tor exit operator's AS is anonymizing; hosting or a high-risk country is unusual for a user.
  const where = source ? readGeo(source.indicator, f.geoPolicy) : null;
  const anonymized = !!torIndicator || where?.infrastructure?.kind === "anonymizer" || (!!location && /\btor\b|anonymi[sz]er|proxy|vpn exit/i.test(location));
  const unusualOrigin = !!where?.raisesSuspicion;
  const accounts = f.number("target_users", "accounts_targeted", "distinct_users", "users_targeted");
  const priorAlerts = f.number("prior_alerts", "prior_similar_alerts", "previous_alerts") ?? 0;
  const offHours = outsideHours(f.text("login_time", "time_of_day"), f.text("typical_login_hours", "working_hours"));
  const sourceBad = source?.indicator && (source.indicator.verdict === "malicious" || source.indicator.verdict === "suspicious");

  const evidence: string[] = [];
  if (failed !== null) evidence.push(`${failed} failed attempts${succeeded ? " followed by a successful login" : ""}`);
  if (role) evidence.push(`account role: ${role}`);
  if (location) evidence.push(`login location: ${location}`);
  if (offHours) evidence.push(`login at ${offHours.at}, outside usual hours ${offHours.usual}`);
  if (source) evidence.push(`source ${source.ioc.value}${source.indicator ? ` rated ${source.indicator.verdict}` : ""}${source.indicator?.tags.length ? ` [${source.indicator.tags.join(", ")}]` : ""}${where ? ` in ${where.label}` : ""}`);
  const mitre = failed ? ["T1078", "T1110"] : ["T1078"];
  const origin = source && where?.raisesSuspicion ? [geoSentence(source.ioc.value, where)] : [];

  if (accounts !== null && accounts >= 5 && source) {
    return assess("high", 0.85, "true_positive", "BLOCK_IP", source.ioc.value, "brute force across many accounts from one external address", [
      `${accounts} accounts were targeted from ${source.ioc.value}, which is brute force rather than one user's mistakes; blocking the external source stops it.`,
    ], evidence, mitre);
  }
  const chain = (failed ?? 0) >= 3 && succeeded;
  if (chain && (anonymized || sourceBad || unusualOrigin)) {
    if (priorAlerts > 0 && source) {
      return assess("high", 0.95, "true_positive", "BLOCK_IP", source.ioc.value, "repeat account takeover attempt through an anonymizing source", [
        `Failed logins followed by success through ${anonymized ? "an anonymizing network" : "a flagged address"}, and ${priorAlerts} prior similar alerts for this user: the source is a repeat attacker and is blocked.`,
      ], evidence, mitre);
    }
    const sev: Severity = privileged || where?.highRisk ? "high" : "medium";
    const from = anonymized ? "from an anonymizing network (Tor)" : sourceBad ? "from a flagged address" : where?.highRisk ? `from a high-risk country (${where.highRisk})` : "from hosting infrastructure";
    return assess(sev, privileged ? 0.9 : 0.85, "true_positive", "CREATE_TICKET", null, `likely account compromise${privileged ? " of a privileged account" : ""}`, [
      `${failed} failed attempts then a successful login ${from}${offHours ? ", outside the user's usual hours" : ""} is the pattern of a guessed or stolen password.`,
      ...origin,
      privileged ? `The account is privileged (${role}), which raises severity to high.` : "The account is not marked privileged.",
      anonymized
        ? "A ticket gets the account reviewed and credentials reset; blocking a Tor exit would be trivially bypassed and could hit legitimate users."
        : "A ticket gets the account reviewed and credentials reset: the account, not the one address, is what needs securing.",
    ], evidence, mitre);
  }
  if ((failed ?? 0) >= 10 && !succeeded && source && sourceBad) {
    return assess("medium", 0.8, "true_positive", "BLOCK_IP", source.ioc.value, "password guessing from a flagged external address", [
      `${failed} failed attempts without success from ${source.ioc.value}, which enrichment rates ${source.indicator?.verdict}.`,
    ], evidence, mitre);
  }
  if (chain || anonymized || sourceBad || unusualOrigin || (failed ?? 0) >= 5) {
    return assess(privileged ? "high" : "medium", 0.65, "undetermined", "CREATE_TICKET", null, "suspicious authentication that needs a look", [
      "Some signs of misuse (failures, an unusual source or location), not enough for a disruptive response.",
      ...origin,
    ], evidence, mitre);
  }
  return insufficient(f, "the authentication alert shows no failures, unusual source or flagged indicator", evidence);
}

function malware(f: AlertFacts): Assessment {
  const kind = [f.text("malware_type", "threat_type", "threat_category", "classification"), f.text("malware_family", "family", "threat_name"), f.alert.title, f.alert.description]
    .filter(Boolean).join(" ");
  const host = f.hostTarget;
  const contained = /\b(quarantined|blocked|deleted|cleaned|remediated|prevented)\b/i.test(f.text("action", "action_taken", "remediation", "disposition") ?? "");
  const hashes = f.enrichment.indicators.filter((i) => ["md5", "sha1", "sha256"].includes(i.type));
  const evidence = [
    `detected: ${kind.slice(0, 200)}`,
    ...(host ? [`host: ${host}`] : []),
    ...hashes.map((h) => `${h.type} ${h.value}: ${h.verdict}`),
    ...f.list("suspicious_behaviors", "behaviors").slice(0, 5).map((b) => `behaviour: ${b}`),
    `asset criticality: ${f.enrichment.asset.criticality}`,
  ];
  const isolate = (severity: Severity, confidence: number, headline: string, reasons: string[], mitre: string[]): Assessment =>
    host
      ? assess(severity, confidence, "true_positive", "ISOLATE_HOST", host, headline, [...reasons, `Isolating ${host} stops spread while responders work.`], evidence, mitre)
      : assess(severity, Math.min(confidence, 0.8), "true_positive", "CREATE_TICKET", null, headline, [...reasons, "The alert names no host to isolate, so a ticket asks a responder to find it."], evidence, mitre);

  if (/ransom|wiper|crypt(o)?locker|blackcat|alphv|lockbit|conti|ryuk/i.test(kind)) {
    return isolate("critical", 0.95, "active ransomware", ["Ransomware or wiper behaviour is always critical: every minute encrypts more data."], ["T1486"]);
  }
  if (/trojan|backdoor|\brat\b|remote access|botnet|command.and.control|\bc2\b|infostealer|stealer|rootkit|worm|beacon/i.test(kind)) {
    if (contained) {
      return assess("medium", 0.75, "true_positive", "CREATE_TICKET", null, "malware stopped by the endpoint agent", [
        "A trojan or backdoor was detected and the endpoint agent reports it contained; a ticket checks for persistence.",
      ], evidence, ["T1105"]);
    }
    return isolate("high", 0.85, "trojan or backdoor on the host", ["A trojan or backdoor gives an attacker a foothold; the host is treated as compromised."], ["T1105"]);
  }
  if (/\bpup\b|potentially unwanted|adware|riskware|toolbar/i.test(kind)) {
    return assess("low", 0.7, "true_positive", "CREATE_TICKET", null, "potentially unwanted program", [
      "A potentially unwanted program is a hygiene issue, not an intrusion: a ticket for clean-up.",
    ], evidence, []);
  }
  const critical = f.enrichment.asset.criticality === "critical" || f.enrichment.asset.criticality === "high";
  const maliciousHash = hashes.some((h) => h.verdict === "malicious");
  if (critical && !contained && (maliciousHash || f.alert.severity === "high" || f.alert.severity === "critical")) {
    return isolate("high", 0.8, "known malware on a critical system", [`Malware on a ${f.enrichment.asset.criticality}-criticality asset is not left running.`], []);
  }
  if (hashes.length > 0 && hashes.every((h) => h.verdict === "clean") && f.alert.severity !== "critical") {
    return assess("low", 0.6, "undetermined", "MANUAL_REVIEW", null, "malware alert on a file every source rates clean", [
      "The detection fired, but every reputation source rates the file clean: a person should decide whether the detection is wrong.",
    ], evidence, []);
  }
  return assess("medium", 0.8, "true_positive", "CREATE_TICKET", null, contained ? "known malware, contained" : "known malware on a non-critical system", [
    contained ? "The endpoint agent contained it; a ticket verifies clean-up." : "Known malware on a system that is not critical: a ticket for clean-up and root cause.",
  ], evidence, []);
}

function networkScan(f: AlertFacts): Assessment {
  const source = f.externalSourceIp();
  const internal = f.internalSourceIp();
  const targets = Math.max(f.list("destination_ips", "targets", "dst_ips").length, f.alert.iocs.filter((i) => i.type === "ip" && i.role === "destination").length);
  const ports = f.list("scanned_ports", "ports", "dst_ports").length;
  const rate = f.number("packets_per_second", "pps", "rate");
  const where = source ? readGeo(source.indicator, f.geoPolicy) : null;
  const origin = source && where?.raisesSuspicion ? [geoSentence(source.ioc.value, where)] : [];
  const evidence = [
    ...(source ? [`external source ${source.ioc.value}${source.indicator ? ` rated ${source.indicator.verdict}` : ""}${where ? ` in ${where.label}` : ""}`] : []),
    ...(internal ? [`internal source ${internal.value}`] : []),
    `${targets} target addresses, ${ports} ports${rate !== null ? `, ${rate} packets/s` : ""}`,
    ...(f.text("scan_type") ? [`scan type: ${f.text("scan_type")}`] : []),
    `asset criticality: ${f.enrichment.asset.criticality}`,
  ];
  if (!source && internal) {
    return assess("high", 0.85, "undetermined", "CREATE_TICKET", null, "internal host scanning the network", [
      `An internal address (${internal.value}) scanning is more worrying than an external one (possible lateral movement) but is often IT tooling; internal addresses are never blocked, so a ticket asks its owner.`,
    ], evidence, ["T1046"]);
  }
  if (!source) return insufficient(f, "the scan alert names no source address", evidence);
  // Narrow only when the alert says so: a scan alert that lists no ports is not a narrow scan.
  const lowVolume = (rate !== null && rate < 1) || (targets <= 1 && ports > 0 && ports <= 3);
  if (lowVolume) {
    return assess(where?.highRisk ? "medium" : "low", 0.75, "true_positive", "CREATE_TICKET", null, "low-volume scanning", [
      "Low-volume, narrow scanning is background noise on the internet; a ticket records it without blocking.",
      ...origin,
    ], evidence, ["T1046"]);
  }
  if (f.enrichment.asset.criticality === "critical" || f.enrichment.asset.criticality === "high") {
    return assess("high", 0.9, "true_positive", "BLOCK_IP", source.ioc.value, "targeted scan of critical services", [
      `${source.ioc.value} scanned a ${f.enrichment.asset.criticality}-criticality asset; blocking the external source cuts off the reconnaissance.`,
      ...origin,
    ], evidence, ["T1046"]);
  }
  // From hosting infrastructure or a high-risk country the scanner is nobody's customer: more confident, and a high-risk origin is more severe.
  return assess(where?.highRisk ? "high" : "medium", where?.raisesSuspicion ? 0.85 : 0.8, "true_positive", "BLOCK_IP", source.ioc.value, "external address scanning several systems", [
    `${source.ioc.value} scanned ${targets} addresses on ${ports} ports from outside; blocking it is cheap and reversible.`,
    ...origin,
  ], evidence, ["T1046"]);
}

const SENSITIVE = /pii|personal|salary|payroll|financial|confidential|secret|customer|health|medical|credit.?card|source.?code|intellectual|trade/i;

function dataMovement(f: AlertFacts): Assessment {
  const sizeMb = f.number("transfer_size_mb", "bytes_out_mb", "size_mb") ?? mb(f.number("bytes_out", "transfer_bytes"));
  const baselineMb = f.number("typical_daily_transfer_mb", "baseline_mb", "typical_transfer_mb");
  const files = f.number("files_accessed", "documents_accessed", "file_count");
  const baselineFiles = f.number("typical_daily_access", "typical_files", "baseline_files");
  const departing = f.flag("resignation_notice", "departing", "termination_pending", "notice_period", "leaver") === true;
  const dataKinds = [...f.list("document_types", "data_types", "data_classification", "classification")];
  const sensitive = dataKinds.some((d) => SENSITIVE.test(d));
  const volumeRatio = sizeMb !== null && baselineMb ? sizeMb / baselineMb : null;
  const accessRatio = files !== null && baselineFiles ? files / baselineFiles : null;
  const unusual = Math.max(volumeRatio ?? 0, accessRatio ?? 0);
  const destinations = f.externalDestinations();
  const badDestination = destinations.find((d) => d.indicator?.verdict === "malicious");
  const located = destinations.map((d) => ({ ...d, where: readGeo(d.indicator, f.geoPolicy) }));
  const riskyDestination = located.find((d) => d.where?.highRisk);
  const hostedDestination = located.find((d) => d.where?.infrastructure);
  const host = f.hostTarget;

  const evidence = [
    ...(volumeRatio !== null ? [`${sizeMb} MB transferred against a typical ${baselineMb} MB/day (${volumeRatio.toFixed(1)}x)`] : []),
    ...(accessRatio !== null ? [`${files} files accessed against a typical ${baselineFiles}/day (${accessRatio.toFixed(1)}x)`] : []),
    ...(dataKinds.length ? [`data: ${dataKinds.join(", ")}`] : []),
    ...(departing ? [`the user has handed in notice${f.text("resignation_date") ? ` (leaving ${f.text("resignation_date")})` : ""}`] : []),
    ...located.slice(0, 3).map((d) => `destination ${d.ioc.value}: ${d.indicator?.verdict ?? "not enriched"}${d.where ? ` in ${d.where.label}` : ""}`),
    ...(host ? [`device: ${host}`] : []),
  ];
  const isolate = (severity: Severity, headline: string, reasons: string[], mitre: string[]): Assessment =>
    host
      ? assess(severity, 0.9, "true_positive", "ISOLATE_HOST", host, headline, [...reasons, `Isolating ${host} stops the data leaving while the case is handled.`], evidence, mitre)
      : assess(severity, 0.8, "true_positive", "CREATE_TICKET", null, headline, [...reasons, "The alert names no device to isolate, so a ticket gets a responder on it now."], evidence, mitre);

  if (departing && unusual >= 3) {
    return isolate(sensitive ? "critical" : "high", "departing employee collecting unusual amounts of data", [
      `A user who has resigned accessed ${unusual.toFixed(1)}x their usual volume${sensitive ? `, including ${dataKinds.filter((d) => SENSITIVE.test(d)).join(", ")}` : ""}: the classic insider-theft pattern.`,
    ], ["T1213", "T1530"]);
  }
  if (badDestination) {
    return isolate("critical", "data sent to a known-malicious destination", [
      `Data went to ${badDestination.ioc.value}, which enrichment rates malicious: exfiltration in progress.`,
    ], ["T1567", "T1041"]);
  }
  if (unusual >= 3 && riskyDestination?.where) {
    return isolate("critical", "unusual volume sent to a high-risk country", [
      `${unusual.toFixed(1)}x the usual volume went to ${riskyDestination.ioc.value}, in ${riskyDestination.where.label}, a high-risk country of the policy: exfiltration until shown otherwise.`,
    ], ["T1567", "T1041"]);
  }
  if (unusual >= 3 && sensitive) {
    return isolate("critical", "unusual transfer of sensitive data", [
      `An unusual volume (${unusual.toFixed(1)}x baseline) of sensitive data (${dataKinds.join(", ")}).`,
    ], ["T1567"]);
  }
  if (unusual >= 5 && destinations.length > 0) {
    return assess("high", 0.85, "true_positive", "CREATE_TICKET", null, "large transfer to an unknown external destination", [
      `${volumeRatio !== null ? `${sizeMb} MB is ${volumeRatio.toFixed(1)}x the usual daily volume` : `access is ${unusual.toFixed(1)}x the baseline`}, sent to an external destination no source knows.`,
      ...(hostedDestination?.where ? [geoSentence(hostedDestination.ioc.value, hostedDestination.where)] : []),
      "Without a bad reputation or sensitive data it is a ticket for a prompt look, not a disruptive isolation.",
    ], evidence, ["T1567", "T1048"]);
  }
  if (unusual >= 1.5) {
    return assess("medium", 0.7, "undetermined", "CREATE_TICKET", null, "moderate increase in data movement", [
      `Volume is ${unusual.toFixed(1)}x the baseline: worth a ticket, not a disruption.`,
    ], evidence, ["T1567"]);
  }
  return insufficient(f, "the data-movement alert gives no baseline or volume to compare", evidence);
}

function other(f: AlertFacts): Assessment {
  const malicious = f.maliciousIndicators;
  const evidence = [...malicious, ...f.suspiciousIndicators].map((i) => `${i.type} ${i.value}: ${i.verdict}`);
  if (malicious.length > 0) {
    return assess(maxSeverity(f.alert.severity, "high"), 0.7, "true_positive", "CREATE_TICKET", null, "known-bad indicators in an uncategorized alert", [
      `${malicious.length} indicator(s) are rated malicious; without a known alert type a responder decides the response.`,
    ], evidence, []);
  }
  return insufficient(f, "the alert type is not one the rules know and no indicator is flagged", evidence);
}

// ---------------------------------------------------------------------------------------------

/** An address of an AS the policy allowlists (its CDN, cloud or partner) is never proposed for a block. */
function allowlistedAs(f: AlertFacts, a: Assessment): Assessment | null {
  if (a.action !== "BLOCK_IP" || !a.target) return null;
  const where = readGeo(f.indicatorFor({ type: "ip", value: a.target }), f.geoPolicy);
  if (!where?.allowlistedAs) return null;
  return {
    ...a,
    action: "MANUAL_REVIEW", target: null, verdict: "undetermined", confidence: Math.min(a.confidence, 0.6),
    headline: `${a.headline}, from an allowlisted network`,
    reasons: [...a.reasons, `However ${a.target} belongs to AS${where.allowlistedAs} (${where.label}), which the policy allowlists and never blocks: a person decides what to do with its owner.`],
  };
}

/** A disruptive proposal whose target every reputation source calls clean is a conflict for a person. */
function reputationConflict(f: AlertFacts, a: Assessment): Assessment | null {
  if (a.action !== "BLOCK_IP" || !a.target) return null;
  const indicator = f.indicatorFor({ type: "ip", value: a.target });
  if (!indicator || indicator.verdict !== "clean" || indicator.sources.length === 0) return null;
  return {
    ...a,
    action: "MANUAL_REVIEW", target: null, verdict: "undetermined", confidence: Math.min(a.confidence, 0.55),
    headline: `${a.headline}, but the source has a clean reputation`,
    reasons: [...a.reasons, `However ${a.target} is rated clean by ${indicator.sources.map((s) => s.name).join(", ")}: the behaviour and the reputation disagree, so a person decides.`],
  };
}

function insufficient(f: AlertFacts, why: string, evidence: string[]): Assessment {
  return assess(f.alert.severity, 0.4, "undetermined", "MANUAL_REVIEW", null, "not enough evidence to decide", [
    `Not enough evidence for an automated response: ${why}.`,
  ], evidence, []);
}

function round2(n: number): number {
  return Math.round(Math.max(0, Math.min(1, n)) * 100) / 100;
}

function mb(bytes: number | null): number | null {
  return bytes === null ? null : Math.round(bytes / (1024 * 1024));
}

/** "03:14:22" against "08:00-18:00": the login time when it falls outside, else null. */
function outsideHours(at: string | null, usual: string | null): { at: string; usual: string } | null {
  if (!at || !usual) return null;
  const minutes = (s: string) => {
    const m = /(\d{1,2}):(\d{2})/.exec(s);
    return m ? Number(m[1]) * 60 + Number(m[2]) : null;
  };
  const [from, to] = usual.split(/\s*-\s*/).map(minutes);
  const t = minutes(at);
  if (t === null || from == null || to == null) return null;
  const inside = from <= to ? t >= from && t <= to : t >= from || t <= to;
  return inside ? null : { at, usual };
}
