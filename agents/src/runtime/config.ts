// Configuration from environment variables, validated with zod at start. A bad value stops
// the process with a message naming the variable and what it accepts.
import { z } from "zod";
import { CidrList } from "../shared/network.js";
import { topology, type Topology } from "@secops/contracts";

const port = z.coerce.number({ error: "expected a TCP port number" }).int("expected a whole number").min(0, "expected 0-65535").max(65535, "expected 0-65535");
const positive = (what: string) => z.coerce.number({ error: `expected ${what}` }).positive(`expected ${what} greater than 0`);
const posInt = (what: string) => z.coerce.number({ error: `expected ${what}` }).int(`expected ${what} as a whole number`).positive(`expected ${what} greater than 0`);

export const natsEnv = {
  NATS_URL: z.string().min(1).default("nats://127.0.0.1:4222").describe("comma-separated NATS server URLs"),
  NATS_USER: z.string().optional(),
  NATS_PASSWORD: z.string().optional(),
  NATS_TOKEN: z.string().optional(),
  NATS_CREDS: z.string().optional().describe("path to a .creds file (JWT + nkey)"),
  DATA_DIR: z.string().default("data").describe("where npm start keeps the local nats-server, its credentials, keys and logs"),
  SECOPS_NAMESPACE: z.string().regex(/^[A-Za-z0-9_-]*$/, "expected letters, digits, '-' or '_'").default(""),
  STREAM_MAX_AGE_DAYS: positive("a number of days").default(30),
  STREAM_MAX_BYTES: z.coerce.number({ error: "expected a number of bytes" }).int().min(-1).default(-1),
  /** Unset: derived from the stages' worst case (provision.ts duplicateWindowSeconds). */
  STREAM_DUPLICATE_WINDOW_SECONDS: posInt("a number of seconds").optional(),
  STREAM_REPLICAS: z.coerce.number({ error: "expected 1, 3 or 5" }).refine((n) => [1, 3, 5].includes(n), "expected 1, 3 or 5").default(1),
};

export const agentEnv = {
  ...natsEnv,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  AGENT_CONCURRENCY: posInt("a number of messages").optional().describe("messages one replica handles at once"),
  HEALTH_HOST: z.string().default("127.0.0.1"),
  HEALTH_PORT: port.optional().describe("health and metrics endpoint; 0 picks a free port"),
  INSTANCE_ID: z.string().optional(),
  SHUTDOWN_TIMEOUT_SECONDS: positive("a number of seconds").default(25),
  INTERNAL_RANGES: CidrList.describe("extra internal CIDRs, comma-separated"),
  DATA_DIR: z.string().default("data"),
};

