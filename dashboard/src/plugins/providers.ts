// Enrichment provider state: GET /api/providers answers, per online provider, whether it is on,
// its calls, cache hits, quota left, last error (message; lastErrorAt its time) and until when it
// is skipped (skippedUntil, skipReason), summed over the
// enricher replicas (each writes its state to the enrichment-cache KV bucket; see
// agents/src/enricher/enrich/online/state.ts). GET /providers is a small self-contained page
// showing the same table; it renders text only, under the page's Content-Security-Policy.
import { Kvm, type KV } from "@nats-io/kv";
import type { FastifyInstance } from "fastify";
import { readProviderStates } from "@secops/agents/provider-states";
import type { PluginOptions } from "../context.js";
import { CONTENT_SECURITY_POLICY } from "./static.js";

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Enrichment providers</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/style.css"><script src="/providers.js" defer></script></head>
<body><main class="layout"><section class="panel" aria-labelledby="providers-heading" data-testid="providers-panel">
<h2 id="providers-heading">Enrichment providers</h2>
<p><a href="/">Back to the alerts</a>. Refreshed every 15 s; state is written by each enricher replica.</p>
<table><thead><tr><th>provider</th><th>enabled</th><th>calls</th><th>cache hits</th><th>quota left</th><th>last error</th><th>skipped until</th></tr></thead>
<tbody id="providers-rows"><tr><td colspan="7">loading…</td></tr></tbody></table>
</section></main></body></html>
`;

const SCRIPT = `"use strict";
// Text only: provider errors can quote what a remote API said.
async function refresh() {
  const body = document.getElementById("providers-rows");
  try {
    const res = await fetch("/api/providers");
    const rows = await res.json();
    body.replaceChildren();
    if (!rows.length) { const tr = body.insertRow(); const td = tr.insertCell(); td.colSpan = 7; td.textContent = "no enricher has reported yet"; return; }
    for (const p of rows) {
      const tr = body.insertRow();
      tr.dataset.provider = p.name;
      for (const v of [p.title || p.name, p.enabled ? "yes" : "no (no key)", p.calls, p.cacheHits, p.quotaLeft === null ? "-" : p.quotaLeft,
        p.lastError ? (p.lastErrorAt || "") + ": " + p.lastError : "-", p.skippedUntil ? p.skippedUntil + " (" + (p.skipReason || "") + ")" : "-"]) {
        tr.insertCell().textContent = String(v);
      }
    }
  } catch (e) {
    body.replaceChildren();
    const td = body.insertRow().insertCell(); td.colSpan = 7; td.textContent = "cannot read /api/providers: " + e.message;
  }
}
refresh();
setInterval(refresh, 15000);
`;

export default async function providers(app: FastifyInstance, { ctx }: PluginOptions): Promise<void> {
  let kv: KV | null = null;
  // The bucket is provisioned by `npm start` / the agents; open it on first use.
  const bucket = async () => (kv ??= await new Kvm(ctx.nc).open(ctx.topo.buckets.enrichmentCache));

  app.get("/api/providers", async (_req, reply) => {
    let states;
    try {
      states = await readProviderStates(await bucket(), new Date(), (bad) => app.log.warn({ err: bad.message }, "provider state record left out"));
    } catch (e) {
      kv = null;
      return reply.code(503).send({ error: `the enrichment-cache bucket cannot be read (${(e as Error).message}); is the pipeline provisioned?` });
    }
    // lastError is the message (a string), its time in lastErrorAt: what a page shows as it is.
    return states.map((s) => ({
      name: s.name, title: s.title, enabled: s.enabled, calls: s.calls, cacheHits: s.cacheHits, quotaLeft: s.quotaLeft,
      lastError: s.lastError?.message ?? null, lastErrorAt: s.lastError?.at ?? null, skippedUntil: s.skippedUntil, skipReason: s.skipReason,
      instances: s.instances, updatedAt: s.updatedAt,
    }));
  });

  const headers = { "content-security-policy": CONTENT_SECURITY_POLICY, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "x-frame-options": "DENY", "cache-control": "no-cache" };
  app.get("/providers", async (_req, reply) => reply.headers({ ...headers, "content-type": "text/html; charset=utf-8" }).send(PAGE));
  app.get("/providers.js", async (_req, reply) => reply.headers({ ...headers, "content-type": "text/javascript; charset=utf-8" }).send(SCRIPT));
}
