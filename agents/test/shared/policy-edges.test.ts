// Edges of the policy loader (agents/src/shared/policy.ts) that `npm run mutation` showed no
// other test would notice: valid addresses accepted, units of a limit window, country codes,
// the error's shape, file-type detection, and every kind of document that is not a mapping.
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { DEFAULT_POLICY_FILE, PolicyError, loadPolicy, parsePolicy, readPolicyFile } from "../../src/shared/policy.js";

const base = loadPolicy();

function problems(text: string, file?: string): string[] {
  try {
    parsePolicy(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    return (e as PolicyError).problems;
  }
  throw new Error("expected the policy to be rejected");
}

describe("policy values", () => {
  it("valid allowlisted addresses and ranges load; country codes are upper-cased", () => {
    const p = parsePolicy(stringify({ ...base, network: { internalRanges: ["10.0.0.0/8"], allowlist: { ips: ["192.0.2.10", "2001:db8::1"], cidrs: ["198.51.100.0/24"], domains: ["example.com"] }, highRiskCountries: ["kp", "Ir"] } }));
    expect(p.network).toMatchObject({ internalRanges: ["10.0.0.0/8"], allowlist: { ips: ["192.0.2.10", "2001:db8::1"], cidrs: ["198.51.100.0/24"] }, highRiskCountries: ["KP", "IR"] });
  });

  it("limit windows are milliseconds: seconds as a number, or s, m, h, d with decimals", () => {
    const p = parsePolicy(stringify({ ...base, limits: { BLOCK_IP: { max: 5, per: 90 }, ISOLATE_HOST: { max: 1, per: "1.5h" }, CREATE_TICKET: { max: 9, per: "30m" }, CLOSE_FALSE_POSITIVE: { max: 2, per: "2d" }, MANUAL_REVIEW: { max: 1, per: "45s" } } }));
    expect(p.limits).toEqual({
      BLOCK_IP: { max: 5, per: 90_000 }, ISOLATE_HOST: { max: 1, per: 5_400_000 }, CREATE_TICKET: { max: 9, per: 1_800_000 },
      CLOSE_FALSE_POSITIVE: { max: 2, per: 172_800_000 }, MANUAL_REVIEW: { max: 1, per: 45_000 },
    });
  });
});

describe("policy errors", () => {
  it("a PolicyError names the file and lists each problem on its own indented line", () => {
    const e = new PolicyError("/etc/p.yaml", ["a: wrong", "b: worse"]);
    expect(e.name).toBe("PolicyError");
    expect(e.message).toBe("invalid policy file /etc/p.yaml:\n  a: wrong\n  b: worse");
    expect(() => parsePolicy("42")).toThrow("invalid policy file (inline policy):");
  });

  it("a .json file (any case) is read as JSON, anything else as YAML, and the error says which, with the first line only", () => {
    expect(problems("version: x", "P.JSON")[0]).toMatch(/^is not valid JSON: [^\n]+$/);
    expect(problems("version: x", "p.json")[0]).toMatch(/^is not valid JSON: /);
    expect(problems("{ version: [", "p.yml")[0]).toMatch(/^is not valid YAML at line 1, column \d+: [^\n]+$/);
    expect(() => parsePolicy(JSON.stringify(base), "POLICY.JSON")).not.toThrow();
  });

  it("every document that is not a mapping is refused the same way", () => {
    for (const text of ["", "null", "42", "just text", "- a\n- b\n"]) {
      expect(problems(text), JSON.stringify(text)).toEqual(["expected a mapping with version, actions, network, criticalAssets, block and approval"]);
    }
  });

  it("an unknown top-level setting is named at the top level, with where to check the spelling", () => {
    expect(problems(stringify({ ...base, actionz: {} }))).toEqual(["(top level): unknown setting(s) actionz; check the spelling against agents/policy/default.yaml"]);
  });

  it("an empty or blank path means the documented default file", () => {
    expect(readPolicyFile("   ").file).toBe(DEFAULT_POLICY_FILE);
    expect(readPolicyFile("").file).toBe(DEFAULT_POLICY_FILE);
    expect(readPolicyFile().file).toBe(DEFAULT_POLICY_FILE);
  });
});
