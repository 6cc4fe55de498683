/**
 * The labels file of a corpus (`labels.json` beside the alerts): for each alert file, what a SOC
 * analyst expects the pipeline to find and do. Validated with zod so a typo in a label is reported
 * with the file, the alert and the field instead of silently scoring against nothing.
 */
import { z } from "zod";
import { ActionType, AlertCategory, AlertFormat, IocType, Severity } from "@secops/contracts";

const Technique = z.string().regex(/^T\d{4}(\.\d{3})?$/, "expected an ATT&CK technique id such as T1110 or T1110.001");
const Instant = z.string().refine((s) => !Number.isNaN(Date.parse(s)), "expected an ISO 8601 instant such as 2026-03-04T05:06:07Z");

export const ExpectedIoc = z.strictObject({
  type: IocType,
  value: z.string().min(1, "expected the indicator's value"),
  role: z.enum(["source", "destination"]).nullable().default(null),
});
export type ExpectedIoc = z.infer<typeof ExpectedIoc>;

const Actions = z.strictObject({
  acceptable: z.array(ActionType).min(1, "expected at least one acceptable action"),
  forbidden: z.array(ActionType).default([]),
}).refine((a) => !a.acceptable.some((x) => a.forbidden.includes(x)), "an action cannot be both acceptable and forbidden");

const WellFormed = z.strictObject({
  format: AlertFormat,
  malformed: z.literal(false).default(false),
  category: AlertCategory,
  severity: z.union([Severity, z.array(Severity).min(1)]).transform((s) => (Array.isArray(s) ? s : [s])),
  time: Instant.nullable(),
  host: z.string().min(1).nullable(),
  user: z.string().min(1).nullable(),
  mitre: z.array(Technique).default([]),
  iocs: z.array(ExpectedIoc).default([]),
  notIocs: z.array(z.string().min(1)).default([]),
  actions: Actions,
  target: z.string().min(1).optional(),
  injected: z.boolean().default(false),
  note: z.string().optional(),
});

// A malformed input is only checked for being rejected; other fields may be present and are ignored.
const Malformed = z.looseObject({
  format: AlertFormat.nullable(),
  malformed: z.literal(true),
  note: z.string().optional(),
});

export const AlertLabel = z.union([Malformed, WellFormed]);
export type WellFormedLabel = z.infer<typeof WellFormed>;
export type MalformedLabel = z.infer<typeof Malformed>;
export type AlertLabel = WellFormedLabel | MalformedLabel;

export const LabelsFile = z.strictObject({
  version: z.literal(1, "expected version 1"),
  alerts: z.record(z.string().min(1), z.unknown()),
});

export interface LabelProblem {
  /** The alert file the label is for, or "(file)" for the file as a whole. */
  alert: string;
  path: string;
  message: string;
}

export type LabelsResult = { ok: true; labels: Map<string, AlertLabel> } | { ok: false; problems: LabelProblem[] };

/** Validates a parsed labels document; every problem is reported, not just the first. */
export function parseLabels(document: unknown): LabelsResult {
  const file = LabelsFile.safeParse(document);
  if (!file.success) {
    return { ok: false, problems: file.error.issues.map((i) => ({ alert: "(file)", path: i.path.join(".") || "(root)", message: i.message })) };
  }
  const problems: LabelProblem[] = [];
  const labels = new Map<string, AlertLabel>();
  for (const [name, value] of Object.entries(file.data.alerts)) {
    if (name.includes("..") || name.startsWith("/")) {
      problems.push({ alert: name, path: "(key)", message: "expected a path relative to the corpus directory, without .." });
      continue;
    }
    const malformed = typeof value === "object" && value !== null && (value as { malformed?: unknown }).malformed === true;
    const parsed = (malformed ? Malformed : WellFormed).safeParse(value);
    if (!parsed.success) {
      for (const i of parsed.error.issues) problems.push({ alert: name, path: i.path.join(".") || "(label)", message: i.message });
      continue;
    }
    labels.set(name, parsed.data);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, labels };
}

export function isMalformedLabel(label: AlertLabel): label is MalformedLabel {
  return label.malformed === true;
}
