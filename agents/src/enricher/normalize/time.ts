// Vendor time formats, all turned into ISO 8601 UTC. Seen in the wild: epoch seconds (Zeek,
// Splunk _time), epoch milliseconds (CrowdStrike, OCSF), ISO with a colon-less offset
// (Wazuh/Suricata "+0000"), 7-digit fractions (Microsoft Graph), and CEF's "MMM dd yyyy HH:mm:ss".

const MONTHS = new Map<string, string>(Object.entries({ jan: "01", feb: "02", mar: "03", apr: "04", may: "05", jun: "06", jul: "07", aug: "08", sep: "09", oct: "10", nov: "11", dec: "12" }));

// Anything outside this window is a misread unit or a placeholder (0 = 1970), not a real alert time.
const EARLIEST = Date.UTC(1990, 0, 1);
const LATEST = Date.UTC(2200, 0, 1);

function fromMillis(ms: number): string | null {
  if (!Number.isFinite(ms) || ms < EARLIEST || ms > LATEST) return null;
  return new Date(ms).toISOString();
}

/** Epoch numbers: magnitude tells seconds (1e9..1e10), milliseconds (1e12..1e13) or microseconds. */
export function fromEpoch(n: number): string | null {
  const abs = Math.abs(n);
  if (abs >= 1e14) return fromMillis(n / 1000);
  if (abs >= 1e11) return fromMillis(n);
  return fromMillis(n * 1000);
}

function fromIsoLike(s: string): string | null {
  let t = s.trim();
  // "2026-09-14 08:12:44" (space separator) and "+0000"/"+01" offsets are not accepted by Date.parse everywhere.
  t = t.replace(/^(\d{4}-\d{2}-\d{2})[ T]/, "$1T");
  // "… 09:15:00 +0200", "… 09:15:00 UTC": a space before the zone.
  t = t.replace(/\s+(?:UTC|GMT)$/i, "Z").replace(/\s+([+-]\d{2}:?\d{2}|Z)$/i, "$1");
  t = t.replace(/([+-]\d{2})(\d{2})$/, "$1:$2").replace(/([+-]\d{2})$/, "$1:00");
  // Fractions longer than milliseconds (Graph's 7 digits, Suricata's 6) are cut to 3.
  t = t.replace(/(\.\d{3})\d+/, "$1");
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/i.test(t)) return null;
  if (!/(Z|[+-]\d{2}:\d{2})$/i.test(t)) t += "Z"; // no zone given: read as UTC rather than the server's zone
  return fromMillis(Date.parse(t));
}

/**
 * CEF `rt`: "Sep 14 2026 08:12:44", optional ".SSS" and a zone (UTC/GMT/Z, ±hh:mm, or a
 * named-zone offset such as "GMT+00:00", as Trend Micro Deep Security writes it).
 */
function fromCefDate(s: string): string | null {
  const m = /^([A-Za-z]{3}) (\d{1,2}) (\d{4}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?(?: ((?:UTC|GMT)?[+-]\d{2}:?\d{2}|UTC|GMT|Z))?$/.exec(s.trim());
  if (!m) return null;
  const month = MONTHS.get(m[1]!.toLowerCase());
  if (!month) return null;
  let zone = (m[8] ?? "Z").replace(/^(?:UTC|GMT)(?=[+-])/, "");
  if (zone === "UTC" || zone === "GMT") zone = "Z";
  return fromIsoLike(`${m[3]}-${month}-${m[2]!.padStart(2, "0")}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ""}${zone}`);
}

/** RFC 2822 dates as mail-minded tools send them: "Tue, 01 Apr 2026 09:15:00 +0200". */
function fromRfc2822(s: string): string | null {
  if (!/^(?:[A-Z][a-z]{2}, )?\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}(:\d{2})? (?:[+-]\d{4}|GMT|UTC|Z)$/.test(s.trim())) return null;
  return fromMillis(Date.parse(s.trim()));
}

/** ISO 8601 UTC for any of the accepted shapes, or null when the value is not a time we can read. */
export function toIsoUtc(v: unknown): string | null {
  if (typeof v === "number") return fromEpoch(v);
  if (typeof v !== "string") return null;
  const s = v.trim();
  if (s === "") return null;
  if (/^\d+(\.\d+)?$/.test(s)) return fromEpoch(Number(s));
  return fromIsoLike(s) ?? fromCefDate(s) ?? fromRfc2822(s);
}
