// @ts-check
/* global URLSearchParams, CSS */
// The alert table: one dense row per alert, answered by the server (/api/search) so it works the
// same over 10 or 100,000 alerts. The query box takes the search language (host:dc-01
// ip:198.51.100.0/24 …); facets add or remove a field:value; column headers sort; pages move
// by cursor. Keys: / focuses the search, j / k move, Enter opens the alert.
import { $, ACTION_LABEL, STAGE_LABEL, actionBadge, badge, el, fmtMs, fmtTime, pipeline, severityBadge } from "./dom.js";
import { FACET_FIELDS } from "./generated/contracts.js";

const PAGE = 50;
/** @type {Record<string, string>} */
const FACET_LABEL = { severity: "Severity", stage: "Stage", format: "Format", category: "Category", action: "Action", analyst: "Analyst", status: "Decision", vendor: "Source" };

const state = {
  q: "",
  sort: "time",
  order: /** @type {"asc" | "desc"} */ ("desc"),
  /** cursors of the pages before this one: [null, c1, c2, …] */
  cursors: /** @type {(string | null)[]} */ ([null]),
  next: /** @type {string | null} */ (null),
  total: 0,
  items: /** @type {any[]} */ ([]),
  selected: /** @type {string | null} */ (null),
  request: 0,
  /** @type {(id: string) => void} */
  onOpen: () => {},
  refreshTimer: /** @type {ReturnType<typeof setTimeout> | null} */ (null),
  error: "",
};

/** Today's alerts show the time only; older ones the date too. @param {string} iso */
function shortTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const time = d.toLocaleTimeString(undefined, { hour12: false });
  return d.toDateString() === new Date().toDateString() ? time : `${d.toLocaleDateString(undefined, { month: "2-digit", day: "2-digit" })} ${time}`;
}

/** @param {any} s */
function row(s) {
  const tr = el("tr", {
    class: `alert-row stage-${s.stage}${state.selected === s.alertId ? " selected" : ""}${s.undone ? " is-undone" : ""}`,
    testid: "alert-row",
    attrs: { "data-alert-id": s.alertId, "data-stage": s.stage, tabindex: -1, "aria-selected": String(state.selected === s.alertId) },
  });
  const title = el("td", { class: "col-title" }, el("span", { class: "title-text", text: s.title, testid: "alert-title" }));
  if (s.tainted) title.prepend(el("span", { class: "tainted", text: "⚠", testid: "tainted-marker", title: "The alert carried a prompt-injection attempt: no automatic action, no auto-close." }));
  if (s.incidentId) title.append(el("span", { class: "badge badge-incident", text: "incident", testid: "incident-chip", title: s.incidentId, attrs: { "data-incident-id": s.incidentId } }));
  if (s.dlqReason) title.append(el("div", { class: "row-error small", text: `dead-lettered: ${s.dlqReason}` }));
  const outcome = el("td", { class: "col-action" }, actionBadge(s.action));
  if (s.mode === "shadow") outcome.append(badge("shadow", "muted"));
  if (s.executionStatus) outcome.append(badge(s.executionStatus, `exec-${s.executionStatus}`, "execution-badge"));
  if (s.undone) outcome.append(el("span", { class: "badge badge-undone", text: "undone", testid: "undone-badge", title: `undone by ${s.undone.by} at ${fmtTime(s.undone.at)}` }));
  tr.append(
    el("td", { class: "col-time mono small", text: shortTime(s.receivedAt), title: fmtTime(s.receivedAt) }),
    el("td", { class: "col-sev" }, severityBadge(s.severity, s.severitySource)),
    title,
    el("td", { class: "col-host mono small wrap", text: s.host || "–", title: s.hostIp || "" }),
    el("td", { class: "col-user small wrap", text: s.user || "–" }),
    el("td", { class: "col-src mono small wrap", text: s.sourceId || "–", title: `${s.format} · ${s.category} · ${s.alertId}` }),
    el("td", { class: "col-stage" }, pipeline(s), el("span", { class: "stage-label small", text: STAGE_LABEL[/** @type {keyof typeof STAGE_LABEL} */ (s.stage)] || s.stage, testid: "stage-label" })),
    outcome,
    el("td", { class: "col-time-decision small", testid: "time-to-decision", text: fmtMs(s.machineMs), title: "the pipeline's own time, received → executed, without any wait for a person" }),
    el("td", { class: "col-wait small", testid: "time-waiting", text: s.waitMs === null || s.waitMs === undefined ? "–" : fmtMs(s.waitMs), title: "time the decision waited for a person to approve" }),
  );
  tr.addEventListener("click", () => { select(s.alertId); state.onOpen(s.alertId); });
  return tr;
}

