// Zeek notice.log (JSON writer): flat keys with literal dots (id.orig_h), `ts` as epoch
// seconds, ISO or epoch ms. Zeek has no severity: it is derived from the notice type, and
// notices we do not know get the documented default (severity.ts).
import type { FormatNormalizer } from "../draft.js";
import { field, freeText, jsonObject } from "../hints.js";
import { str, text } from "../paths.js";
import { classifyIp } from "../../iocs/index.js";
import type { SeverityReading } from "../severity.js";

// Notice types from Zeek's base and policy scripts with the weight a SOC usually gives them.
// An intel or hash-registry match says an indicator was seen, not that anything ran: medium.
const NOTE_SEVERITY: [RegExp, SeverityReading["severity"]][] = [
  [/^(Heartbleed::SSL_Heartbeat_Attack_Success|HTTP::SQL_Injection_Victim)/, "high"],
  [/^(Intel::Notice|TeamCymruMalwareHashRegistry::Match|HTTP::Malware|Heartbleed::|HTTP::SQL_Injection_Attacker)/, "medium"],
  [/^(SSH::Password_Guessing|FTP::Bruteforcing|Scan::Address_Scan|Scan::Port_Scan|Scan::|DNS::External_Name)/, "medium"],
  [/^(SSL::Invalid_Server_Cert|SSL::Certificate_Expir|SSL::Weak_Key|Weird::|CaptureLoss::|Software::|SSH::Interesting_Hostname_Login|Signatures::)/, "low"],
];

export const zeek: FormatNormalizer = {
  id: "zeek",
  detect(doc) {
    const o = jsonObject(doc);
    return !!o && typeof o.note === "string" && /^[A-Za-z0-9_]+::[A-Za-z0-9_]+$/.test(o.note) && o.ts !== undefined;
  },
  map(doc) {
    const o = jsonObject(doc);
    if (!o || typeof o.note !== "string") return "expected a notice.log record with `note` (e.g. Scan::Port_Scan) and `ts`";
    const note = o.note;
    const mapped = NOTE_SEVERITY.find(([re]) => re.test(note))?.[1] ?? null;
    const src = str(o.src) ?? str(o["id.orig_h"]);
    const dst = str(o.dst) ?? str(o["id.resp_h"]);
    const uid = text(o.uid);
    const internal = (ip: string | null) => !!ip && classifyIp(ip)?.internal === true;
    // The internal side is the host: the originator when it is inside (a scan or a lookup from
    // inside, a client's TLS session), else the internal responder (an inbound scan's target).
    // Notices raised without a connection (SSH::Password_Guessing) name the attacked servers only
    // in `sub` ("Sampled servers:  10.0.0.5, 10.0.0.5", as policy/protocols/ssh/detect-bruteforcing
    // writes it). One internal server there is the host; several are a sweep with no single host.
    const sampledIps = !dst && typeof o.sub === "string" && /^sampled servers:/i.test(o.sub)
      ? [...new Set((o.sub.match(/\b(?:\d{1,3}\.){3}\d{1,3}\b/g) ?? []).filter((ip) => internal(ip)))]
      : [];
    const sampled = sampledIps.length === 1 ? sampledIps[0]! : null;
    const hostIp = internal(src) ? src : internal(dst) ? dst : sampled;
    return {
      title: str(o.msg) ? `${note}: ${str(o.msg)}` : note,
      titlePaths: "note, msg",
      description: [str(o.msg), str(o.sub)].filter(Boolean).join(" — "),
      severity: { severity: mapped, original: null },
      time: o.ts,
      vendor: "Zeek",
      product: "Zeek",
      hostIp,
      assets: [hostIp],
      iocs: [
        field("src", src, "ip", "source"),
        field("dst", dst, "ip", "destination"),
        freeText("msg", o.msg),
        freeText("sub", o.sub),
      ],
      sourceId: uid ? `${uid}:${note}` : null,
      categoryText: [note.replace("::", " ").replace(/_/g, " ")],
      mitreTypes: [note],
      context: { note, sub: o.sub, port: o.p, proto: o.proto, peer: o.peer_descr, actions: o.actions, suppress_for: o.suppress_for, uid },
    };
  },
};
