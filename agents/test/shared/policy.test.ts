import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { DEFAULT_POLICY_FILE, loadPolicy, PolicyError, policyVersion } from "../../src/shared/policy.js";

const dir = mkdtempSync(join(tmpdir(), "policy-test-"));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};
const problemsOf = (file: string): string[] => {
  try {
    loadPolicy(file);
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    expect((e as PolicyError).message).toContain(file);
    return (e as PolicyError).problems;
  }
  throw new Error("expected the policy to be rejected");
};

describe("policy file", () => {
  it("loads the documented default when no path is given", () => {
    const p = loadPolicy();
    expect(p.actions.ISOLATE_HOST).toMatchObject({ mode: "auto", minConfidence: 0.9, approvers: 2 });
    expect(p.actions.BLOCK_IP.minConfidence).toBe(0.8);
    expect(p.falsePositive.approvalAtOrAbove).toBe("high");
    expect(p.block.defaultDurationHours).toBe(24);
    expect(policyVersion(p)).toMatch(/^default-2025\.1#[0-9a-f]{12}$/);
    expect(loadPolicy("")).toEqual(p);
    expect(DEFAULT_POLICY_FILE).toMatch(/agents\/policy\/default\.yaml$/);
  });

  it("accepts JSON as well as YAML, and the version digest follows the content", () => {
    const p = loadPolicy();
    const changed = { ...p, block: { defaultDurationHours: 48 } };
    const file = write("p.json", JSON.stringify(changed));
    const loaded = loadPolicy(file);
    expect(loaded.block.defaultDurationHours).toBe(48);
    expect(policyVersion(loaded)).not.toBe(policyVersion(p));
  });

  it("names the file, the path and what is accepted for a bad value", () => {
    const p = loadPolicy();
    const bad = { ...p, actions: { ...p.actions, BLOCK_IP: { ...p.actions.BLOCK_IP, mode: "sometimes", minConfidence: 80 } } };
    const problems = problemsOf(write("bad.yaml", stringify(bad)));
    expect(problems).toContain("actions.BLOCK_IP.mode: expected auto, approval or shadow");
    expect(problems).toContain("actions.BLOCK_IP.minConfidence: expected 0 to 1 (not a percentage)");
  });

  it("rejects unknown settings (a typo must not silently drop a rule)", () => {
    const p = loadPolicy();
    const problems = problemsOf(write("typo.yaml", stringify({ ...p, network: { ...p.network, allowList: [] } })));
    expect(problems.join("\n")).toMatch(/network: unknown setting\(s\) allowList/);
  });

  it("validates addresses, ranges and domains in the allowlist", () => {
    const p = loadPolicy();
    const problems = problemsOf(write("net.yaml", stringify({ ...p, network: { internalRanges: ["10.0.0.0/33"], allowlist: { ips: ["999.1.1.1"], cidrs: [], domains: ["not a domain"] } } })));
    expect(problems).toContain("network.internalRanges.0: expected a CIDR range, e.g. 10.0.0.0/8 or 2001:db8::/32");
    expect(problems).toContain("network.allowlist.ips.0: expected an IPv4 or IPv6 address, e.g. 192.0.2.10");
    expect(problems.some((m) => m.startsWith("network.allowlist.domains.0: expected a domain name"))).toBe(true);
  });

  it("reports a missing action, invalid YAML, a non-mapping and an unreadable file", () => {
    const p = loadPolicy();
    const { MANUAL_REVIEW: _omitted, ...fewer } = p.actions;
    expect(problemsOf(write("missing.yaml", stringify({ ...p, actions: fewer }))).join()).toMatch(/actions\.MANUAL_REVIEW/);
    expect(problemsOf(write("broken.yaml", "version: [unclosed\n"))[0]).toMatch(/^is not valid YAML at line \d+/);
    expect(problemsOf(write("list.yaml", "- a\n- b\n"))[0]).toMatch(/expected a mapping/);
    expect(problemsOf(join(dir, "nope.yaml"))).toEqual(["cannot be read: ENOENT"]);
  });
});
