// `secops pause` and `secops resume`: the kill switch, kept in NATS KV so restarts keep it.
// Paused, the decider records every decision in shadow mode and the responder changes nothing.
import type { CliCommand } from "../command.js";
import { withNats } from "../session.js";
import { UsageError, parseOptions } from "../../shared/flags.js";
import { natsEnv, parseEnv } from "../../runtime/config.js";
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
      let parsed;
      try {
        parsed = parseOptions(argv, { by: { type: "string" }, reason: { type: "string" } });
        if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument "${parsed.positionals[0]}" (accepted: --by, --reason)`);
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        io.err(`secops ${name}: ${e.message}\nusage: ${command.usage}`);
        return 2;
      }
      const { by, reason } = parsed.values;
      const natsUser = parseEnv(natsEnv, io.env).NATS_USER;
      const who = (by ?? io.env.SECOPS_USER ?? io.env.USER ?? io.env.LOGNAME ?? "").trim();
      if (!who) {
        io.err(`secops ${name}: who is it? pass --by <name> (or set SECOPS_USER)`);
        return 2;
      }
      return withNats(io.env, async ({ nc, topo }) => {
        const state = await TrustState.open(nc, topo);
        const s = await state.setPaused(paused, natsUser && natsUser !== "cli" ? `${who} (nats user ${natsUser})` : who, reason ?? null);
        io.out(JSON.stringify(s));
        return 0;
      }, `secops-${name}`);
    },
  };
  return command;
}
