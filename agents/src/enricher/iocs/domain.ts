// Domain validation against the public suffix list (tldts). Strict on purpose: in free text a
// "domain" whose suffix is a file extension (invoice.pdf, winword.exe, report.docx, evil.zip)
// is far more often a file name than a host, and false domains waste analysts' time.
// Except .com: DOS .com programs are rare in alerts and .com is the most common suffix there is,
// so treating it as a file extension dropped nearly every domain written in free text.
import { parse } from "tldts";

/** Common file extensions, including the ones that are also real TLDs (zip, mov, sh, py, ...). */
export const FILE_EXTENSIONS = new Set([
  "exe", "dll", "sys", "drv", "ocx", "cpl", "scr", "msi", "msp", "bat", "cmd", "ps1", "psm1", "psd1", "vbs", "vbe", "js", "jse", "wsf", "wsh", "hta", "lnk", "inf", "reg",
  "doc", "docx", "docm", "dot", "dotm", "xls", "xlsx", "xlsm", "xlsb", "ppt", "pptx", "pptm", "rtf", "odt", "ods", "odp", "pdf", "txt", "csv", "log", "md", "xml", "json", "yaml", "yml", "ini", "cfg", "conf", "toml",
  "html", "htm", "xhtml", "php", "asp", "aspx", "jsp", "cgi", "css", "svg",
  "zip", "rar", "7z", "tar", "gz", "tgz", "bz2", "xz", "cab", "iso", "img", "vhd", "vhdx", "dmg", "pkg", "deb", "rpm", "apk", "jar", "war", "app",
  "png", "jpg", "jpeg", "gif", "bmp", "ico", "tif", "tiff", "webp", "mp3", "mp4", "mov", "avi", "mkv", "wav", "flac",
  "py", "pyc", "rb", "pl", "sh", "bash", "ps", "c", "h", "cpp", "cs", "java", "class", "go", "rs", "ts", "lua", "swift", "kt",
  "so", "dylib", "o", "a", "lib", "bin", "dat", "tmp", "bak", "old", "db", "sqlite", "sql", "mdb", "eml", "msg", "pst", "ost", "pem", "key", "crt", "cer", "der", "pfx", "p12", "kdbx", "dmp",
]);

export interface DomainCheck { ok: boolean; hostname: string; reason?: string }

/**
 * Whether a hostname is a real public domain. `strict` (free text) also rejects suffixes that are
 * common file extensions; structured fields (a DNS query, a destination_domain) are trusted with
 * any ICANN suffix.
 */
export function checkDomain(candidate: string, strict: boolean): DomainCheck {
  const hostname = candidate.trim().replace(/\.$/, "").toLowerCase();
  if (hostname.length > 253 || !/^[a-z0-9.-]+$/.test(hostname) || !hostname.includes(".")) return { ok: false, hostname, reason: "not a hostname" };
  if (hostname.split(".").some((label) => label === "" || label.length > 63 || label.startsWith("-") || label.endsWith("-"))) return { ok: false, hostname, reason: "bad label" };
  const p = parse(hostname, { allowPrivateDomains: false });
  if (p.isIp) return { ok: false, hostname, reason: "an IP address" };
  if (!p.isIcann || !p.domain || !p.publicSuffix) return { ok: false, hostname, reason: "no public suffix" };
  const tld = p.publicSuffix.split(".").pop()!;
  if (strict && FILE_EXTENSIONS.has(tld)) return { ok: false, hostname, reason: "looks like a file name" };
  return { ok: true, hostname };
}
