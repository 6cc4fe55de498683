// Which kind of id a person typed decides where the CLI looks it up (cli/ids.ts); the lookups
// themselves are tested against a real pipeline in e2e/pipeline.test.ts and responder/cli.test.ts.
import { describe, expect, it } from "vitest";
import { classifyId, ID_SOURCES } from "../../src/cli/ids.js";
import { parseRecordId, recordIdFor, unexecutedReviewIdFor } from "../../src/shared/ids.js";

describe("classifyId", () => {
  it("tells the ids people see apart", () => {
    expect(classifyId("al-0123456789abcdef01234567")).toBe("alert");
    expect(classifyId("APR-0123456789ABCDEF")).toBe("approval");
    expect(classifyId("TKT-0A1B2C3D4E")).toBe("record");
    expect(classifyId("CLS-0a1b2c3d4e")).toBe("record");
    expect(classifyId("REV-0A1B2C3D4E")).toBe("record");
    expect(classifyId("f".repeat(64))).toBe("action");
    expect(classifyId(`undo-${"e".repeat(64)}`)).toBe("action");
  });

  it("reads back every record id the responder makes: a later validity window's, and the review of a decision that could not run", () => {
    const actionId = `${"ab12".repeat(16)}.w2`;
    expect(classifyId(actionId)).toBe("action");
    for (const prefix of ["TKT", "CLS", "REV"] as const) {
      const id = recordIdFor(prefix, actionId);
      expect(id).toBe(`${prefix}-AB12AB12AB-W2`);
      expect(classifyId(id)).toBe("record");
      expect(parseRecordId(id)).toEqual({ prefix, actionPrefix: "ab12ab12ab", window: 2 });
    }
    expect(parseRecordId(recordIdFor("TKT", "ab12".repeat(16)))).toEqual({ prefix: "TKT", actionPrefix: "ab12ab12ab", window: 0 });
    const review = unexecutedReviewIdFor("al-0123456789abcdef01234567", "the host name has markup");
    expect(review).toMatch(/^REV-[0-9A-F]{12}$/);
    expect(classifyId(review)).toBe("record");
    expect(parseRecordId(review)).toEqual({ prefix: "REV", unexecuted: true });
  });

  it("reads anything else as the vendor's id, including look-alikes of the other kinds", () => {
    for (const id of ["SEC-2026-0101", `apr_${"ab".repeat(16)}`, "al-short", "APR-DOESNOTEXIST", "TKT-123", "F".repeat(64), "arn:aws:guardduty:us-east-1:1:detector/x/finding/y"]) {
      expect(classifyId(id), id).toBe("source");
    }
  });

  it("documents every kind it accepts", () => {
    expect(Object.keys(ID_SOURCES).sort()).toEqual(["action", "alert", "approval", "record", "source"]);
  });
});
