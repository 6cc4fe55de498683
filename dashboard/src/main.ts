// Process entry point of the dashboard: http://DASHBOARD_HOST:DASHBOARD_PORT (localhost:8080).
import { randomBytes } from "node:crypto";
import { agentEnv, exitOnConfigError, parseDashboardUsers, parseEnv, topologyOf } from "@secops/agents/runtime";
import { connectNats, createLogger } from "@secops/agents/runtime";
import { buildDashboard } from "./server.js";
import { settingsEnv, settingsFrom } from "./context.js";

const env = process.env;
// One parse of every variable the dashboard reads; a bad value stops it naming the variable.
const cfg = exitOnConfigError(() => parseEnv({ ...agentEnv, ...settingsEnv }, env));
const log = createLogger("dashboard", cfg.LOG_LEVEL);
let token = cfg.DASHBOARD_TOKEN;
if (!token) {
  token = randomBytes(24).toString("base64url");
  log.warn("DASHBOARD_TOKEN is not set: write endpoints use a one-time token printed below");
  process.stderr.write(`dashboard write token (this run only): ${token}\n`);
}
try {
  const nc = await connectNats(cfg, "dashboard", log);
  const users = cfg.DASHBOARD_USERS ? parseDashboardUsers(cfg.DASHBOARD_USERS) : undefined;
  if (users) log.info({ users: [...users.values()].map((u) => u.name) }, "write endpoints take per-person tokens (DASHBOARD_USERS)");
  const { app } = await buildDashboard({ nc, topo: topologyOf(cfg), log, token, users, env, settings: settingsFrom(cfg), bodyLimit: cfg.INGEST_MAX_BYTES });
  await app.listen({ host: cfg.DASHBOARD_HOST, port: cfg.DASHBOARD_PORT });
  log.info(`dashboard on http://${cfg.DASHBOARD_HOST}:${cfg.DASHBOARD_PORT}`);
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    process.once(sig, () => {
      setTimeout(() => process.exit(1), 10_000).unref();
      void (async () => {
        await app.close();
        await Promise.race([nc.drain().catch(() => {}), new Promise((r) => setTimeout(r, 3_000))]);
        process.exit(0);
      })();
    });
  }
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  if (err.code === "EADDRINUSE") {
    process.stderr.write(`dashboard: port ${cfg.DASHBOARD_PORT} on ${cfg.DASHBOARD_HOST} is in use; set DASHBOARD_PORT to a free port\n`);
    process.exit(2); // a configuration problem: restarting would not help
  } else {
    process.stderr.write(`dashboard: ${err.message}\n`);
  }
  process.exit(1);
}
