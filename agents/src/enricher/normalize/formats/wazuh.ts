// Wazuh alerts.json. Severity: rule.level 0-16 (see severity.ts). Time: "+0000" offsets.
import type { FormatNormalizer } from "../draft.js";
import { at, fieldsAt, freeText, jsonObject, pickContext } from "../hints.js";
import { isObject, num, pick, pickFirst, str, text, typeOfJson } from "../paths.js";
import { wazuhLevel } from "../severity.js";

export const wazuh: FormatNormalizer = {
  id: "wazuh",
  detect(doc) {
    const o = jsonObject(doc);
    return !!o && isObject(o.rule) && num(pick(o, "rule.level")) !== null && isObject(o.agent) && (isObject(o.manager) || isObject(o.decoder));
  },
  nearMiss(doc) {
    const o = jsonObject(doc);
    if (!o || !("rule" in o) || !isObject(o.agent) || !(isObject(o.manager) || isObject(o.decoder))) return null;
    if (!isObject(o.rule)) return { path: "rule", message: `\`rule\` must be an object with a numeric \`level\` and a \`description\`, got ${typeOfJson(o.rule)}` };
    return { path: "rule.level", message: `\`rule.level\` must be a number 0-16, got ${typeOfJson(pick(o, "rule.level"))}` };
  },
  map(doc) {
    const o = jsonObject(doc);
    if (!o || !isObject(o.rule)) return "expected an object with a `rule` object (rule.level, rule.description)";
    // dstuser means different things per decoder: the target of a login (sshd, Windows), but for
    // sudo/su it is the account switched to (root) while srcuser is the person who did it.
    const switchesUser = /^(sudo|su)$/.test(String(pick(o, "decoder.parent") ?? pick(o, "decoder.name") ?? ""));
    const user: { value: unknown; path?: string } | undefined = switchesUser && str(pick(o, "data.srcuser")) ? { value: pick(o, "data.srcuser"), path: "data.srcuser" } : pickFirst(o, ["data.dstuser", "data.win.eventdata.targetUserName", "data.srcuser", "data.win.eventdata.subjectUserName", "data.win.eventdata.user", "data.user", "syscheck.uname_after", "syscheck.audit.effective_user.name", "syscheck.audit.login_user.name", "data.aws.userIdentity.userName"]);
    // Windows eventchannel values arrive with every backslash doubled (the decoder escapes them
    // once more before cJSON does: wazuh/wazuh#2482, #4509): two backslashes there stand for one.
    const userValue = typeof user?.value === "string" && /^data\.win\./.test(user.path ?? "") ? user.value.replace(/\\\\/g, "\\") : user?.value;
    const agentId = text(pick(o, "agent.id"));
    const manager = text(pick(o, "manager.name")) ?? text(pick(o, "cluster.node"));
    const id = text(o.id);
    return {
      title: pick(o, "rule.description"),
      titlePaths: "rule.description",
      description: str(o.full_log) ?? undefined,
      severity: wazuhLevel(pick(o, "rule.level")),
      time: o.timestamp ?? o["@timestamp"],
      vendor: "Wazuh",
      product: "Wazuh",
      // agent 000 is the manager itself reporting (syslog from elsewhere): the syslog host is then the subject.
      hostName: agentId === "000" ? (pick(o, "predecoder.hostname") ?? pick(o, "agent.name")) : pick(o, "agent.name"),
      hostIp: pick(o, "agent.ip"),
      userName: userValue,
      assets: [pick(o, "agent.name")],
      iocs: [
        ...fieldsAt(o, "ip", "source", "data.srcip", "data.win.eventdata.ipAddress", "data.win.eventdata.sourceIp"),
        ...fieldsAt(o, "ip", "destination", "data.dstip", "data.win.eventdata.destinationIp"),
        // File integrity monitoring, then the VirusTotal integration.
        at(o, "syscheck.md5_after", "md5"), at(o, "syscheck.sha1_after", "sha1"), at(o, "syscheck.sha256_after", "sha256"),
        at(o, "data.virustotal.source.md5", "md5"), at(o, "data.virustotal.source.sha1", "sha1"),
        at(o, "data.win.eventdata.hashes", "hash"),
        at(o, "data.url", "url"),
        ...fieldsAt(o, "domain", "destination", "data.hostname", "data.win.eventdata.queryName", "data.win.eventdata.destinationHostname"),
        at(o, "data.win.eventdata.sourceHostname", "domain", "source"),
        // Suricata, AWS and other JSON logs decoded by Wazuh keep their own names under data.
        at(o, "data.src_ip", "ip", "source"), at(o, "data.dest_ip", "ip", "destination"),
        ...fieldsAt(o, "domain", "destination", "data.http.hostname", "data.tls.sni", "data.dns.rrname"),
        at(o, "data.aws.sourceIPAddress", "ip", "source"),
        at(o, "data.virustotal.source.sha256", "sha256"),
        freeText("full_log", o.full_log),
        freeText("data.win.eventdata.commandLine", pick(o, "data.win.eventdata.commandLine")),
      ],
      mitre: [pick(o, "rule.mitre.id"), pick(o, "rule.mitre.technique")],
      tactics: [pick(o, "rule.mitre.tactic")],
      // Wazuh ids are unique per manager only.
      sourceId: id ? (manager ? `${manager}:${id}` : id) : null,
      categoryText: [pick(o, "rule.groups"), pick(o, "decoder.name")],
      mitreTypes: [pick(o, "rule.groups")],
      context: {
        rule_id: text(pick(o, "rule.id")),
        ...pickContext(o, { rule_level: "rule.level", rule_groups: "rule.groups", decoder: "decoder.name", location: "location" }),
        agent_id: agentId,
        manager,
        ...pickContext(o, {
          src_user: "data.srcuser", dst_user: "data.dstuser", syscheck_path: "syscheck.path",
          action: ["data.action", "data.alert.action"], status: "data.status", command: ["data.command", "data.win.eventdata.commandLine"],
        }),
      },
    };
  },
};