function render() {
  const body = $("alert-list");
  body.replaceChildren(...state.items.map(row));
  const first = (state.cursors.length - 1) * PAGE;
  $("alert-list-empty").hidden = state.items.length > 0;
  $("alert-list-empty").textContent = state.error || (state.q ? `No alert matches ${state.q}.` : "No alerts yet. Publish one to alerts.raw.");
  $("page-info").textContent = state.total ? `${(first + 1).toLocaleString()}–${(first + state.items.length).toLocaleString()} of ${state.total.toLocaleString()}` : "0 alerts";
  /** @type {HTMLButtonElement} */ ($("page-prev")).disabled = state.cursors.length <= 1;
  /** @type {HTMLButtonElement} */ ($("page-next")).disabled = !state.next;
  for (const th of document.querySelectorAll("[data-sort]")) {
    const f = th.getAttribute("data-sort");
    th.setAttribute("aria-sort", f === state.sort ? (state.order === "asc" ? "ascending" : "descending") : "none");
  }
}

/** @param {Record<string, Record<string, number>>} facets */
function renderFacets(facets) {
  const groups = [];
  for (const f of FACET_FIELDS) {
    const counts = facets[f] || {};
    const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]).slice(0, 12);
    if (!entries.length) continue;
    const list = el("ul", { class: "facet-values" });
    for (const [value, n] of entries) {
      const term = value === "(none)" ? null : `${f}:${value}`;
      const on = term !== null && state.q.split(/\s+/).includes(term);
      const b = el("button", { class: `facet${on ? " active" : ""}`, testid: `facet-${f}-${value}`, attrs: { type: "button", "data-count": n, "aria-pressed": String(on) } },
        el("span", { class: "facet-value", text: f === "action" ? ACTION_LABEL[/** @type {keyof typeof ACTION_LABEL} */ (value)] || value : value.replace(/_/g, " ") }),
        el("span", { class: "facet-count", text: n.toLocaleString() }));
      if (term) b.addEventListener("click", () => toggleTerm(term));
      else b.disabled = true;
      list.append(el("li", null, b));
    }
    groups.push(el("div", { class: "facet-group", testid: `facet-group-${f}` }, el("h4", { text: FACET_LABEL[f] || f }), list));
  }
  $("facets").replaceChildren(...groups);
}

/** @param {string} term */
function toggleTerm(term) {
  const parts = state.q.split(/\s+/).filter(Boolean);
  const next = parts.includes(term) ? parts.filter((p) => p !== term) : [...parts, term];
  setQuery(next.join(" "));
}

/** @param {string} q */
export function setQuery(q) {
  state.q = q.trim();
  /** @type {HTMLInputElement} */ ($("alert-search")).value = state.q;
  state.cursors = [null];
  void load();
}

