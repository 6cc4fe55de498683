// `npm run bench:dashboard [-- --alerts N]`: how fast the dashboard's search answers and how much
// memory its index takes, over N synthetic alerts (default 100,000). Printed, never asserted.
import { fileURLToPath } from "node:url";
import { SchemaIds, type ExecutedMessage } from "@secops/contracts";
import { AlertIndex } from "../feed/alert-index.js";
import { search } from "../feed/search.js";

const SEV = ["low", "medium", "high", "critical"] as const;

function message(n: number): ExecutedMessage {
  const t = new Date(Date.now() - (100_000 - n) * 1000).toISOString();
  const ip = `198.51.${(n >> 8) % 256}.${n % 256}`;
  return {
    schema: SchemaIds.executed, alertId: `al-${n.toString(16).padStart(24, "0")}`, traceId: "0".repeat(32),
    producer: { agent: "responder", version: "0", instance: "bench" },
    timestamps: { received: t, enriched: t, investigated: t, decided: t, executed: t },
    alert: {
      format: "wazuh", category: "authentication", severity: SEV[n % 4]!, severityOriginal: 7, title: `Brute force against host-${n % 500} from ${ip}`,
      description: "", time: t, source: { vendor: "Wazuh", product: null }, host: { name: `host-${n % 500}.corp.example.com`, ip: `10.0.${(n >> 8) % 256}.${n % 256}` },
      user: { name: `user-${n % 2000}` }, assets: [], mitre: [], tactics: [], sourceId: `SEC-${n}`, fingerprint: "0".repeat(64), context: {}, raw: null,
      iocs: [
        { type: "ip", value: ip, role: "source", internal: false, from: "field" },
        { type: "sha256", value: n.toString(16).padStart(64, "a"), role: null, internal: false, from: "text" },
      ],
    },
    enrichment: { indicators: [], asset: { name: null, criticality: "low", reason: "" }, summary: { malicious: 0, suspicious: 0, clean: 0, unknown: 0, externalIps: 1, internalIps: 1 }, providers: [], suppressed: null },
    investigation: {
      analyst: "rules", severity: SEV[(n + 1) % 4]!, confidence: 0.9, verdict: "true_positive", summary: "", reasoning: "", thinking: null, mitre: [], evidence: [],
      recommendedAction: "BLOCK_IP", recommendedTarget: ip, fallbackReason: "bench", injection: { detected: false, findings: [] }, llm: null,
    },
    decision: {
      action: "BLOCK_IP", parameters: { action: "BLOCK_IP", ip, durationHours: 24, reason: "bench" }, mode: "auto", status: "ready", proposedBy: "rules",
      proposed: { action: "BLOCK_IP", target: ip }, confidence: 0.9, reason: "bench", policy: { version: "bench", rules: [] }, tainted: false, approval: null,
    },
    execution: { actionId: `a-${n}`, action: "BLOCK_IP", status: "success", target: ip, connector: "kv:blocklist", summary: "", details: {}, undo: null, error: null },
  } as ExecutedMessage;
}

export function runSearchBench(alerts: number): { alerts: number; buildMs: number; heapMb: number; queries: { q: string; sort: string; total: number; ms: number }[] } {
  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  const started = performance.now();
  const index = new AlertIndex(alerts);
  for (let n = 0; n < alerts; n++) {
    const m = message(n);
    index.applyStage("executed", m, n + 1, m.timestamps.received);
  }
  const buildMs = performance.now() - started;
  search(index.summaries(), { q: "x", sort: "time", order: "desc", limit: 1, cursor: null, facets: false });
  globalThis.gc?.();
  const heapMb = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
  const cases: [string, "time" | "severity"][] = [
    ["", "time"], ["host:host-7", "time"], ["ip:198.51.3.0/24", "time"], ["user:user-42", "time"], ["source:SEC-4242", "time"],
    ["brute force host-3", "time"], ["severity:>=high -user:user-1", "severity"],
  ];
  const queries = cases.map(([q, sort]) => {
    search(index.summaries(), { q, sort, order: "desc", limit: 50, cursor: null, facets: true }); // warm the per-alert text cache
    const t = performance.now();
    const rounds = 5;
    let total = 0;
    for (let i = 0; i < rounds; i++) total = search(index.summaries(), { q, sort, order: "desc", limit: 50, cursor: null, facets: true }).total;
    return { q: q || "(everything)", sort, total, ms: Math.round(((performance.now() - t) / rounds) * 10) / 10 };
  });
  return { alerts, buildMs: Math.round(buildMs), heapMb: Math.round(heapMb), queries };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf("--alerts");
  const n = i > 0 ? Number(process.argv[i + 1]) : 100_000;
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000) {
    process.stderr.write("usage: npm run bench:dashboard -- [--alerts N]  (N from 1 to 1000000, default 100000)\n");
    process.exit(2);
  }
  const r = runSearchBench(n);
  process.stdout.write(`dashboard index: ${r.alerts} alerts built in ${r.buildMs} ms, ~${r.heapMb} MB of heap (summaries and their search text, after the first query)\n`);
  for (const q of r.queries) process.stdout.write(`  ${q.q.padEnd(32)} sort ${q.sort.padEnd(8)} ${String(q.total).padStart(7)} hits  ${q.ms} ms (facets included)\n`);
}
