// `secops normalize`: the normalizer offline, one JSON line per input alert. Lets people check
// how their alerts will be read before anything is published.
import type { CliCommand } from "../command.js";
import { parseInputArgs, readInputs } from "../input.js";
import { FORMAT_IDS, normalizeAlert } from "../../enricher/normalize/index.js";
import { CidrList } from "../../shared/network.js";
import { parseEnv } from "../../runtime/config.js";

export const command: CliCommand = {
  name: "normalize",
  summary: "print the canonical alert for each input alert (offline, no NATS)",
  usage: `secops normalize [--format <id>] [--internal-ranges <cidr,...>] <file|dir|->...
  Reads JSON objects, JSON arrays of alerts, JSON lines and CEF lines. Prints one JSON line per
  alert: the canonical alert, or {"input":"<file>[:line]","error":"<reason>"}. Exits 1 if any failed.
  --format forces one of: ${FORMAT_IDS.join(", ")}. INTERNAL_RANGES (env) adds internal CIDRs.
examples (from the repository root):
  npx secops normalize input_alerts/sample_alert1.json
  npx secops normalize --internal-ranges 100.64.0.0/10 input_alerts/`,
  async run(argv, io) {
    const args = parseInputArgs(argv, { format: FORMAT_IDS, "internal-ranges": null }, io, this.usage);
    if (!args) return 2;
    const { flags, positional } = args;
    const format = flags.format;
    // --internal-ranges takes the place of INTERNAL_RANGES, and is read the same way.
    const fromFlag = flags["internal-ranges"] === undefined ? null : CidrList.safeParse(flags["internal-ranges"]);
    if (fromFlag && !fromFlag.success) {
      io.err(`--internal-ranges: ${fromFlag.error.issues.map((i) => i.message).join("; ")}`);
      return 2;
    }
    const internalRanges = fromFlag ? fromFlag.data : parseEnv({ INTERNAL_RANGES: CidrList }, io.env).INTERNAL_RANGES;
    let failed = 0;
    for (const item of await readInputs(positional, io)) {
      if ("error" in item) { failed++; io.out(JSON.stringify({ input: item.input, error: item.error })); continue; }
      const result = normalizeAlert(item.text, { format, internalRanges });
      if (result.ok) io.out(JSON.stringify(result.alert));
      else { failed++; io.out(JSON.stringify({ input: item.input, error: result.error.reason, code: result.error.code, tried: result.error.tried })); }
    }
    return failed > 0 ? 1 : 0;
  },
};
