// The four agents as separate processes, as `npm start` runs them, so a scenario can SIGKILL one
// and start it again. Their stderr goes to a log file per agent in the run's folder.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const AGENTS = ["enricher", "investigator", "decider", "responder"] as const;
export type Agent = (typeof AGENTS)[number];

// agents/dist from both agents/dist/chaos (npm run chaos) and agents/src/chaos (vitest runs the source).
const DIST = fileURLToPath(new URL("../../dist/", import.meta.url));

export class AgentProcesses {
  readonly #procs = new Map<Agent, ChildProcess>();
  constructor(private readonly env: NodeJS.ProcessEnv, private readonly logDir: string) {}

  start(agent: Agent): void {
    const log = createWriteStream(join(this.logDir, `${agent}.log`), { flags: "a" });
    const child = spawn(process.execPath, [join(DIST, agent, "main.js")], { env: this.env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.#procs.set(agent, child);
  }

  startAll(): void { for (const a of AGENTS) this.start(a); }

  async kill(agent: Agent, signal: "SIGKILL" | "SIGTERM" = "SIGKILL"): Promise<void> {
    const c = this.#procs.get(agent);
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill(signal);
    await exited;
  }

  /** Agents that exited by themselves (a crash the scenario did not cause). */
  crashed(): Agent[] {
    return [...this.#procs.entries()].filter(([, c]) => c.exitCode !== null && c.signalCode === null).map(([a]) => a);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#procs.keys()].map(async (a) => {
      const c = this.#procs.get(a)!;
      if (c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once("exit", r));
      c.kill("SIGTERM");
      const t = setTimeout(() => c.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(t);
    }));
  }
}
