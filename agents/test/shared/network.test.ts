// Address parsing the never-block rules rely on; each case kills a mutant Stryker found alive.
import { describe, expect, it } from "vitest";
import { domainCovered, inCidr, normalizedIp, parseCidr, parseIp } from "../../src/shared/network.js";

describe("parseIp / normalizedIp", () => {
  it("accepts dotted quads, IPv6 and [bracketed] IPv6; IPv4-mapped IPv6 becomes IPv4", () => {
    expect(normalizedIp(" [2001:db8::1] ")).toBe("2001:db8:0:0:0:0:0:1");
    expect(normalizedIp("::ffff:10.0.0.1")).toBe("10.0.0.1");
    expect(normalizedIp("203.0.113.7")).toBe("203.0.113.7");
  });
  it("refuses shorthand IPv4 and half brackets", () => {
    for (const bad of ["10", "0x0a000001", "10.1", "1.2.3", "x203.0.113.7", "[2001:db8::1", "2001:db8::1]", "[[2001:db8::1]]", "[10.0.0.1]x"]) expect(parseIp(bad), bad).toBeNull();
  });
});

describe("parseCidr / inCidr", () => {
  it("trims, maps IPv4-mapped IPv6 ranges to IPv4, and refuses garbage", () => {
    const c = parseCidr(" ::ffff:10.0.0.0/104 ");
    expect(c?.[0].kind()).toBe("ipv4");
    expect(parseCidr(" 10.0.0.0/8 ")?.[1]).toBe(8);
    expect(parseCidr("2001:db8::/32")?.[0].kind()).toBe("ipv6");
    expect(parseCidr("10.0.0.0/33")).toBeNull();
    expect(inCidr(parseIp("10.1.2.3")!, parseCidr("10.0.0.0/8")!)).toBe(true);
    expect(inCidr(parseIp("2001:db8::1")!, parseCidr("10.0.0.0/8")!)).toBe(false);
  });
});

describe("domainCovered", () => {
  it("the domain itself and its subdomains, any case, trailing dot and *. ignored; not look-alikes", () => {
    expect(domainCovered(" Example.COM. ", " *.example.com. ")).toBe(true);
    expect(domainCovered("example.com", "example.com")).toBe(true);
    expect(domainCovered("a.b.example.com", "example.com")).toBe(true);
    expect(domainCovered("badexample.com", "example.com")).toBe(false);
    expect(domainCovered("example.com.evil", "example.com")).toBe(false);
    expect(domainCovered("x.example.com", "a*.example.com")).toBe(false);
  });
});
