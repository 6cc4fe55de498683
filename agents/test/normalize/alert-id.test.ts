import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { alertIdFor } from "../../src/enricher/normalize/index.js";
import { mustNormalize } from "./fixtures.js";

const sha = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 24);

describe("alertIdFor", () => {
  it("uses format and vendor id when there is one", () => {
    const a = mustNormalize('{"title":"t","id":"vendor-1","timestamp":"2026-01-01T00:00:00Z"}');
    expect(alertIdFor(a)).toBe(`al-${sha("webhook:vendor-1")}`);
  });

  it("else the fingerprint and the alert's own time", () => {
    const a = mustNormalize('{"title":"t","timestamp":"2026-01-01T00:00:00Z","src_ip":"203.0.113.1"}');
    expect(alertIdFor(a)).toBe(`al-${sha(`${a.fingerprint}:2026-01-01T00:00:00.000Z`)}`);
    const later = mustNormalize('{"title":"t","timestamp":"2026-01-02T00:00:00Z","src_ip":"203.0.113.1"}');
    expect(later.fingerprint).toBe(a.fingerprint);
    expect(alertIdFor(later)).not.toBe(alertIdFor(a));
  });

  it("does not depend on when an alert without a time was received (dashboard and enricher agree)", () => {
    const text = '{"title":"no time here","src_ip":"203.0.113.1"}';
    const atDashboard = mustNormalize(text, { receivedAt: new Date("2026-01-01T00:00:00Z") });
    const atEnricher = mustNormalize(text, { receivedAt: new Date("2026-01-01T00:00:07Z") });
    expect(atDashboard.time).not.toBe(atEnricher.time);
    expect(alertIdFor(atDashboard)).toBe(alertIdFor(atEnricher));
  });

  it("the fingerprint ignores time and vendor id but not the indicators", () => {
    const a = mustNormalize('{"title":"Same","id":"1","timestamp":"2026-01-01T00:00:00Z","src_ip":"203.0.113.1"}');
    const b = mustNormalize('{"title":"same","id":"2","timestamp":"2026-02-01T00:00:00Z","src_ip":"203.0.113.1"}');
    const c = mustNormalize('{"title":"Same","id":"1","timestamp":"2026-01-01T00:00:00Z","src_ip":"203.0.113.2"}');
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.fingerprint).not.toBe(c.fingerprint);
  });
});
