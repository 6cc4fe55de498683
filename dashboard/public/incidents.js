// @ts-check
// Incidents: related alerts the correlator grouped (alerts.incidents). The panel lists the open
// ones, highest severity first; the view shows alerts, entities, actions and the timeline, and
// merges or splits by hand through the write API.
import { $, actionBadge, el, fmtTime, section, severityBadge, table } from "./dom.js";
import { SEVERITY_RANK } from "./generated/contracts.js";

/** @typedef {(url: string, body: unknown) => Promise<{ ok: boolean, status: number, data: any, message: string }>} WriteCall */

const deps = {
  /** @type {WriteCall} */
  write: async () => ({ ok: false, status: 0, data: null, message: "not ready" }),
  /** @type {(id: string) => void} */
  openAlert: () => {},
  /** @type {(nodes: Node[], incidentId: string) => void} */
  show: () => {},
};
let timer = /** @type {ReturnType<typeof setTimeout> | null} */ (null);
let shown = /** @type {string | null} */ (null);

export function refreshIncidentsSoon() {
  if (timer) return;
  timer = setTimeout(() => { timer = null; void loadIncidents(); if (shown) void openIncident(shown); }, 800);
}

export async function loadIncidents() {
  let data;
  try {
    const r = await fetch("/api/incidents?limit=200");
    if (!r.ok) return;
    data = await r.json();
  } catch { return; }
  const items = /** @type {any[]} */ (data.items || []).sort((a, b) =>
    (SEVERITY_RANK[/** @type {keyof typeof SEVERITY_RANK} */ (b.severity)] ?? 0) - (SEVERITY_RANK[/** @type {keyof typeof SEVERITY_RANK} */ (a.severity)] ?? 0) || b.lastSeen.localeCompare(a.lastSeen));
  $("incident-list").replaceChildren(...items.slice(0, 100).map((i) => {
    const li = el("li", { class: "queue-item", testid: "incident-item", attrs: { "data-incident-id": i.incidentId, "data-severity": i.severity, "data-alerts": i.alerts.length, tabindex: 0, role: "button" } },
      severityBadge(i.severity),
      el("span", { class: "queue-title", text: i.title }),
      el("span", { class: "small", text: `${i.alerts.length} alerts` }),
      el("span", { class: "small muted", text: i.entities.slice(0, 3).map((/** @type {any} */ e) => `${e.type} ${e.value}`).join(" · ") }));
    li.addEventListener("click", () => { void openIncident(i.incidentId); });
    li.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); void openIncident(i.incidentId); } });
    return li;
  }));
  $("incident-empty").hidden = items.length > 0;
  $("incident-count").textContent = items.length ? String(items.length) : "";
}

/** @param {string} id @param {string} [note] what the last merge or split said */
export async function openIncident(id, note) {
  let r;
  let data;
  try {
    r = await fetch(`/api/incidents/${encodeURIComponent(id)}`);
    data = await r.json();
  } catch { return; }
  shown = id;
  if (!r.ok) { deps.show([el("p", { class: "empty", text: data && data.message ? data.message : `HTTP ${r.status}` })], id); return; }
  deps.show(render(data.incident, note), id);
}

