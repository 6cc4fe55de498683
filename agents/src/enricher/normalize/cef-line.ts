// An escaping-aware CEF tokenizer. Header fields escape `|` and `\`; extension values escape
// `=` and `\` and may contain spaces (a value ends where the next ` key=` begins).

export interface CefLine {
  syslog: { timestamp: string | null; host: string | null } | null;
  version: string;
  vendor: string;
  product: string;
  deviceVersion: string;
  signatureId: string;
  name: string;
  severity: string;
  extension: Record<string, string>;
}

const SYSLOG_RE = /^(?:<\d{1,3}>)?(?:1 )?(?:([A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?) )?(?:(\S+) )?$/;

function unescapeHeader(s: string): string {
  return s.replace(/\\([\\|])/g, "$1");
}

function unescapeValue(s: string): string {
  return s.replace(/\\(.)/g, (_m, c: string) => (c === "n" ? "\n" : c === "r" ? "\r" : c));
}

/** Parses one CEF line, or returns the reason it is not one. */
export function parseCefLine(line: string): CefLine | string {
  const start = line.search(/CEF:\d+\|/);
  if (start < 0) return "no `CEF:<version>|` header";
  const prefix = line.slice(0, start).trim();
  let syslog: CefLine["syslog"] = null;
  if (prefix) {
    const m = SYSLOG_RE.exec(prefix + " ");
    syslog = m ? { timestamp: m[1] ?? null, host: m[2] ?? null } : { timestamp: null, host: null };
  }
  const body = line.slice(start + 4);
  const fields: string[] = [];
  let current = "";
  let i = 0;
  for (; i < body.length && fields.length < 7; i++) {
    const c = body[i]!;
    if (c === "\\" && i + 1 < body.length) { current += c + body[i + 1]; i++; continue; }
    if (c === "|") { fields.push(unescapeHeader(current)); current = ""; continue; }
    current += c;
  }
  if (fields.length < 7) return `CEF header has ${fields.length + 1} of 8 pipe-separated fields (CEF:Version|Vendor|Product|Version|SignatureID|Name|Severity|Extension)`;
  const extension = parseExtension(body.slice(i));
  const [version, vendor, product, deviceVersion, signatureId, name, severity] = fields as [string, string, string, string, string, string, string];
  return { syslog, version, vendor, product, deviceVersion, signatureId, name, severity, extension };
}

function parseExtension(ext: string): Record<string, string> {
  const keys: { key: string; keyStart: number; eq: number }[] = [];
  for (let i = 0; i < ext.length; i++) {
    if (ext[i] === "\\") { i++; continue; }
    if (ext[i] !== "=") continue;
    const m = /([A-Za-z0-9_.[\]-]+)$/.exec(ext.slice(Math.max(0, i - 64), i));
    if (!m) continue;
    const keyStart = i - m[1]!.length;
    if (keyStart > 0 && !/\s/.test(ext[keyStart - 1]!)) continue; // "a=b" inside a URL value
    keys.push({ key: m[1]!, keyStart, eq: i });
  }
  const out: Record<string, string> = {};
  keys.forEach((k, n) => {
    const end = n + 1 < keys.length ? keys[n + 1]!.keyStart : ext.length;
    const value = unescapeValue(ext.slice(k.eq + 1, end).trim());
    // First occurrence wins; defineProperty keeps a "__proto__" key as plain data.
    if (!Object.hasOwn(out, k.key)) Object.defineProperty(out, k.key, { value, enumerable: true, writable: true, configurable: true });
  });
  return out;
}
