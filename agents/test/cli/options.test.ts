// Every secops command reads its options through node:util parseArgs (shared/flags.ts): an
// unknown option, a missing value or a value the option does not take stops the command with
// exit 2 and says what is accepted, before it connects to anything.
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { indicatorType } from "../../src/cli/commands/enrich.js";
import { UsageError, parseOptions } from "../../src/shared/flags.js";
import { capturingIo } from "../normalize/cli-io.js";

describe("secops options", () => {
  it("parseOptions: strings, booleans and positionals; unknown options and missing values are usage errors naming them", () => {
    expect(parseOptions(["q1", "--json", "--limit=5", "q2"], { json: { type: "boolean" }, limit: { type: "string" } })).toMatchObject({ values: { json: true, limit: "5" }, positionals: ["q1", "q2"] });
    expect(() => parseOptions(["--nope"], { json: { type: "boolean" }, limit: { type: "string" } })).toThrow(new UsageError("unknown option --nope (accepted: --json, --limit)"));
    expect(() => parseOptions(["--limit"], { limit: { type: "string" } })).toThrow(/^--limit needs a value$/);
  });

  it.each([
    [["search", "x", "--colour", "red"], /secops search: unknown option --colour \(accepted: --json, --all, --sort, --limit, --url\)/],
    [["search", "x", "--limit", "0"], /--limit 0: expected a whole number from 1 to 500/],
    [["search", "x", "--url"], /--url needs a value/],
    [["pause", "--by"], /secops pause: --by needs a value/],
    [["pause", "now"], /secops pause: unexpected argument "now" \(accepted: --by, --reason\)/],
    [["resume", "--force"], /secops resume: unknown option --force \(accepted: --by, --reason\)/],
    [["publish", "--format", "banana", "x.json"], /--format banana: unknown format \(accepted: wazuh, suricata/],
    [["undo", "a", "b"], /give exactly one id/],
  ])("secops %j exits 2 with what is wrong", async (argv, message) => {
    const io = capturingIo("", { NATS_URL: "nats://127.0.0.1:9" });
    expect(await main(argv, io)).toBe(2);
    expect(io.errLines.join("\n")).toMatch(message);
  });

  it("INTERNAL_RANGES (and normalize's --internal-ranges) must be CIDR ranges: a typo stops the command naming it", async () => {
    const io = capturingIo();
    expect(await main(["normalize", "--internal-ranges", "10/8", "input_alerts/sample_alert1.json"], io)).toBe(2);
    expect(io.errLines.join("\n")).toMatch(/--internal-ranges: "10\/8" is not a CIDR range; expected ranges such as 10.20.0.0\/16/);
    const io2 = capturingIo("", { INTERNAL_RANGES: "10.20.0.0/16,10.30.0.0" });
    expect(await main(["triage", "--analyst", "rules", "input_alerts/sample_alert1.json"], io2)).toBe(1);
    expect(io2.errLines.join("\n")).toMatch(/INTERNAL_RANGES="10.20.0.0\/16,10.30.0.0": "10.30.0.0" is not a CIDR range/);
    const io3 = capturingIo("", { INTERNAL_RANGES: "10.20.0.0/16" });
    expect(await main(["normalize", "input_alerts/sample_alert1.json"], io3)).toBe(0);
  });

  it("secops enrich reads an address as the pipeline does: inet_aton shorthands are not IPs", () => {
    expect(indicatorType("198.51.100.7")).toBe("ip");
    expect(indicatorType("2001:db8::1")).toBe("ip");
    for (const v of ["10", "0x0a.1", "127.1"]) expect(indicatorType(v), v).not.toBe("ip");
  });
});
