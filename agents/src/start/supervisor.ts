// Runs each agent and the dashboard as its own process (as in production, where each scales
// on its own), writes their logs to data/logs, and restarts one that dies unexpectedly. One
// that cannot run (bad configuration, or five crashes in a minute) is reported through
// onFatal, so the launcher stops everything instead of running without it.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";

export interface ServiceSpec {
  name: string;
  entry: string;
  env: NodeJS.ProcessEnv;
  /** Node options before the entry (the bench's --cpu-prof, which NODE_OPTIONS does not allow). */
  execArgv?: string[];
}

export class Supervisor {
  readonly #children = new Map<string, ChildProcess>();
  readonly #restarts = new Map<string, number[]>();
  #stopping = false;
  readonly #killAll = () => {
    for (const c of this.#children.values()) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  };

  constructor(
    private readonly logDir: string,
    private readonly say: (line: string) => void,
    private readonly onFatal: (name: string, why: string) => void = () => {},
  ) {
    mkdirSync(logDir, { recursive: true });
    // Never leave orphans: whatever ends the launcher ends its children.
    process.once("exit", this.#killAll);
  }

  start(spec: ServiceSpec): void {
    const log = createWriteStream(join(this.logDir, `${spec.name}.log`), { flags: "a" });
    const child = spawn(process.execPath, [...(spec.execArgv ?? []), spec.entry], { env: spec.env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.pipe(log, { end: false });
    // Config errors and crashes are printed to stderr: show them to the person at the terminal too.
    child.stderr?.on("data", (d: Buffer) => {
      log.write(d);
      for (const line of d.toString().split("\n").filter(Boolean)) this.say(`  [${spec.name}] ${line}`);
    });
    this.#children.set(spec.name, child);
    // "close" comes after the last stdout/stderr chunk; "exit" may come before it.
    child.once("close", () => log.end());
    child.once("exit", (code, signal) => {
      if (this.#stopping) return;
      const now = Date.now();
      const recent = (this.#restarts.get(spec.name) ?? []).filter((t) => now - t < 60_000);
      if (code === 2) {
        this.say(`${spec.name} stopped: bad configuration (see above); not restarting`);
        this.onFatal(spec.name, "bad configuration");
        return;
      }
      if (recent.length >= 5) {
        this.say(`${spec.name} exited (${signal ?? code}) 5 times within a minute; giving up - see ${join(this.logDir, spec.name + ".log")}`);
        this.onFatal(spec.name, "it keeps crashing");
        return;
      }
      this.#restarts.set(spec.name, [...recent, now]);
      this.say(`${spec.name} exited (${signal ?? code}); restarting`);
      setTimeout(() => !this.#stopping && this.start(spec), 1_000);
    });
  }

  /** The process id of the service's current process (the bench reads its memory), or undefined. */
  pid(name: string): number | undefined {
    return this.#children.get(name)?.pid;
  }

  /** How many times a service was restarted after it died. */
  restarts(name: string): number {
    return this.#restarts.get(name)?.length ?? 0;
  }

  /** True while the service runs (or is about to be restarted). */
  running(name: string): boolean {
    const c = this.#children.get(name);
    return c !== undefined && c.exitCode === null && c.signalCode === null;
  }

  /** SIGTERM to every child; whichever has not exited after timeoutMs is killed. */
  async stopAll(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    const waits = [...this.#children.values()].filter((c) => c.exitCode === null && c.signalCode === null).map((c) => new Promise<void>((resolve) => {
      const t = setTimeout(() => { c.kill("SIGKILL"); resolve(); }, timeoutMs);
      c.once("exit", () => { clearTimeout(t); resolve(); });
      c.kill("SIGTERM");
    }));
    await Promise.all(waits);
    // All are gone: a process that runs several supervisors one after another (the bench) keeps no listener per supervisor.
    process.off("exit", this.#killAll);
  }
}
