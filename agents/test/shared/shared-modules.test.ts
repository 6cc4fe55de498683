// The modules every part shares: one IP parser with one set of rules, one backoff, one option
// parser, one id scheme. Each test names the bug the module exists to prevent.
import { describe, expect, it } from "vitest";
import { inCidr, parseCidr, parseCidrs, parseIp } from "../../src/shared/ip.js";
import { validIp } from "../../src/responder/targets.js";
import { parseIp as policyParseIp, isNonPublic } from "../../src/shared/network.js";
import { classifyIp, isInternalIp } from "../../src/enricher/iocs/ip.js";
import { ipTags } from "../../src/enricher/enrich/ip-classification.js";
import { backoffDelayMs, retry } from "../../src/shared/retry.js";
import { parseFlags } from "../../src/shared/flags.js";
import { UsageError, parseDecisionArgs } from "../../src/cli/decision-args.js";
import { approvalIdFor, isApprovalId, rawMessageId, stageMessageId } from "../../src/shared/ids.js";
import { messageIdFor } from "../../src/enricher/normalize/index.js";

describe("IP and CIDR", () => {
  it("refuses inet_aton shorthands everywhere: \"10\" is not 10.0.0.0 for a block, a policy match, an indicator or a tag", () => {
    for (const s of ["10", "10.1", "0x0a.0.0.1", "012.0.0.1", "1.2.3.256", "", "host.example"]) {
      expect(parseIp(s), s).toBeNull();
      expect(() => validIp(s), s).toThrow(/is not an IPv4 or IPv6 address/);
      expect(policyParseIp(s), s).toBeNull();
      expect(classifyIp(s), s).toBeNull();
      expect(ipTags(s), s).toEqual([]);
    }
  });

  it("reads an IPv4-mapped IPv6 address as the IPv4 address it carries, in every part", () => {
    expect(validIp("::ffff:10.0.0.1")).toBe("10.0.0.1");
    expect(isNonPublic(policyParseIp("::ffff:10.0.0.1")!)).toBe(true);
    expect(isInternalIp("::ffff:192.168.1.9")).toBe(true);
    expect(policyParseIp("[2001:db8::1]")!.toString()).toBe("2001:db8::1");
    expect(inCidr(parseIp("10.2.3.4")!, parseCidr("::ffff:10.0.0.0/104")!)).toBe(true);
  });

  it("reports CIDRs it cannot read instead of dropping them, with the same address rules", () => {
    expect(parseCidrs(["10.0.0.0/8", " 10/8 ", "192.168.0.0/33", "2001:db8::/32"])).toMatchObject({ invalid: ["10/8", "192.168.0.0/33"] });
    expect(isInternalIp("172.31.9.9", ["172.31.0.0/16"])).toBe(true);
    expect(isInternalIp("172.32.9.9", ["172.31.0.0/16"])).toBe(false);
  });
});

describe("retry with backoff", () => {
  it("doubles the wait up to the cap, with jitter only on the upper half", () => {
    expect([0, 1, 2, 3, 10].map((n) => backoffDelayMs(n, { baseMs: 500, capMs: 4_000, random: () => 1 }))).toEqual([500, 1000, 2000, 4000, 4000]);
    expect(backoffDelayMs(2, { baseMs: 500, capMs: 4_000, random: () => 0 })).toBe(1000);
  });

  it("stops at the attempt limit with the last failure, and at once for a failure that cannot succeed", async () => {
    const waits: number[] = [];
    let calls = 0;
    const sleep = async (ms: number) => { waits.push(ms); };
    await expect(retry(async () => { calls++; throw new Error(`try ${calls}`); }, { attempts: 3, random: () => 1, sleep })).rejects.toThrow("try 3");
    expect(waits).toEqual([500, 1000]);
    calls = 0;
    await expect(retry(async () => { calls++; throw new Error("bad request"); }, { attempts: 5, retryIf: () => false, sleep })).rejects.toThrow("bad request");
    expect(calls).toBe(1);
    expect(await retry(async (n) => (n < 2 ? Promise.reject(new Error("x")) : "ok"), { attempts: 3, sleep })).toBe("ok");
  });
});

describe("command-line options", () => {
  it("reads --name value and --name=value, and reports unknown options and missing values as written", () => {
    expect(parseFlags(["--format", "cef", "a.log", "--since=2026-01-01", "--nope", "b.log", "--format"], ["format", "since"])).toEqual({
      flags: { format: "cef", since: "2026-01-01" }, positional: ["a.log", "b.log"], unknown: ["--nope", "--format"],
    });
    expect(parseFlags(["--", "--format"], ["format"]).positional).toEqual(["--format"]);
  });

  it("approve/reject/undo: one id, --by, --comment; anything else is a usage error naming it", () => {
    expect(parseDecisionArgs(["APR-1", "--by=alice", "--comment", "ok"], {}, { comment: true })).toEqual({ id: "APR-1", by: "alice", comment: "ok" });
    expect(parseDecisionArgs(["APR-1"], { SECOPS_USER: "bob" }, { comment: false })).toEqual({ id: "APR-1", by: "bob", comment: null });
    expect(() => parseDecisionArgs(["APR-1", "--comment", "x"], { USER: "a" }, { comment: false })).toThrow(/unknown option --comment \(accepted: --by\)/);
    expect(() => parseDecisionArgs(["APR-1", "--by"], {}, { comment: true })).toThrow(/--by needs a value/);
    expect(() => parseDecisionArgs(["APR-1", "APR-2"], { USER: "a" }, { comment: true })).toThrow(/give exactly one id/);
    expect(() => parseDecisionArgs([], { USER: "a" }, { comment: true })).toThrow(UsageError);
  });
});

describe("ids", () => {
  it("one raw message id for the same bytes, whoever publishes them", () => {
    expect(messageIdFor("{\"a\":1}")).toBe(rawMessageId(new TextEncoder().encode("{\"a\":1}")));
    expect(rawMessageId("x")).toMatch(/^raw-[0-9a-f]{32}$/);
    expect(stageMessageId("al-1", "decided")).toBe("al-1:decided");
  });

  it("one approval id scheme, APR- and 16 upper-case hex digits; no other form is taken for one", () => {
    const id = approvalIdFor("al-1", "d".repeat(64));
    expect(id).toMatch(/^APR-[0-9A-F]{16}$/);
    expect(approvalIdFor("al-1", "d".repeat(64))).toBe(id);
    expect(approvalIdFor("al-2", "d".repeat(64))).not.toBe(id);
    expect(isApprovalId(id)).toBe(true);
    expect(isApprovalId(`apr_${"a".repeat(32)}`)).toBe(false);
    expect(isApprovalId("APR-../../x")).toBe(false);
  });
});
