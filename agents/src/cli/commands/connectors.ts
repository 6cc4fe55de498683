import { z } from "zod";
import { pino } from "pino";
import type { CliCommand } from "../command.js";
import { parseEnv } from "../../runtime/config.js";
import { checkConnectors } from "../../responder/connectors/index.js";

const timeoutEnv = { CONNECTOR_TIMEOUT_SECONDS: z.coerce.number({ error: "expected a number of seconds" }).positive().max(300).default(10) };

export const command: CliCommand = {
  name: "connectors",
  summary: "check each configured connector against its target: reach it, authenticate, resolve names; creates nothing",
  usage: "secops connectors check",
  async run(argv, io) {
    if (argv.length !== 1 || argv[0] !== "check") {
      io.err(`secops connectors: expected the subcommand "check"${argv.length ? `, got "${argv.join(" ")}"` : ""}\nusage: ${command.usage}`);
      return 2;
    }
    const { CONNECTOR_TIMEOUT_SECONDS } = parseEnv(timeoutEnv, io.env);
    const states = await checkConnectors(io.env, { log: pino({ level: "silent" }), timeoutMs: CONNECTOR_TIMEOUT_SECONDS * 1000 });
    if (states.length === 0) {
      io.err("secops connectors: no connector is configured; actions use their local defaults only (README, \"Responses\")");
      return 0;
    }
    for (const s of states) io.out(JSON.stringify(s));
    const bad = states.filter((s) => s.state === "failed" || s.state === "misconfigured");
    io.err(`secops connectors: ${states.length - bad.length} of ${states.length} configured connector(s) ready${bad.length ? `; not ready: ${bad.map((s) => s.connector).join(", ")}` : ""}`);
    return bad.length ? 1 : 0;
  },
};