export const llmEnv = {
  LLM_API_URL: z.url({ protocol: /^https?$/, error: "expected an http(s) URL such as http://localhost:1234/v1" }).default("http://localhost:1234/v1"),
  LLM_API_KEY: z.string().default("not-needed"),
  LLM_MODEL_NAME: z.string().min(1).default("qwen3-8b"),
  LLM_TIMEOUT_SECONDS: positive("a number of seconds").default(60),
  LLM_THINKING: z.enum(["on", "off"], { error: "expected on or off" }).default("off"),
  LLM_CONCURRENCY: posInt("a number of requests").default(2).describe("requests in flight per replica at start; adapts between LLM_CONCURRENCY_MIN and LLM_CONCURRENCY_MAX"),
  LLM_CONCURRENCY_MIN: posInt("a number of requests").default(1),
  LLM_CONCURRENCY_MAX: posInt("a number of requests").default(16).describe("the most requests in flight per replica; set it equal to LLM_CONCURRENCY_MIN for a fixed number"),
  LLM_MAX_RETRIES: z.coerce.number({ error: "expected a number of retries" }).int().min(0).max(10).default(2),
  LLM_MAX_TOKENS: posInt("a number of tokens").optional()
    .describe("answer budget per call; default 1200 with thinking off, 8000 with thinking on (the trace counts)"),
  LLM_PRESENCE_PENALTY: z.coerce.number({ error: "expected a number from 0 to 2" }).min(0, "expected 0 to 2").max(2, "expected 0 to 2").default(0)
    .describe("Qwen3's card suggests up to 1.5 against repetition, especially for quantized models"),
  LLM_SERVER: z.enum(["auto", "lmstudio", "vllm", "llamacpp", "ollama"], { error: "expected auto, lmstudio, vllm, llamacpp or ollama" }).default("auto")
    .describe("which thinking switches to send; auto guesses Ollama from port 11434 and sends the switches the others honour"),
  LLM_MAX_WAIT_SECONDS: positive("a number of seconds").default(120)
    .describe("a low or medium alert that would wait longer than this for an LLM slot is decided by the rules analyst (LLM backlog); critical and high always wait"),
  LLM_BACKLOG_REVIEW: z.enum(["on", "off"], { error: "expected on or off" }).default("off")
    .describe("on: an alert decided by the rules analyst because of the LLM backlog is queued for the LLM to look at once the backlog is gone (alerts.investigated.review)"),
  LLM_REUSE_WINDOW_SECONDS: z.coerce.number({ error: "expected a number of seconds" }).int("expected a whole number of seconds").min(0, "expected 0 (off) or more seconds").default(900)
    .describe("a duplicate (same fingerprint) within this window reuses the first LLM investigation; 0 turns reuse off"),
  LLM_BREAKER_FAILURES: posInt("a number of consecutive failures").default(3),
  LLM_BREAKER_COOLDOWN_SECONDS: positive("a number of seconds").default(30),
  LLM_BREAKER_INVALID_ANSWERS: posInt("a number of consecutive invalid answers").default(3),
};

export const enricherEnv = {
  THREAT_INTEL_DIR: z.string().optional().describe("folder of local threat-intel feed files; default: the demo feed shipped in agents/intel"),
  ASSET_INVENTORY_FILE: z.string().optional().describe("JSON asset criticality rules"),
};

/** One person allowed to write on the dashboard. `roles` null means any role. */
export interface DashboardUser {
  name: string;
  roles: string[] | null;
}

/**
 * `DASHBOARD_USERS=alice:<token>:responder,bob:<token>:responder|lead`: one write token per
 * person, optionally with the roles they hold, so an approval's approver is who holds the token
 * (not a name anyone can type) and only holders of the policy's approval role may approve.
 */
export function parseDashboardUsers(value: string): Map<string, DashboardUser> {
  const users = new Map<string, DashboardUser>();
  for (const entry of value.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [rawName = "", rawToken = "", rawRoles, ...extra] = entry.split(":");
    const name = rawName.trim();
    const token = rawToken.trim();
    if (!entry.includes(":") || !/^[\w.@-]{1,128}$/.test(name) || extra.length > 0) {
      throw new Error(`"${entry.slice(0, 40)}": expected name:token or name:token:role|role, the name made of letters, digits, '.', '@', '-' or '_'`);
    }
    if (token.length < 16) throw new Error(`the token of ${name} is shorter than 16 characters`);
    if (users.has(token)) throw new Error(`${name} shares a token with ${users.get(token)!.name}; each person needs their own`);
    const roles = rawRoles === undefined ? null : rawRoles.split("|").map((r) => r.trim()).filter(Boolean);
    if (roles && (roles.length === 0 || roles.some((r) => !/^[\w.-]{1,64}$/.test(r)))) {
      throw new Error(`the roles of ${name} ("${rawRoles}") must be names separated by '|'`);
    }
    users.set(token, { name, roles });
  }
  if (users.size === 0) throw new Error("expected at least one name:token");
  return users;
}

