// What a format's mapping produces: the vendor's values, still unvalidated. One builder
// (build.ts) turns every draft into a canonical alert, so truncation, time parsing, IoC
// extraction, fingerprinting and validation are the same for all formats.
import type { AlertCategory, AlertFormat } from "@secops/contracts";
import type { FieldHint } from "../iocs/index.js";
import type { SeverityReading } from "./severity.js";

export interface AlertDraft {
  title: unknown;
  /** Paths the title was looked for at, for the error when there is none. */
  titlePaths: string;
  description?: unknown;
  severity: SeverityReading;
  time?: unknown;
  vendor: string | null;
  product: unknown;
  hostName?: unknown;
  hostIp?: unknown;
  userName?: unknown;
  assets?: unknown[];
  iocs: FieldHint[];
  /** Scan every string of the raw document for indicators (schema-less formats only). */
  scanRaw?: boolean;
  mitre?: unknown[];
  /**
   * The vendor's own type names for the alert (GuardDuty finding type, SCC category, Okta
   * eventType, Zeek note, ET signature/classtype, Wazuh groups): read by the MITRE name table
   * when the alert carries no technique id.
   */
  mitreTypes?: unknown[];
  tactics?: unknown[];
  sourceId?: unknown;
  /** The alert is a match against threat intelligence (an indicator list), as the vendor says. */
  intelMatch?: boolean;
  /** The alert shows something ran (a process, a command line): an intel match with it stays high. */
  executed?: boolean;
  /** Set when the structure says it (OCSF class 3002 is authentication); otherwise derived. */
  category?: AlertCategory;
  /** Extra text that helps categorize (type names, rule groups). */
  categoryText?: unknown[];
  context?: Record<string, unknown>;
}

/** One supported format: how to recognise it and how to map it. */
export interface FormatNormalizer {
  id: AlertFormat;
  /** Cheap structural test; must not throw on any input. */
  detect(doc: ParsedInput): boolean;
  /** Maps a detected (or forced) document. Returns a reason string when the document cannot be this format. */
  map(doc: ParsedInput): AlertDraft | string;
  /**
   * For a document `detect` refused: what is wrong with it when it still carries this format's
   * envelope (a Wazuh alert whose `rule` is a string), else null. Without this such a document
   * falls through to the generic webhook and is silently mis-read as a different alert.
   */
  nearMiss?(doc: ParsedInput): { path: string; message: string } | null;
}

export type ParsedInput =
  | { kind: "json"; value: unknown; text: string }
  | { kind: "text"; text: string };
