// The rules analyst's working answer and the small helpers every rule uses to build one.
import type { ActionType, Severity, Verdict } from "@secops/contracts";

export interface Assessment {
  severity: Severity;
  confidence: number;
  verdict: Verdict;
  action: ActionType;
  target: string | null;
  headline: string;
  reasons: string[];
  evidence: string[];
  mitre: string[];
}

export function assess(severity: Severity, confidence: number, verdict: Verdict, action: ActionType, target: string | null, headline: string, reasons: string[], evidence: string[], mitre: string[]): Assessment {
  return { severity, confidence, verdict, action, target, headline, reasons, evidence, mitre };
}

const RANK: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

export function maxSeverity(a: Severity, b: Severity): Severity {
  return RANK[a] >= RANK[b] ? a : b;
}
