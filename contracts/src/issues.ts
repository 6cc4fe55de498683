import type { z } from "zod";

/** zod issues flattened to `{ path, message }`, ready to show to a person or put in a DLQ entry. */
export function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({
    path: i.path.length ? i.path.map(String).join(".") : "(root)",
    message: i.message,
  }));
}

export function summarizeIssues(error: z.ZodError, max = 5): string {
  const all = describeIssues(error);
  const shown = all.slice(0, max).map((i) => `${i.path}: ${i.message}`).join("; ");
  return all.length > max ? `${shown}; and ${all.length - max} more` : shown;
}
