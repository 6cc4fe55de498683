// `secops pause` and `secops resume`: the kill switch, kept in NATS KV so restarts keep it.
// Paused, the decider records every decision in shadow mode and the responder changes nothing.
import { pino } from "pino";
import type { CliCommand } from "../command.js";
import { natsEnv, parseEnv, topologyOf } from "../../runtime/config.js";
import { connectNats } from "../../runtime/nats.js";
import { TrustState } from "../../trust/state.js";

export function pauseCommand(paused: boolean): CliCommand {
  const name = paused ? "pause" : "resume";
  const command: CliCommand = {
    name,
    summary: paused
      ? "kill switch: every action runs in shadow mode (recorded, nothing changed) until `secops resume`"
      : "lift the kill switch: actions run again as the policy says",
    usage: `secops ${name} [--by <name>] [--reason <text>]`,
    async run(argv, io) {
      let by: string | undefined;
      let reason: string | null = null;
      for (let i = 0; i < argv.length; i++) {
        const a = argv[i]!;
        if ((a === "--by" || a === "--reason") && argv[i + 1] === undefined) {
          io.err(`secops ${name}: ${a} needs a value\nusage: ${command.usage}`);
          return 2;
        }
        if (a === "--by") by = argv[++i];
        else if (a === "--reason") reason = argv[++i]!;
        else {
          io.err(`secops ${name}: unexpected argument "${a}" (accepted: --by, --reason)\nusage: ${command.usage}`);
          return 2;
        }
      }
      const cfg = parseEnv(natsEnv, io.env);
      const who = (by ?? io.env.SECOPS_USER ?? io.env.USER ?? io.env.LOGNAME ?? "").trim();
      if (!who) {
        io.err(`secops ${name}: who is it? pass --by <name> (or set SECOPS_USER)`);
        return 2;
      }
      const log = pino({ name: "secops-cli", level: io.env.LOG_LEVEL ?? "warn" }, pino.destination(2));
      const nc = await connectNats(cfg, `secops-${name}`, log, { maxReconnectAttempts: 0 });
      try {
        const state = await TrustState.open(nc, topologyOf(cfg));
        const s = await state.setPaused(paused, cfg.NATS_USER && cfg.NATS_USER !== "cli" ? `${who} (nats user ${cfg.NATS_USER})` : who, reason);
        io.out(JSON.stringify(s));
        return 0;
      } finally {
        await nc.close();
      }
    },
  };
  return command;
}
