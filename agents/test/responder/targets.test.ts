import { describe, expect, it } from "vitest";
import { validHostname, validIp } from "../../src/responder/targets.js";

describe("the responder's own target validation", () => {
  it("validIp: normalizes IPv4, IPv6 and IPv4-mapped IPv6; refuses anything else naming it", () => {
    expect(validIp(" 203.0.113.7 ")).toBe("203.0.113.7");
    expect(validIp("2001:0db8:0000::1")).toBe("2001:db8::1");
    expect(validIp("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(validIp("::1")).toBe("::1");
    expect(() => validIp("1.2.3.4; rm -rf /")).toThrow('"1.2.3.4; rm -rf /" is not an IPv4 or IPv6 address');
    expect(() => validIp(`x${"a".repeat(100)}`)).toThrow(`"x${"a".repeat(63)}" is not`);
  });

  it("validHostname: DNS-style names lowercased; no quotes, spaces, operators or over-long names", () => {
    expect(validHostname(" WS-FIN-042.Corp.example ")).toBe("ws-fin-042.corp.example");
    expect(validHostname("a")).toBe("a");
    expect(validHostname("host_1")).toBe("host_1");
    for (const bad of ["ws 1", "ws'1", "ws\"1", "-ws", "ws..corp", "ws.", "ws;rm", `${"a".repeat(64)}.b`, `${"a.".repeat(127)}ab`, ".ws", ""]) {
      expect(() => validHostname(bad), bad).toThrow(/is not a host name: expected letters, digits/);
    }
    expect(validHostname(`${"a".repeat(63)}.b`)).toBe(`${"a".repeat(63)}.b`);
    expect(validHostname(`${"a.".repeat(126)}a`)).toHaveLength(253);
  });
});

describe("the refusals quote the value trimmed and clipped", () => {
  it("to 64 characters", () => {
    expect(() => validIp("  not-an-ip  ")).toThrow('"not-an-ip" is not an IPv4');
    expect(() => validHostname(`bad name ${"h".repeat(100)}`)).toThrow(`"bad name ${"h".repeat(55)}" is not a host name`);
  });
});
