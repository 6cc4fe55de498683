// Runs a local command to add an IP to a firewall set, e.g.
//   BLOCK_COMMAND="nft add element inet filter blocklist { {ip} }"
// The template is split on whitespace into an argv array and run with execFile: no shell ever
// sees it, and the IP is validated and normalized before it replaces {ip}.
import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { z } from "zod";
import { defineConnector } from "./types.js";
import { ConnectorError } from "./http.js";
import { validIp } from "../targets.js";

const bool = z.enum(["true", "false", "1", "0", "yes", "no"], { error: "expected true or false" }).transform((v) => v === "true" || v === "1" || v === "yes");

const template = (variable: string) =>
  z.string().min(1).refine((t) => t.trim().split(/\s+/).some((a) => a.includes("{ip}")), `${variable} must contain {ip} where the address goes`);

export function commandArgv(tpl: string, ip: string): string[] {
  const safe = validIp(ip);
  return tpl.trim().split(/\s+/).map((a) => a.replaceAll("{ip}", safe));
}

/** Where the program of a command template is, without running it; null when it is not found. */
export function whichProgram(tpl: string, path = process.env.PATH ?? ""): string | null {
  const program = tpl.trim().split(/\s+/)[0]!;
  const candidates = isAbsolute(program) || program.includes("/") ? [program] : path.split(delimiter).filter(Boolean).map((d) => join(d, program));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return null;
}

function run(argv: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(argv[0]!, argv.slice(1), { timeout: timeoutMs, shell: false }, (err, stdout, stderr) => {
      if (err) reject(new ConnectorError(`block-command: ${argv[0]} failed: ${(stderr || err.message).trim().slice(0, 300)}`, false));
      else resolve(stdout.trim().slice(0, 500));
    });
  });
}

export const blockCommand = defineConnector({
  name: "command:block",
  enabledBy: "BLOCK_COMMAND",
  env: {
    BLOCK_COMMAND: template("BLOCK_COMMAND"),
    BLOCK_UNDO_COMMAND: template("BLOCK_UNDO_COMMAND").optional(),
    BLOCK_COMMAND_DRY_RUN: bool.default(false),
  },
  create(cfg, deps) {
    const exec = async (tpl: string, ip: string) => {
      const argv = commandArgv(tpl, ip);
      if (cfg.BLOCK_COMMAND_DRY_RUN) {
        deps.log.info({ argv }, "block command dry run: not executed");
        return { argv, dryRun: true, output: null as string | null };
      }
      return { argv, dryRun: false, output: await run(argv, deps.timeoutMs) };
    };
    return {
      name: "command:block",
      actions: ["BLOCK_IP"],
      async perform(req) {
        if (req.parameters.action !== "BLOCK_IP") throw new Error("command:block handles BLOCK_IP only");
        const r = await exec(cfg.BLOCK_COMMAND, req.parameters.ip);
        return { ref: { ip: validIp(req.parameters.ip), command: r.argv, dryRun: r.dryRun }, summary: `${r.dryRun ? "dry run, would run" : "ran"}: ${r.argv.join(" ")}` };
      },
      async undo(ref) {
        if (cfg.BLOCK_UNDO_COMMAND && typeof ref.ip === "string") await exec(cfg.BLOCK_UNDO_COMMAND, ref.ip);
      },
      async check() {
        const found: string[] = [];
        for (const [variable, tpl] of [["BLOCK_COMMAND", cfg.BLOCK_COMMAND], ["BLOCK_UNDO_COMMAND", cfg.BLOCK_UNDO_COMMAND]] as const) {
          if (!tpl) continue;
          const at = whichProgram(tpl);
          if (!at) throw new ConnectorError(`command:block: ${variable}: the program ${tpl.trim().split(/\s+/)[0]} is not an executable on the PATH`, false);
          found.push(`${variable} runs ${at}`);
        }
        return `${found.join("; ")}${cfg.BLOCK_COMMAND_DRY_RUN ? " (dry run: shown, not run)" : ""}${cfg.BLOCK_UNDO_COMMAND ? "" : "; no BLOCK_UNDO_COMMAND: an undo leaves the address blocked at the firewall"}`;
      },
    };
  },
});
