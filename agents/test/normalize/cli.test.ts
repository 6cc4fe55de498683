import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CanonicalAlert } from "@secops/contracts";
import { capturingIo } from "./cli-io.js";
import { command } from "../../src/cli/commands/normalize.js";
import { FIXTURES, SEED_SAMPLES } from "./fixtures.js";

describe("secops normalize", () => {
  it("normalizes every fixture of every format, one canonical alert per line", async () => {
    const io = capturingIo();
    const code = await command.run([FIXTURES, SEED_SAMPLES], io);
    expect(io.outLines.filter((l) => l.includes('"error"'))).toEqual([]);
    expect(code).toBe(0);
    const alerts = io.outLines.map((l) => CanonicalAlert.parse(JSON.parse(l)));
    expect(alerts.length).toBe(35); // 30 fixture alerts (arrays and lines split) + the 5 seed samples
    expect(new Set(alerts.map((a) => a.format))).toEqual(new Set(["wazuh", "suricata", "elastic", "splunk", "defender", "sentinel", "crowdstrike", "guardduty", "gcp_scc", "ocsf", "okta", "zeek", "cef", "seed", "webhook"]));
    expect(alerts.filter((a) => a.format === "seed").map((a) => a.category)).toEqual(["authentication", "authentication", "data_exfiltration", "malware", "network_scan", "data_exfiltration"]);
  });

  it("labels failures with <file>:line and <file>[index], keeps going, exits 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "normalize-cli-"));
    writeFileSync(join(dir, "mixed.jsonl"), '{"title":"ok one","severity":"low"}\n{"title": "broken\n\n{"nothing":"here"}\n');
    writeFileSync(join(dir, "batch.json"), JSON.stringify([{ title: "fine" }, 17]));
    writeFileSync(join(dir, "notes.md"), "ignored: not an alert file extension");
    const io = capturingIo("", {}, dir);
    const code = await command.run([dir, "missing.json"], io);
    expect(code).toBe(1);
    const lines = io.outLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.input ?? l.title)).toEqual(["fine", "batch.json[1]", "ok one", "mixed.jsonl:2", "mixed.jsonl:4", "missing.json"]);
    expect(lines[1]!.error).toMatch(/expected a JSON object/);
    expect(lines[3]!.error).toMatch(/^malformed JSON at position/);
    expect(lines[4]!.error).toMatch(/no known format matched/);
    expect(lines[5]!.error).toMatch(/cannot read: no such file or directory/);
  });

  it("reads standard input with -, CEF and JSON lines alike, and honours --format", async () => {
    const io = capturingIo('CEF:0|V|P|1|100|Port scan from 198.51.100.7|6|src=198.51.100.7 dst=10.0.0.1\n{"title":"x"}\n');
    expect(await command.run(["-"], io)).toBe(0);
    expect(io.outLines.map((l) => (JSON.parse(l) as { format: string }).format)).toEqual(["cef", "webhook"]);
    const forced = capturingIo('{"title":"x"}');
    expect(await command.run(["--format", "zeek", "-"], forced)).toBe(1);
    expect(JSON.parse(forced.outLines[0]!)).toMatchObject({ input: "-", code: "invalid", tried: ["zeek"] });
  });

  it("refuses unknown options and formats with usage", async () => {
    const io = capturingIo();
    expect(await command.run(["--format", "banana", "x.json"], io)).toBe(2);
    expect(io.errLines[0]).toMatch(/unknown format \(accepted: wazuh/);
    expect(await command.run([], capturingIo())).toBe(2);
  });
});

describe("secops in a pipe", () => {
  it("stops quietly with exit 0 when the reader closes the pipe early (secops … | head)", async () => {
    const { spawn } = await import("node:child_process");
    const { fileURLToPath } = await import("node:url");
    const bin = fileURLToPath(new URL("../../bin/secops.js", import.meta.url));
    const child = spawn(process.execPath, [bin, "normalize", FIXTURES, SEED_SAMPLES, FIXTURES, SEED_SAMPLES], { env: { ...process.env, GEOIP: "off" }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
    // Read one chunk, then close our end, as `head -c` does.
    await new Promise<void>((resolve) => child.stdout.once("data", () => { child.stdout.destroy(); resolve(); }));
    const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled|Error/);
    expect(code).toBe(0);
  });
});
