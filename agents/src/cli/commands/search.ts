// `secops search '<query>'`: the dashboard's search from a terminal. It asks the running
// dashboard (GET /api/search), so the CLI and the page answer from the same index with the
// same query language and nothing reads the whole stream twice; when no dashboard answers it
// says how to start one or where to point DASHBOARD_URL.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CliCommand } from "../command.js";
import { UsageError, parseOptions } from "../../shared/flags.js";

const USAGE = "secops search '<query>' [--json] [--sort <field>|-<field>] [--limit <n>] [--all] [--url <dashboard url>]";

interface Summary {
  alertId: string;
  sourceId: string | null;
  receivedAt: string;
  severity: string;
  severitySource: "analyst" | "vendor";
  stage: string;
  action: string | null;
  host: string | null;
  user: string | null;
  title: string;
  incidentId: string | null;
  undone: unknown;
}

interface Page {
  total: number;
  items: Summary[];
  next: string | null;
}

/** DASHBOARD_URL, else DASHBOARD_PORT, else the URL `npm start` wrote to DATA_DIR/dashboard-url (it moves off a taken 8080), else 8080. */
function dashboardUrl(env: NodeJS.ProcessEnv): string {
  if (env.DASHBOARD_URL) return env.DASHBOARD_URL;
  if (env.DASHBOARD_PORT) return `http://127.0.0.1:${env.DASHBOARD_PORT}`;
  try {
    const written = readFileSync(join(env.DATA_DIR || "data", "dashboard-url"), "utf8").trim();
    if (/^https?:\/\/\S+$/.test(written)) return written;
  } catch { /* not started by npm start here */ }
  return "http://127.0.0.1:8080";
}

function parseSearchArgs(argv: string[], env: NodeJS.ProcessEnv) {
  const { values, positionals } = parseOptions(argv, {
    json: { type: "boolean" }, all: { type: "boolean" }, sort: { type: "string" }, limit: { type: "string" }, url: { type: "string" },
  });
  const limit = values.limit ?? "50";
  if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > 500) throw new UsageError(`--limit ${limit}: expected a whole number from 1 to 500`);
  return {
    q: positionals, json: values.json ?? false, all: values.all ?? false, sort: values.sort ?? "-time", limit: Number(limit),
    url: values.url ?? dashboardUrl(env),
  };
}

/** Alert text is hostile: no terminal control characters reach the screen. */
const printable = (s: string) => [...s].map((c) => (c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127 ? " " : c)).join("");
const pad = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n));

export const command: CliCommand = {
  name: "search",
  summary: "find alerts by any entity: host:dc-01 ip:198.51.100.0/24 user:alice source:SEC-2026-0104 severity:>=high …",
  usage: `${USAGE}\n\nThe query language is the dashboard's: bare words match anywhere; field:value matches one field\n(host user ip ioc hash domain url email source id format category severity action status stage\nanalyst verdict vendor incident undone time); -field:value negates. It asks the running dashboard\n(DASHBOARD_URL, else the URL npm start wrote to DATA_DIR/dashboard-url, else http://127.0.0.1:8080); --all follows every page.`,
  async run(argv, io) {
    let o;
    try {
      o = parseSearchArgs(argv, io.env);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      io.err(`secops search: ${(e as Error).message}\nusage: ${USAGE}`);
      return 2;
    }
    const base = o.url.replace(/\/+$/, "");
    let cursor: string | null = null;
    let shown = 0;
    let total = 0;
    do {
      const u = new URL(`${base}/api/search`);
      u.searchParams.set("q", o.q.join(" "));
      u.searchParams.set("sort", o.sort);
      u.searchParams.set("limit", String(o.limit));
      u.searchParams.set("facets", "false");
      if (cursor) u.searchParams.set("cursor", cursor);
      let res: Response;
      try {
        res = await fetch(u, { signal: AbortSignal.timeout(10_000) });
      } catch (e) {
        io.err(`secops search: no dashboard answers at ${base} (${(e as Error).cause ? ((e as Error).cause as Error).message : (e as Error).message}); start the pipeline with npm start, or set DASHBOARD_URL`);
        return 1;
      }
      const body = (await res.json().catch(() => null)) as (Page & { message?: string }) | null;
      if (!res.ok || !body) {
        io.err(`secops search: ${body?.message ?? `the dashboard answered ${res.status}`}`);
        return res.status === 400 ? 2 : 1;
      }
      total = body.total;
      for (const s of body.items) {
        shown++;
        if (o.json) io.out(JSON.stringify(s));
        else {
          const sev = `${s.severity}${s.severitySource === "vendor" ? "(v)" : ""}`;
          io.out(`${s.receivedAt.slice(0, 19).replace("T", " ")}  ${pad(s.alertId, 27)} ${pad(s.sourceId ?? "-", 16)} ${pad(sev, 11)} ${pad(s.stage, 17)} ${pad(`${s.action ?? "-"}${s.undone ? " (undone)" : ""}`, 22)} ${pad(printable(s.host ?? "-"), 24)} ${pad(printable(s.user ?? "-"), 16)} ${printable(s.title).slice(0, 80)}`);
        }
      }
      cursor = o.all ? body.next : null;
    } while (cursor);
    if (!o.json && total === 0) io.err(`no alert matches ${JSON.stringify(o.q.join(" "))} (the dashboard keeps the newest DASHBOARD_MAX_ALERTS; \`secops search ''\` lists them)`);
    else if (!o.json) io.err(`${shown} of ${total} alert${total === 1 ? "" : "s"}${shown < total ? " (--all for every page, --limit for a bigger one)" : ""}; severity is the analyst's, (v) the vendor's`);
    return 0;
  },
};
