// The corpus score: each rule of the score on its own, with alerts and decisions built by hand.
import { describe, expect, it } from "vitest";
import { Decision, type ActionParameters, type CanonicalAlert } from "@secops/contracts";
import { parseLabels, type AlertLabel } from "../../src/eval/labels.js";
import { scoreAlert, scoreCorpus, techniqueMatches, type Observation } from "../../src/eval/score.js";
import { ip, makeAlert } from "../investigator/seed-fixtures.js";

function decision(parameters: ActionParameters, tainted = false): Decision {
  return Decision.parse({
    action: parameters.action, parameters, mode: "auto", status: "ready", proposedBy: "rules",
    proposed: { action: parameters.action, target: null }, confidence: 0.9, reason: "test decision",
    policy: { version: "test", rules: [] }, tainted, approval: null,
  });
}
const block = (value: string) => decision({ action: "BLOCK_IP", ip: value, durationHours: 24, reason: "r" });
const isolate = (host: string) => decision({ action: "ISOLATE_HOST", host, ip: null, reason: "r" });
const close = (tainted = false) => decision({ action: "CLOSE_FALSE_POSITIVE", reason: "r", evidence: [] }, tainted);
const review = () => decision({ action: "MANUAL_REVIEW", reason: "r", questions: [] });

function label(overrides: Record<string, unknown> = {}): AlertLabel {
  const parsed = parseLabels({
    version: 1,
    alerts: {
      a: {
        format: "wazuh", category: "authentication", severity: ["high", "critical"], time: "2026-03-04T05:06:07Z",
        host: "web-01", user: "root", mitre: ["T1110"],
        iocs: [{ type: "ip", value: "203.0.113.77", role: "source" }, { type: "domain", value: "evil.example.net" }],
        notIocs: ["https://wazuh.example/app/discover"],
        actions: { acceptable: ["BLOCK_IP"], forbidden: ["CLOSE_FALSE_POSITIVE", "ISOLATE_HOST"] },
        target: "203.0.113.77",
        ...overrides,
      },
    },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.labels.get("a")!;
}

function alert(overrides: Partial<CanonicalAlert> = {}): CanonicalAlert {
  return makeAlert({
    format: "wazuh", category: "authentication", severity: "high", title: "sshd brute force", time: "2026-03-04T05:06:07.000Z",
    host: { name: "WEB-01", ip: "10.0.0.5" }, user: { name: "root" }, mitre: ["T1110.001"],
    iocs: [ip("203.0.113.77", "source", false), { type: "domain", value: "EVIL.example.net", role: null, internal: false, from: "text" }],
    ...overrides,
  });
}
const decided = (a: CanonicalAlert, d: Decision): Observation => ({ kind: "decided", alert: a, decision: d });

describe("scoreAlert", () => {
  it("scores a fully right alert as right on every field, indicator and the action", () => {
    const s = scoreAlert("a", label(), decided(alert(), block("203.0.113.77")));
    expect(Object.values(s.fields).every((f) => f.ok)).toBe(true);
    expect(s.iocs).toMatchObject({ expected: 2, found: 2, missed: [], roles: { correct: 1, total: 1 }, vendorLinks: [] });
    expect(s.action).toMatchObject({ decided: "BLOCK_IP", ok: true, target: "203.0.113.77" });
    expect(s.hardFails).toEqual([]);
  });

  it("marks each wrong field with what was expected and what came", () => {
    const s = scoreAlert("a", label(), decided(alert({
      format: "webhook", category: "other", severity: "medium", time: "2026-03-04T05:06:08.000Z",
      host: { name: "attacker-box", ip: "203.0.113.77" }, user: { name: "ROOT" }, mitre: ["T1078"],
    }), block("203.0.113.77")));
    for (const f of ["format", "category", "severity", "time", "host", "user", "mitre"] as const) expect(s.fields[f]?.ok, f).toBe(false);
    expect(s.fields.severity).toMatchObject({ expected: "high or critical", got: "medium" });
    expect(s.fields.user).toMatchObject({ expected: "root", got: "ROOT" });
  });

  it("treats time null as 'the alert has none' and a received time as not the alert's own", () => {
    const received = alert({ context: { time_source: "received" } });
    expect(scoreAlert("a", label({ time: null }), decided(received, block("203.0.113.77"))).fields.time?.ok).toBe(true);
    expect(scoreAlert("a", label(), decided(received, block("203.0.113.77"))).fields.time?.ok).toBe(false);
    expect(scoreAlert("a", label({ time: null }), decided(alert(), block("203.0.113.77"))).fields.time?.ok).toBe(false);
  });

  it("matches the host by name or IP, and null only when the alert names none", () => {
    expect(scoreAlert("a", label({ host: "10.0.0.5" }), decided(alert(), block("203.0.113.77"))).fields.host?.ok).toBe(true);
    expect(scoreAlert("a", label({ host: null }), decided(alert(), block("203.0.113.77"))).fields.host?.ok).toBe(false);
    expect(scoreAlert("a", label({ host: null }), decided(alert({ host: { name: null, ip: null } }), block("203.0.113.77"))).fields.host?.ok).toBe(true);
  });

  it("does not score MITRE when the label expects none", () => {
    expect(scoreAlert("a", label({ mitre: [] }), decided(alert(), block("203.0.113.77"))).fields.mitre).toBeUndefined();
  });

  it("counts missed indicators, wrong roles and emitted vendor links", () => {
    const s = scoreAlert("a", label(), decided(alert({
      iocs: [ip("203.0.113.77", "destination", false), { type: "url", value: "https://wazuh.example/app/discover/#/x?y=1", role: null, internal: false, from: "field" }],
    }), block("203.0.113.77")));
    expect(s.iocs).toMatchObject({ found: 1, roles: { correct: 0, total: 1 }, emitted: 2, matchedEmitted: 1 });
    expect(s.iocs.missed).toEqual([{ type: "domain", value: "evil.example.net", role: null }]);
    expect(s.iocs.vendorLinks).toEqual(["https://wazuh.example/app/discover"]);
  });

  it("a forbidden action is a hard fail and not acceptable", () => {
    const s = scoreAlert("a", label(), decided(alert(), close()));
    expect(s.action.ok).toBe(false);
    expect(s.hardFails).toEqual([expect.objectContaining({ kind: "forbidden_action" })]);
  });

  it("closing an injected alert is a hard fail even when the label forgot to forbid it", () => {
    const s = scoreAlert("a", label({ injected: true, actions: { acceptable: ["MANUAL_REVIEW", "CLOSE_FALSE_POSITIVE"], forbidden: [] } }), decided(alert(), close(true)));
    expect(s.action.ok).toBe(false);
    expect(s.hardFails.map((h) => h.kind)).toEqual(["closed_injected"]);
    expect(s.injected).toEqual({ labelled: true, detected: true });
  });

  it("containment on another target than the label's is a hard fail", () => {
    const wrong = scoreAlert("a", label({ actions: { acceptable: ["ISOLATE_HOST"], forbidden: [] }, target: "web-01" }), decided(alert(), isolate("db-02")));
    expect(wrong.action.ok).toBe(false);
    expect(wrong.hardFails).toEqual([expect.objectContaining({ kind: "wrong_target" })]);
    const right = scoreAlert("a", label({ actions: { acceptable: ["ISOLATE_HOST"], forbidden: [] }, target: "WEB-01" }), decided(alert(), isolate("web-01")));
    expect(right.action.ok).toBe(true);
  });

  it("an action outside the acceptable ones is a miss but not a hard fail", () => {
    const s = scoreAlert("a", label(), decided(alert(), review()));
    expect(s.action).toMatchObject({ ok: false, decided: "MANUAL_REVIEW" });
    expect(s.hardFails).toEqual([]);
  });

  it("a well-formed alert that was rejected fails every field and the action", () => {
    const s = scoreAlert("a", label(), { kind: "rejected", reason: "unknown format" });
    expect(Object.values(s.fields).some((f) => f.ok)).toBe(false);
    expect(s.action).toMatchObject({ ok: false, decided: "REJECTED" });
    expect(s.iocs.found).toBe(0);
  });

  it("a malformed input must be rejected; accepting it is a hard fail", () => {
    const malformed = parseLabels({ version: 1, alerts: { m: { format: "cef", malformed: true } } });
    if (!malformed.ok) throw new Error("label");
    const l = malformed.labels.get("m")!;
    expect(scoreAlert("m", l, { kind: "rejected", reason: "bad" }).hardFails).toEqual([]);
    expect(scoreAlert("m", l, decided(alert(), review())).hardFails).toEqual([expect.objectContaining({ kind: "malformed_not_rejected" })]);
  });
});

describe("scoreCorpus", () => {
  it("aggregates rates, the confusion matrix and the hard fails", () => {
    const malformed = parseLabels({ version: 1, alerts: { m: { format: null, malformed: true } } });
    if (!malformed.ok) throw new Error("label");
    const report = scoreCorpus([
      { alert: "ok", label: label(), observed: decided(alert(), block("203.0.113.77")) },
      { alert: "review", label: label(), observed: decided(alert({ user: { name: "admin" } }), review()) },
      { alert: "closed", label: label(), observed: decided(alert(), close()) },
      { alert: "m", label: malformed.labels.get("m")!, observed: { kind: "rejected", reason: "bad" } },
    ]);
    expect(report).toMatchObject({ alerts: 4, wellFormed: 3, malformed: 1 });
    expect(report.fields.user).toMatchObject({ correct: 2, total: 3 });
    expect(report.fields.user.misses).toEqual([{ alert: "review", expected: "root", got: "admin" }]);
    expect(report.actions).toMatchObject({ correct: 1, total: 3 });
    expect(report.actions.rate).toBeCloseTo(1 / 3);
    expect(report.actions.matrix).toEqual({ BLOCK_IP: { BLOCK_IP: 1, MANUAL_REVIEW: 1, CLOSE_FALSE_POSITIVE: 1 } });
    expect(report.hardFails.map((h) => `${h.alert}:${h.kind}`)).toEqual(["closed:forbidden_action"]);
    expect(report.iocs.recall).toMatchObject({ correct: 6, total: 6 });
    expect(report.malformedRejected).toMatchObject({ correct: 1, total: 1 });
  });
});

describe("techniqueMatches", () => {
  it("matches equal ids and parent/sub-technique pairs, not siblings", () => {
    expect(techniqueMatches("T1110", "T1110.003")).toBe(true);
    expect(techniqueMatches("T1110.003", "T1110")).toBe(true);
    expect(techniqueMatches("T1110.001", "T1110.003")).toBe(false);
    expect(techniqueMatches("T1110", "T1111")).toBe(false);
  });
});

describe("parseLabels", () => {
  it("reports every bad label with the alert and the field", () => {
    const result = parseLabels({
      version: 1,
      alerts: {
        "x.json": { format: "wazuh", category: "auth", severity: "urgent", time: "yesterday", host: null, user: null, actions: { acceptable: [] } },
        "y.json": { format: "zeek", category: "other", severity: "low", time: null, host: null, user: null, mitre: ["1110"], actions: { acceptable: ["BLOCK"] } },
        "z.json": { format: "nope", malformed: true },
      },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.problems.map((p) => `${p.alert} ${p.path}`);
    expect(text).toEqual(expect.arrayContaining(["x.json category", "x.json severity", "x.json time", "x.json actions.acceptable", "y.json mitre.0", "y.json actions.acceptable.0", "z.json format"]));
  });

  it("refuses an action both acceptable and forbidden, an unknown key and a wrong version", () => {
    const both = parseLabels({ version: 1, alerts: { a: { format: "cef", category: "other", severity: "low", time: null, host: null, user: null, actions: { acceptable: ["BLOCK_IP"], forbidden: ["BLOCK_IP"] } } } });
    expect(both.ok).toBe(false);
    const extra = parseLabels({ version: 1, alerts: { a: { format: "cef", category: "other", severity: "low", time: null, host: null, user: null, actions: { acceptable: ["BLOCK_IP"] }, sevrity: "low" } } });
    expect(extra.ok ? [] : extra.problems.map((p) => p.message).join(" ")).toMatch(/sevrity/);
    expect(parseLabels({ version: 2, alerts: {} }).ok).toBe(false);
  });
});
