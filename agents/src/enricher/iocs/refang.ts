// Analysts and vendors "defang" indicators so nobody clicks them: hxxp://evil[.]com,
// user[at]evil(.)com. Extraction undoes that before matching.

export function refang(text: string): string {
  return text
    .replace(/\bhxxp(s?)(\[:\]|:)\/\//gi, "http$1://")
    .replace(/\bhxxp(s?)\b/gi, "http$1")
    .replace(/\bfxp:\/\//gi, "ftp://")
    .replace(/\[:\]\/\//g, "://")
    .replace(/\s?(\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\})\s?/gi, ".")
    .replace(/\s?(\[@\]|\(@\)|\[at\]|\(at\)|\{at\})\s?/gi, "@");
}
