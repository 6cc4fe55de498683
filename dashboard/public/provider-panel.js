// @ts-check
// Enrichment providers' state (GET /api/providers, from the enricher's plugin; its full page is /providers): calls,
// cache hits, quota left, last error and backoff. Hidden when the route does not answer.
import { $, el, fmtTime, table } from "./dom.js";

export async function loadProviders() {
  const panel = $("providers-panel");
  let items;
  try {
    const r = await fetch("/api/providers", { headers: { accept: "application/json" } });
    if (!r.ok) { panel.hidden = true; return; }
    const data = await r.json();
    items = Array.isArray(data) ? data : Array.isArray(data.items) ? data.items : Array.isArray(data.providers) ? data.providers : null;
  } catch { panel.hidden = true; return; }
  if (!items) { panel.hidden = true; return; }
  panel.hidden = false;
  const rows = items.map((/** @type {any} */ p) => [
    el("span", { text: String(p.title || p.name || "?"), title: String(p.name ?? "") }),
    p.enabled ? "on" : "off",
    p.calls ?? "–", p.cacheHits ?? "–", p.quotaLeft ?? "–",
    p.skippedUntil ? `until ${fmtTime(p.skippedUntil)}${p.skipReason ? ` (${p.skipReason})` : ""}` : "–",
    el("span", { class: "wrap small", text: p.lastError ? String(p.lastError) : "–" }),
  ]);
  $("providers-body").replaceChildren(table(["Provider", "On", "Calls", "Cache hits", "Quota left", "Backing off", "Last error"], rows, "providers-table"));
}

export function initProviders() {
  void loadProviders();
  setInterval(() => { void loadProviders(); }, 30_000);
}
