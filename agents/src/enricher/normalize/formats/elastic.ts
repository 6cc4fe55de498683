// Elastic Security detection alerts: kibana.alert.* as flat dotted keys beside nested ECS
// objects (pick() reads both). kibana.alert.rule.references are documentation, never IoCs.
import type { FormatNormalizer } from "../draft.js";
import { at, fieldsAt, freeText, jsonObject, pickContext } from "../hints.js";
import { arr, isObject, objects, pick, pickFirst, str } from "../paths.js";
import { firstMapped, fromWord, riskScore } from "../severity.js";

function hasKibanaAlertKey(o: Record<string, unknown>): boolean {
  return Object.keys(o).some((k) => k.startsWith("kibana.alert.")) || isObject(pick(o, "kibana.alert"));
}

function indicatorHints(o: Record<string, unknown>) {
  const indicators = [pick(o, "threat.indicator"), ...objects(pick(o, "threat.enrichments")).map((e) => e.indicator)].filter(isObject);
  return indicators.flatMap((ind, i) => [
    at(ind, "ip", "ip"), at(ind, "url.full", "url"), at(ind, "url.original", "url"), at(ind, "url.domain", "domain"),
    at(ind, "file.hash.sha256", "sha256"), at(ind, "file.hash.sha1", "sha1"), at(ind, "file.hash.md5", "md5"), at(ind, "email.address", "email"),
  ].map((h) => ({ ...h, path: `threat.enrichments[${i}].indicator.${h.path}` })));
}

export const elastic: FormatNormalizer = {
  id: "elastic",
  detect(doc) {
    const o = jsonObject(doc);
    return !!o && pick(o, "event.kind") === "signal" && hasKibanaAlertKey(o);
  },
  map(doc) {
    const o = jsonObject(doc);
    if (!o || !hasKibanaAlertKey(o)) return "expected kibana.alert.* fields (kibana.alert.rule.name, kibana.alert.severity)";
    const threats = objects(pick(o, "kibana.alert.rule.threat"));
    const techniques = threats.flatMap((t) => objects(t.technique));
    const techniqueIds = techniques.flatMap((t) => [t.id, ...objects(t.subtechnique).map((s) => s.id)]);
    const tactics = threats.map((t) => (isObject(t.tactic) ? t.tactic.name : undefined));
    const hostIps = arr(pick(o, "host.ip"));
    return {
      title: pick(o, "kibana.alert.rule.name"),
      titlePaths: "kibana.alert.rule.name",
      description: str(pick(o, "kibana.alert.reason")) ?? str(pick(o, "kibana.alert.rule.description")) ?? undefined,
      severity: firstMapped(fromWord(pick(o, "kibana.alert.severity")), riskScore(pick(o, "kibana.alert.risk_score"))),
      time: pickFirst(o, ["kibana.alert.original_time", "@timestamp"])?.value,
      vendor: "Elastic",
      product: "Elastic Security",
      hostName: pickFirst(o, ["host.name", "host.hostname"])?.value,
      hostIp: hostIps.find((x) => typeof x === "string"),
      userName: pick(o, "user.name"),
      assets: [pick(o, "host.name")],
      iocs: [
        at(o, "source.ip", "ip", "source"),
        at(o, "destination.ip", "ip", "destination"),
        ...fieldsAt(o, "domain", "destination", "destination.domain", "dns.question.name"),
        ...fieldsAt(o, "url", "destination", "url.full", "url.original"),
        at(o, "process.hash.md5", "md5"), at(o, "process.hash.sha1", "sha1"), at(o, "process.hash.sha256", "sha256"),
        at(o, "file.hash.md5", "md5"), at(o, "file.hash.sha1", "sha1"), at(o, "file.hash.sha256", "sha256"),
        at(o, "dll.hash.sha256", "sha256"),
        at(o, "email.from.address", "email", "source"),
        at(o, "url.domain", "domain", "destination"), at(o, "source.domain", "domain", "source"), at(o, "dns.resolved_ip", "ip", "destination"),
        // Indicator-match alerts: the matched indicators (ECS threat.enrichments / threat.indicator).
        ...indicatorHints(o),
        freeText("process.command_line", pick(o, "process.command_line")),
        freeText("message", pick(o, "message")),
        freeText("kibana.alert.reason", pick(o, "kibana.alert.reason")),
      ],
      mitre: [techniqueIds, pick(o, "threat.technique.id")],
      tactics,
      sourceId: pickFirst(o, ["kibana.alert.uuid", "_id"])?.value,
      categoryText: [pick(o, "kibana.alert.rule.description"), pick(o, "event.category"), pick(o, "kibana.alert.rule.tags")],
      mitreTypes: [pick(o, "kibana.alert.rule.tags")],
      intelMatch: pick(o, "kibana.alert.rule.type") === "threat_match" || objects(pick(o, "threat.enrichments")).length > 0 || undefined,
      executed: pick(o, "process.executable") !== undefined || pick(o, "process.command_line") !== undefined || pick(o, "process.name") !== undefined,
      context: pickContext(o, {
        rule_id: ["kibana.alert.rule.rule_id", "kibana.alert.rule.uuid"], rule_type: "kibana.alert.rule.type", risk_score: "kibana.alert.risk_score",
        workflow_status: "kibana.alert.workflow_status", workflow_tags: "kibana.alert.workflow_tags",
        event_action: "event.action", event_type: "event.type", event_outcome: "event.outcome",
        tags: ["tags", "kibana.alert.rule.tags"],
        process: "process.name", process_executable: "process.executable", user_domain: "user.domain",
        event_category: "event.category", group_id: "kibana.alert.group.id",
      }),
    };
  },
};
