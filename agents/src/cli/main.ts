// `secops <command>`: the pipeline's command-line verbs. Each command is one file in
// commands/ and one line below.
import type { CliCommand, CliIo } from "./command.js";

const COMMANDS: Record<string, () => Promise<CliCommand>> = {
  publish: async () => (await import("./commands/publish.js")).command,
  normalize: async () => (await import("./commands/normalize.js")).command,
  triage: async () => (await import("./commands/triage.js")).command,
  approve: async () => (await import("./commands/approve.js")).command,
  reject: async () => (await import("./commands/reject.js")).command,
  undo: async () => (await import("./commands/undo.js")).command,
  audit: async () => (await import("./commands/audit.js")).command,
  connectors: async () => (await import("./commands/connectors.js")).command,
  enrich: async () => (await import("./commands/enrich.js")).command,
  replay: async () => (await import("./commands/replay.js")).command,
  pause: async () => (await import("./commands/pause.js")).command,
  resume: async () => (await import("./commands/resume.js")).command,
  eval: async () => (await import("./commands/eval.js")).command,
  search: async () => (await import("./commands/search.js")).command,
};

export function processIo(): CliIo {
  // `secops … | head`: a reader that closed the pipe has what it wanted; stop quietly, as Unix tools do.
  process.stdout.once("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
  return {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
    env: process.env,
    cwd: process.cwd(),
  };
}

async function usage(io: CliIo): Promise<void> {
  io.err("usage: secops <command> [arguments]\n\ncommands:");
  for (const load of Object.values(COMMANDS)) {
    const c = await load();
    io.err(`  ${c.name.padEnd(10)} ${c.summary}`);
  }
  io.err("\napprove, reject, undo and audit take any id you see for an alert: the vendor's id (SEC-2026-0101),");
  io.err("al-…, APR-…, TKT-…/CLS-…/REV-… or the action id. --by defaults to SECOPS_USER, else $USER.");
  io.err("Commands that talk to the pipeline read NATS_URL (default nats://127.0.0.1:4222) and SECOPS_NAMESPACE.");
  io.err("\nsecops <command> --help shows a command's usage and examples.");
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    await usage(io);
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.err(`secops: unknown command "${name}" (accepted: ${Object.keys(COMMANDS).join(", ")})`);
    return 2;
  }
  const command = await load();
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(`usage: ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    io.err(`secops ${name}: ${(e as Error).message}`);
    return 1;
  }
}