export const dashboardEnv = {
  DASHBOARD_HOST: z.string().default("127.0.0.1"),
  DASHBOARD_PORT: port.default(8080),
  DASHBOARD_TOKEN: z.string().min(16, "expected at least 16 characters").optional()
    .describe("bearer token for write endpoints; generated into DATA_DIR when unset"),
  DASHBOARD_USERS: z.string().optional().superRefine((v, ctx) => {
    if (v === undefined) return;
    try { parseDashboardUsers(v); } catch (e) { ctx.addIssue({ code: "custom", message: (e as Error).message }); }
  }).describe("per-person write tokens: name:token[:role|role],..."),
  DASHBOARD_ALLOWED_ORIGINS: z.string().optional().superRefine((v, ctx) => {
    for (const o of (v ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
      if (!/^https?:\/\/[^/\s]+$/i.test(o)) ctx.addIssue({ code: "custom", message: `"${o.slice(0, 60)}" is not an origin; expected scheme://host[:port] such as https://soc.example.com` });
    }
  }).describe("other origins allowed to use the API and websocket (the dashboard's own always is)"),
  DASHBOARD_ALLOWED_HOSTS: z.string().optional().superRefine((v, ctx) => {
    for (const h of (v ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
      if (!/^[A-Za-z0-9.-]+$|^\[[0-9a-fA-F:]+\]$/.test(h)) ctx.addIssue({ code: "custom", message: `"${h.slice(0, 60)}" is not a host name; expected names such as soc.example.com (no scheme or port)` });
    }
  }).describe("Host header names the dashboard answers to besides the bound host and localhost"),
  DASHBOARD_READ_AUTH: z.enum(["off", "token", "users"], { error: "expected off, token or users" }).default("off")
    .describe("token or users: reading /api, /ws and /edl needs a token too"),
  INGEST_MAX_BYTES: posInt("a number of bytes").default(5 * 1024 * 1024),
  DASHBOARD_MAX_ALERTS: posInt("a number of alerts").max(1_000_000, "expected at most 1000000").default(20_000).describe("alerts the dashboard keeps in memory"),
  DASHBOARD_HISTORY_HOURS: z.coerce.number({ error: "expected a number of hours (0: no time bound)" }).min(0, "expected 0 (no time bound) or more hours").max(24 * 366, "expected at most 8784 hours (a year)").default(24)
    .describe("at start the dashboard reads the stream from this many hours ago, not the whole stream; 0 reads all it keeps"),
  DASHBOARD_HISTORY_MAX: z.coerce.number({ error: "expected a number of stream messages (0: no count bound)" }).int("expected a whole number of messages").min(0, "expected 0 (no count bound) or more messages").default(100_000)
    .describe("and at most this many of the newest stream messages (about 5 per alert); 0 has no count bound"),
};

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; value: string | undefined; message: string }[]) {
    super(
      "invalid configuration:\n" +
        problems.map((p) => `  ${p.variable}=${p.value === undefined ? "(unset)" : JSON.stringify(p.value)}: ${p.message}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Parses the given variables out of `env`; throws ConfigError naming every bad variable. */
export function parseEnv<S extends z.ZodRawShape>(shape: S, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodObject<S>> {
  // Empty strings mean "unset", as in most shells' `VAR= cmd`.
  const input: Record<string, string> = {};
  for (const key of Object.keys(shape)) {
    const v = env[key];
    if (v !== undefined && v !== "") input[key] = v;
  }
  const r = z.object(shape).safeParse(input);
  if (!r.success) {
    throw new ConfigError(
      r.error.issues.map((i) => {
        const variable = String(i.path[0] ?? "(config)");
        return { variable, value: input[variable], message: i.message };
      }),
    );
  }
  return r.data;
}

export type NatsConfig = z.infer<z.ZodObject<typeof natsEnv>>;
export type AgentConfig = z.infer<z.ZodObject<typeof agentEnv>>;
export type LlmConfig = z.infer<z.ZodObject<typeof llmEnv>>;
export type DashboardConfig = z.infer<z.ZodObject<typeof dashboardEnv>>;

export function topologyOf(cfg: { SECOPS_NAMESPACE: string }): Topology {
  return topology(cfg.SECOPS_NAMESPACE);
}

/** Runs `fn`, and on a ConfigError prints it and exits 2: a bad config value stops the process. */
export function exitOnConfigError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}
