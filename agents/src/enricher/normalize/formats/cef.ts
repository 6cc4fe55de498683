// CEF lines, with or without a syslog header. Severity: header field 0-10 or words
// (severity.ts). fileHash carries no algorithm: the length decides. csN values are named by
// their csNLabel in context.
import type { FormatNormalizer } from "../draft.js";
import { parseCefLine } from "../cef-line.js";
import { field, freeText } from "../hints.js";
import { cefSeverity } from "../severity.js";
import { classifyIp, isLinkBackKey } from "../../iocs/index.js";
import { toIsoUtc } from "../time.js";

/** Syslog timestamps carry no year: take the current one, or last year when that would be in the future. */
function syslogTime(ts: string | null): string | null {
  if (!ts) return null;
  if (/^\d{4}-/.test(ts)) return toIsoUtc(ts);
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}:\d{2}:\d{2})$/.exec(ts);
  if (!m) return null;
  const now = new Date();
  for (const year of [now.getUTCFullYear(), now.getUTCFullYear() - 1]) {
    const t = toIsoUtc(`${m[1]} ${m[2]} ${year} ${m[3]} UTC`);
    if (t && Date.parse(t) <= now.getTime() + 86_400_000) return t;
  }
  return null;
}

/** Extension keys a vendor names after a hash algorithm (the value's length still decides). */
const VENDOR_HASH_KEY = /(md5|sha-?1|sha-?256|filehash)$/i;

export const cef: FormatNormalizer = {
  id: "cef",
  detect(doc) {
    return doc.kind === "text" && typeof parseCefLine(doc.text) !== "string";
  },
  map(doc) {
    if (doc.kind !== "text") return "expected a CEF text line (CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|key=value ...)";
    const line = parseCefLine(doc.text);
    if (typeof line === "string") return line;
    const x = line.extension;
    const labelled: Record<string, string> = {};
    for (const [k, v] of Object.entries(x)) {
      const m = /^(c[sn]\d|flexString\d|cfp\d|deviceCustomDate\d)$/.exec(k);
      const label = Object.hasOwn(x, `${k}Label`) ? x[`${k}Label`]!.replace(/\s+/g, "_").toLowerCase() : null;
      if (m && label) Object.defineProperty(labelled, label, { value: v, enumerable: true, writable: true, configurable: true });
    }
    const threatNames = Object.entries(labelled).filter(([k]) => /threat|signature|attack|malware|virus|detection/.test(k)).map(([, v]) => v);
    const src = x.src ?? x.c6a2;
    const dst = x.dst ?? x.c6a3;
    const internal = (ip: string | undefined) => !!ip && classifyIp(ip)?.internal === true;
    const external = (ip: string | undefined) => !!ip && classifyIp(ip)?.internal === false;
    // The affected host is the internal side: the destination of an inbound event (dhost/dst),
    // the source of an outbound one (shost/src: an upload, a beacon, a scan from inside).
    // When both are internal the named side wins, destination first.
    const side: "dst" | "src" | null =
      internal(dst) && (!!x.dhost || !internal(src) || !x.shost) ? "dst"
      : internal(src) ? "src"
      : external(dst) && x.shost ? "src"
      : external(src) && x.dhost ? "dst"
      : x.dhost ? "dst" : x.shost ? "src" : null;
    // No network side at all (an anti-malware or integrity event from a host agent): the
    // reporting device is the host itself (Trend Micro Deep Security and similar agents write
    // the protected computer in dvchost).
    const agentHost = side === null && !src && !dst ? x.dvchost ?? null : null;
    const hostName = side === "dst" ? x.dhost ?? null : side === "src" ? x.shost ?? null : agentHost;
    const hostIp = side === "dst" ? (internal(dst) ? dst : null) : side === "src" ? (internal(src) ? src : null) : null;
    // The account: the target user of an inbound event, the acting user of an outbound one.
    const userName = side === "src" ? x.suser ?? x.duser ?? null : x.duser ?? x.suser ?? null;
    return {
      title: line.name,
      titlePaths: "header Name (6th field)",
      description: x.msg ?? "",
      severity: cefSeverity(line.severity),
      time: x.rt ?? x.start ?? x.end ?? syslogTime(line.syslog?.timestamp ?? null),
      vendor: line.vendor,
      product: line.product,
      hostName,
      hostIp,
      userName,
      assets: [hostName, hostIp],
      iocs: [
        field("src", src, "ip", "source"),
        field("dst", dst, "ip", "destination"),
        field("request", x.request, "url", "destination"),
        // The external side's host name is an indicator (a proxy's destination site).
        field("dhost", side === "src" && !internal(dst) ? x.dhost : undefined, "domain", "destination"),
        field("shost", side === "dst" && external(src) ? x.shost : undefined, "domain", "source"),
        field("fileHash", x.fileHash, "hash"),
        field("oldFileHash", x.oldFileHash, "hash"),
        // Vendors add their own hash keys beside fileHash (TrendMicroDsFileSHA256, …FileMD5).
        ...Object.entries(x).filter(([k]) => VENDOR_HASH_KEY.test(k) && k !== "fileHash" && k !== "oldFileHash").map(([k, v]) => field(k, v, "hash")),
        field("suser", x.suser && x.suser.includes("@") ? x.suser : undefined, "email", "source"),
        freeText("msg", x.msg),
        freeText("requestContext", x.requestContext),
        // A csN labelled as a console/report link is the product's own UI, never an indicator.
        ...Object.entries(labelled).filter(([k]) => !isLinkBackKey(k)).map(([k, v]) => freeText(`cs:${k}`, v)),
      ],
      sourceId: x.externalId ?? x.deviceExternalId ?? null,
      // The threat or signature name often sits in a csN field (PAN-OS "Threat Name", FortiGate "attack").
      categoryText: [x.cat, x.act, line.signatureId, ...threatNames],
      mitreTypes: [line.name, x.cat, ...threatNames],
      // Vendors put ATT&CK in csN fields labelled mitre/technique (e.g. cs3Label=MITRE Technique).
      mitre: Object.entries(labelled).filter(([k]) => /mitre|technique|attack/.test(k)).map(([, v]) => v),
      context: {
        signature_id: line.signatureId,
        device_version: line.deviceVersion,
        device_host: x.dvchost ?? line.syslog?.host ?? null,
        src_port: x.spt,
        dst_port: x.dpt,
        protocol: x.proto,
        action: x.act,
        outcome: x.outcome,
        cef_category: x.cat,
        bytes_out: x.out,
        bytes_in: x.in,
        src_user: x.suser,
        file_name: x.fname,
        ...labelled,
      },
    };
  },
};
