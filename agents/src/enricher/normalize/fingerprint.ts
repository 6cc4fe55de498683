// "Same activity" for de-duplication: the same kind of alert (format + title) about the same
// subject (host, user) and the same structured indicators. Deliberately excludes time and the
// vendor id, which change when the same activity recurs.
import type { AlertFormat, Ioc } from "@secops/contracts";
import { sha256Hex } from "../../shared/hash.js";

export function fingerprintOf(parts: { format: AlertFormat; title: string; hostName: string | null; userName: string | null; iocs: readonly Ioc[] }): string {
  const indicators = parts.iocs
    .filter((i) => i.from === "field")
    .map((i) => `${i.type}:${i.value.toLowerCase()}:${i.role ?? ""}`)
    .sort();
  const key = JSON.stringify([parts.format, parts.title.trim().toLowerCase(), (parts.hostName ?? "").toLowerCase(), (parts.userName ?? "").toLowerCase(), indicators]);
  return sha256Hex(key);
}