/** @param {any} inc @param {string} [note] */
function render(inc, note) {
  const result = el("div", { class: "write-result small", testid: "incident-result", text: note || "", attrs: { role: "status", "aria-live": "polite" } });
  /** @type {Set<string>} */
  const picked = new Set();
  const rows = inc.alerts.map((/** @type {any} */ a) => {
    const box = /** @type {HTMLInputElement} */ (el("input", { attrs: { type: "checkbox", "aria-label": `pick ${a.alertId}`, "data-alert-id": a.alertId }, testid: "incident-pick" }));
    box.addEventListener("change", () => { if (box.checked) picked.add(a.alertId); else picked.delete(a.alertId); });
    const link = el("button", { class: "btn-link mono", text: a.alertId, attrs: { type: "button" } });
    link.addEventListener("click", () => deps.openAlert(a.alertId));
    return [box, fmtTime(a.at), severityBadge(a.severity, a.severitySource), link, a.sourceId, el("span", { class: "wrap", text: a.title }), actionBadge(a.action), a.rule];
  });
  const mergeInput = /** @type {HTMLInputElement} */ (el("input", { class: "token-input", testid: "merge-input", attrs: { placeholder: "inc-… (comma-separated)", "aria-label": "incidents to merge into this one" } }));
  const mergeBtn = el("button", { class: "btn", text: "Merge into this", testid: "merge-button", attrs: { type: "button" } });
  const splitBtn = el("button", { class: "btn", text: "Split picked alerts off", testid: "split-button", attrs: { type: "button" } });
  const run = async (/** @type {string} */ url, /** @type {unknown} */ body) => {
    const r = await deps.write(url, body);
    result.textContent = r.ok ? "Done." : r.message;
    result.setAttribute("data-kind", r.ok ? "ok" : "bad");
    if (r.ok) {
      void loadIncidents();
      const first = r.data && r.data.incidents && r.data.incidents[0];
      const made = r.data && r.data.incidents ? r.data.incidents.map((/** @type {any} */ i) => i.incidentId).join(", ") : "";
      if (first) void openIncident(first.incidentId, `Done: ${made}.`);
    }
  };
  mergeBtn.addEventListener("click", () => {
    const ids = mergeInput.value.split(/[\s,]+/).filter(Boolean);
    if (!ids.length) { result.textContent = "Name the incidents to merge in (inc-…)."; return; }
    void run(`/api/incidents/${encodeURIComponent(inc.incidentId)}/merge`, { incidents: ids });
  });
  splitBtn.addEventListener("click", () => {
    if (!picked.size) { result.textContent = "Pick the alerts to split off first."; return; }
    void run(`/api/incidents/${encodeURIComponent(inc.incidentId)}/split`, { alertIds: [...picked] });
  });
  return [
    el("div", { class: "details-head", testid: "incident-view", attrs: { "data-incident-id": inc.incidentId } },
      el("h2", { class: "details-title", text: inc.title, testid: "incident-title" }),
      el("div", { class: "details-badges" }, el("span", { testid: "incident-severity", attrs: { "data-severity": inc.severity } }, severityBadge(inc.severity)),
        el("span", { class: "badge badge-muted", text: inc.status === "merged" ? `merged into ${inc.mergedInto}` : "open" }),
        el("span", { class: "small muted", text: `${inc.alerts.length} alerts · ${fmtTime(inc.firstSeen)} → ${fmtTime(inc.lastSeen)}` })),
      el("div", { class: "mono small muted", text: inc.incidentId })),
    section("Alerts", "incident-alerts", table(["", "Time", "Severity", "Alert", "Source id", "Title", "Action", "Rule"], rows, "incident-alert-table")),
    section("Entities", "incident-entities", table(["Type", "Value", "Alerts"], inc.entities.map((/** @type {any} */ e) => [e.type, el("span", { class: "mono wrap", text: e.value }), e.alerts]))),
    section("Actions", "incident-actions", inc.actions.length ? el("div", { class: "details-badges" }, ...inc.actions.map((/** @type {any} */ a) => el("span", null, actionBadge(a.action), ` × ${a.alerts}`))) : el("p", { class: "muted", text: "No action yet." })),
    section("Timeline", "incident-timeline", el("ol", { class: "history small" }, ...inc.timeline.slice(-200).reverse().map((/** @type {any} */ t) => el("li", { text: `${fmtTime(t.at)} · ${t.text}${t.by ? ` (${t.by})` : ""}` })))),
    section("Merge or split by hand", "incident-edit", el("div", { class: "write-buttons" }, mergeInput, mergeBtn, splitBtn), result),
  ];
}

/** @param {{ write: WriteCall, openAlert: (id: string) => void, show: (nodes: Node[], incidentId: string) => void }} o */
export function initIncidents(o) {
  deps.write = o.write;
  deps.openAlert = o.openAlert;
  deps.show = o.show;
  void loadIncidents();
}

/** Forgets which incident is shown (an alert took the details panel). */
export function incidentClosed() {
  shown = null;
}
