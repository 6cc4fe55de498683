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

/** The argv of a template: {ip} becomes the validated address, {actionId} the action id (an idempotency key). */
export function commandArgv(tpl: string, ip: string, actionId = ""): string[] {
  const safe = validIp(ip);
  if (!/^[-_.a-zA-Z0-9]*$/.test(actionId)) throw new Error(`action id ${JSON.stringify(actionId.slice(0, 80))} is not safe for a command line`);
  return tpl.trim().split(/\s+/).map((a) => a.replaceAll("{ip}", safe).replaceAll("{actionId}", actionId));
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
    /** Exit 0 when the address is already blocked, e.g. "nft get element inet filter blocklist { {ip} }". */
    BLOCK_CHECK_COMMAND: template("BLOCK_CHECK_COMMAND").optional(),
    BLOCK_COMMAND_DRY_RUN: bool.default(false),
  },
  create(cfg, deps) {
    const exec = async (tpl: string, ip: string, actionId = "") => {
      const argv = commandArgv(tpl, ip, actionId);
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
        const r = await exec(cfg.BLOCK_COMMAND, req.parameters.ip, req.actionId);
        return { ref: { ip: validIp(req.parameters.ip), command: r.argv, dryRun: r.dryRun }, summary: `${r.dryRun ? "dry run, would run" : "ran"}: ${r.argv.join(" ")}` };
      },
      async find(req) {
        // A command has no idempotency key: without BLOCK_CHECK_COMMAND a resumed block runs again.
        if (!cfg.BLOCK_CHECK_COMMAND || cfg.BLOCK_COMMAND_DRY_RUN || req.parameters.action !== "BLOCK_IP") return null;
        const argv = commandArgv(cfg.BLOCK_CHECK_COMMAND, req.parameters.ip, req.actionId);
        try {
          await run(argv, deps.timeoutMs);
        } catch {
          return null; // not blocked (or the check failed): act
        }
        return { ref: { ip: validIp(req.parameters.ip), command: commandArgv(cfg.BLOCK_COMMAND, req.parameters.ip, req.actionId), dryRun: false }, summary: `already in place (${argv.join(" ")} found it)` };
      },
      async undo(ref) {
        if (cfg.BLOCK_UNDO_COMMAND && typeof ref.ip === "string") await exec(cfg.BLOCK_UNDO_COMMAND, ref.ip);
      },
      async check() {
        const found: string[] = [];
        for (const [variable, tpl] of [["BLOCK_COMMAND", cfg.BLOCK_COMMAND], ["BLOCK_UNDO_COMMAND", cfg.BLOCK_UNDO_COMMAND], ["BLOCK_CHECK_COMMAND", cfg.BLOCK_CHECK_COMMAND]] as const) {
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
