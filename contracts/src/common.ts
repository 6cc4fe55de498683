import { z } from "zod";

export const Severity = z.enum(["low", "medium", "high", "critical"]);
export type Severity = z.infer<typeof Severity>;
export const SEVERITY_RANK: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

export const IsoTime = z.iso.datetime({ offset: false }).describe("ISO 8601 time in UTC, e.g. 2025-05-08T10:12:45.000Z");

export const ActionType = z.enum(["CREATE_TICKET", "BLOCK_IP", "ISOLATE_HOST", "CLOSE_FALSE_POSITIVE", "MANUAL_REVIEW"]);
export type ActionType = z.infer<typeof ActionType>;

export const Confidence = z.number().min(0).max(1).describe("0 to 1");