async function load() {
  const req = ++state.request;
  const cursor = state.cursors[state.cursors.length - 1];
  const u = new URLSearchParams({ q: state.q, sort: `${state.order === "desc" ? "-" : ""}${state.sort}`, limit: String(PAGE) });
  if (cursor) u.set("cursor", cursor);
  let r;
  let data;
  try {
    r = await fetch(`/api/search?${u}`, { headers: { accept: "application/json" } });
    data = await r.json();
  } catch (e) {
    if (req === state.request) { state.error = `Cannot search: ${e instanceof Error ? e.message : e}`; state.items = []; render(); }
    return;
  }
  if (req !== state.request) return;
  if (!r.ok) {
    state.error = data && data.message ? data.message : `HTTP ${r.status}`;
    state.items = [];
    state.total = 0;
    state.next = null;
    $("alert-search").setAttribute("aria-invalid", "true");
    render();
    return;
  }
  $("alert-search").removeAttribute("aria-invalid");
  state.error = "";
  state.items = data.items;
  state.total = data.total;
  state.next = data.next;
  $("search-took").textContent = `${data.tookMs} ms`;
  render();
  renderFacets(data.facets || {});
}

/** Re-reads the current page soon; many pushes in a burst cost one request. */
export function refreshSoon() {
  if (state.refreshTimer) return;
  state.refreshTimer = setTimeout(() => { state.refreshTimer = null; void load(); }, 700);
}

/** A live change: a visible row updates in place now; the page re-reads soon for order and counts. */
/** @param {any} s */
export function alertChanged(s) {
  const i = state.items.findIndex((x) => x.alertId === s.alertId);
  if (i >= 0 && state.items[i].seq <= s.seq) {
    state.items[i] = s;
    const old = document.querySelector(`[data-testid="alert-row"][data-alert-id="${CSS.escape(s.alertId)}"]`);
    const fresh = row(s);
    fresh.classList.add("flash");
    if (old) old.replaceWith(fresh);
  }
  refreshSoon();
}

/** @param {string} id */
export function select(id) {
  state.selected = id;
  for (const r of document.querySelectorAll('[data-testid="alert-row"]')) {
    const on = r.getAttribute("data-alert-id") === id;
    r.classList.toggle("selected", on);
    r.setAttribute("aria-selected", String(on));
  }
}

/** @param {number} delta */
function move(delta) {
  if (!state.items.length) return;
  const i = state.items.findIndex((x) => x.alertId === state.selected);
  const n = Math.max(0, Math.min(state.items.length - 1, i < 0 ? 0 : i + delta));
  const id = state.items[n].alertId;
  select(id);
  document.querySelector(`[data-testid="alert-row"][data-alert-id="${CSS.escape(id)}"]`)?.scrollIntoView({ block: "nearest" });
}

/** @param {{ onOpen: (id: string) => void }} o */
export function initTable(o) {
  state.onOpen = o.onOpen;
  const input = /** @type {HTMLInputElement} */ ($("alert-search"));
  let t = /** @type {ReturnType<typeof setTimeout> | undefined} */ (undefined);
  input.addEventListener("input", () => {
    clearTimeout(t);
    t = setTimeout(() => setQuery(input.value), 250);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { clearTimeout(t); setQuery(input.value); }
    if (e.key === "Escape") input.blur();
  });
  $("page-next").addEventListener("click", () => { if (state.next) { state.cursors.push(state.next); void load(); } });
  $("page-prev").addEventListener("click", () => { if (state.cursors.length > 1) { state.cursors.pop(); void load(); } });
  for (const th of document.querySelectorAll("[data-sort]")) {
    th.addEventListener("click", () => {
      const f = th.getAttribute("data-sort") || "time";
      if (state.sort === f) state.order = state.order === "desc" ? "asc" : "desc";
      else { state.sort = f; state.order = f === "title" || f === "host" ? "asc" : "desc"; }
      state.cursors = [null];
      void load();
    });
  }
  document.addEventListener("keydown", (e) => {
    const target = /** @type {HTMLElement} */ (e.target);
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable)) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "/") { e.preventDefault(); input.focus(); input.select(); }
    else if (e.key === "j") { e.preventDefault(); move(1); }
    else if (e.key === "k") { e.preventDefault(); move(-1); }
    else if (e.key === "Enter" && state.selected) { e.preventDefault(); state.onOpen(state.selected); }
  });
  void load();
}
