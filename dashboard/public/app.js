// @ts-check
/* global CSS */
// SecOps Triage dashboard: the page's entry module. Alert content is attacker-controlled: every
// node is built with document.createElement (dom.js) and every text goes through textContent,
// never through markup. No URL attribute (href, src) is ever set from alert data.
import {
  $, ACTION_LABEL, ALERT_ID, STAGE_LABEL, actionBadge, badge, confidenceBar, el, facts, fmtMs, fmtTime, para, pct, pipeline, section, severityBadge, table,
} from "./dom.js";
import { jsonView } from "./json-view.js";
import { alertChanged, initTable, select as selectRow, refreshSoon } from "./table.js";
import { initFunnel, refreshFunnelSoon } from "./funnel.js";
import { incidentClosed, initIncidents, openIncident, refreshIncidentsSoon } from "./incidents.js";
import { initTheme } from "./theme.js";
import { initProviders } from "./provider-panel.js";

const state = {
  dlq: /** @type {any[]} */ ([]),
  selected: /** @type {string | null} */ (null),
  detailsRequest: 0,
};

// ---- counters -----------------------------------------------------------------------

function renderStats(st) {
  if (!st) return;
  $("stat-received").textContent = String(st.raw ? st.raw.received : 0);
  $("stat-inflight").textContent = String(st.inFlight);
  $("stat-awaiting").textContent = String(st.awaitingApproval);
  $("stat-executed").textContent = String(st.executed);
  $("stat-failed").textContent = String(st.failed);
  $("stat-dlq").textContent = String(st.dlq);
  const total = st.analyst.llm + st.analyst.rules;
  $("stat-analyst").textContent = total ? `${Math.round((st.analyst.llm / total) * 100)}% / ${Math.round((st.analyst.rules / total) * 100)}%` : "–";
  $("stat-analyst").title = `${st.analyst.llm} by the LLM, ${st.analyst.rules} by the rules analyst`;
  // The pipeline's own time and the wait for a person, apart: one approval must not turn 1 s into 2 min.
  const m = st.machineMs || st.latencyMs;
  $("stat-latency").textContent = m.samples ? `${fmtMs(m.avg)} / ${fmtMs(m.p95)}` : "–";
  $("stat-latency").title = "received → executed, without the time decisions waited for a person";
  $("stat-wait").textContent = st.waitMs && st.waitMs.samples ? `${fmtMs(st.waitMs.avg)} (${st.waitMs.samples})` : "–";
  $("stat-undone").textContent = String(st.undone ?? 0);
  $("stat-incidents").textContent = String(st.incidents ?? 0);
}

// ---- dead letters -------------------------------------------------------------------

function dlqItem(e) {
  const excerpt = el("details", { class: "excerpt" },
    el("summary", { text: `original (${e.original.encoding}, ${e.original.bytes} bytes${e.original.truncated ? ", first 2 KB" : ""})` }),
    el("pre", { class: "mono", text: e.original.excerpt }));
  const errors = e.errors.length
    ? el("ul", { class: "errors small" }, ...e.errors.slice(0, 10).map((x) => el("li", null, el("span", { class: "mono", text: x.path }), ` ${x.message}`)))
    : null;
  return el("li", { class: "dlq-item", testid: "dlq-item" },
    el("div", { class: "dlq-head" },
      badge(e.stage, "muted"),
      el("span", { class: "small muted", text: fmtTime(e.time) }),
      e.alertId ? el("span", { class: "mono small", text: e.alertId }) : null),
    el("div", { class: "dlq-reason", text: e.reason, testid: "dlq-reason" }),
    e.tried.length ? el("div", { class: "small muted", text: `tried: ${e.tried.join(", ")}` }) : null,
    errors, excerpt);
}

function renderDlq() {
  const list = $("dlq-list");
  list.replaceChildren(...state.dlq.slice(0, 100).map(dlqItem));
  $("dlq-empty").hidden = state.dlq.length > 0;
}

function addDlq(entry) {
  if (state.dlq.some((d) => d.seq === entry.seq)) return;
  state.dlq.unshift(entry);
  state.dlq.sort((a, b) => b.seq - a.seq);
  state.dlq.length = Math.min(state.dlq.length, 200);
  renderDlq();
}

// ---- details ------------------------------------------------------------------------

function select(alertId) {
  if (!ALERT_ID.test(alertId)) return;
  state.selected = alertId;
  selectRow(alertId);
  incidentClosed();
  if (location.hash !== `#alert=${alertId}`) window.history.replaceState(null, "", `#alert=${alertId}`);
  loadDetails(alertId);
}

async function loadDetails(alertId) {
  const body = $("alert-details-body");
  const req = ++state.detailsRequest;
  if (!body.firstChild || body.getAttribute("data-alert-id") !== alertId) {
    body.replaceChildren(el("p", { class: "empty", text: "Loading…" }));
  }
  try {
    const res = await fetch(`/api/alerts/${encodeURIComponent(alertId)}`, { headers: { accept: "application/json" } });
    const data = await res.json();
    if (req !== state.detailsRequest) return;
    if (!res.ok) {
      body.replaceChildren(el("p", { class: "empty", text: data && data.message ? data.message : `HTTP ${res.status}` }));
      return;
    }
    body.setAttribute("data-alert-id", alertId);
    body.replaceChildren(...renderDetails(data));
  } catch (err) {
    if (req === state.detailsRequest) body.replaceChildren(el("p", { class: "empty", text: `Cannot load the alert: ${err && err.message ? err.message : err}` }));
  }
}

function renderDetails(data) {
  const m = data.messages || {};
  const latest = m.executed || (m.decided && m.decided[m.decided.length - 1]) || m.investigated || m.enriched;
  const s = data.summary;
  const out = [];
  const head = el("div", { class: "details-head" },
    el("h2", { class: "details-title", text: s.title, testid: "details-title" }),
    el("div", { class: "details-badges" }, severityBadge(s.severity, s.severitySource), actionBadge(s.action),
      s.undone ? el("span", { class: "badge badge-undone", text: "undone", testid: "details-undone" }) : null,
      s.incidentId ? incidentLink(s.incidentId) : null,
      el("span", { class: "badge badge-muted", text: STAGE_LABEL[s.stage] || s.stage, testid: "details-stage" }),
      s.tainted ? el("span", { class: "tainted", text: "⚠ prompt injection", testid: "details-tainted" }) : null),
    el("div", { class: "mono small muted", text: `${s.alertId}` }),
    pipeline(s));
  out.push(head);
  if (s.dlqReason) out.push(el("div", { class: "callout callout-bad", text: `Dead-lettered: ${s.dlqReason}` }));
  if (!latest) {
    out.push(el("p", { class: "empty", text: "The stream no longer holds this alert's messages (retention)." }));
    return out;
  }
  out.push(alertSection(latest.alert));
  out.push(enrichmentSection(latest.enrichment));
  const inv = (m.executed || m.decided?.[m.decided.length - 1] || m.investigated || {}).investigation;
  if (inv) out.push(analysisSection(inv));
  if (m.decided && m.decided.length) out.push(decisionSection(m.decided));
  if (m.executed) out.push(executionSection(m.executed.execution, s));
  out.push(section("Raw alert", "section-raw", jsonView(latest.alert.raw, "The alert as it came", "raw-json"),
    jsonView(latest, "The whole stage message", "stage-json")));
  return out;
}

function alertSection(a) {
  const sev = a.severityOriginal !== null && a.severityOriginal !== undefined ? `${a.severity} (original: ${a.severityOriginal})` : a.severity;
  const contextPairs = Object.entries(a.context || {}).slice(0, 40).map(([k, v]) => [k, v]);
  const iocs = (a.iocs || []).map((i) => [
    el("span", { class: "mono", text: i.type }),
    el("span", { class: "mono wrap", text: i.value }),
    i.role, i.type === "ip" ? (i.internal ? "internal" : "external") : "–", i.from + (i.path ? ` (${i.path})` : ""),
  ]);
  return section("Alert", "section-alert",
    facts([
      ["Format", a.format], ["Category", a.category.replace(/_/g, " ")], ["Vendor's severity", sev], ["Time", fmtTime(a.time)],
      ["Source", [a.source.vendor, a.source.product].filter(Boolean).join(" ") || null],
      ["Host", [a.host.name, a.host.ip].filter(Boolean).join(" · ") || null], ["User", a.user.name],
      ["Assets", a.assets], ["MITRE", a.mitre], ["Tactics", a.tactics], ["Source id", a.sourceId],
    ], "alert-facts"),
    el("h4", { text: "Description" }),
    para(a.description, "prose", "alert-description"),
    iocs.length ? el("h4", { text: `Indicators (${iocs.length})` }) : null,
    iocs.length ? table(["Type", "Value", "Role", "Internal", "Found in"], iocs, "ioc-table") : el("p", { class: "muted", text: "No indicators extracted." }),
    contextPairs.length ? el("h4", { text: "Context" }) : null,
    contextPairs.length ? facts(contextPairs, "alert-context") : null);
}

function verdictBadge(v) {
  return badge(v, `rep-${v}`);
}

function enrichmentSection(e) {
  if (!e) return section("Enrichment", "section-enrichment", para("Not enriched yet."));
  const rows = e.indicators.map((i) => [
    el("span", { class: "mono wrap", text: `${i.value}` }), verdictBadge(i.verdict),
    i.sources.map((src) => `${src.name}: ${src.verdict}${src.detail ? ` (${src.detail})` : ""}`).join("; ") || "–",
    i.tags, i.geo ? [i.geo.country, i.geo.asn ? `AS${i.geo.asn}` : null, i.geo.org].filter(Boolean).join(" · ") : "–",
  ]);
  const sm = e.summary;
  return section("Enrichment", "section-enrichment",
    facts([
      ["Asset", `${e.asset.name || "–"} · ${e.asset.criticality} criticality (${e.asset.reason})`],
      ["Verdicts", `${sm.malicious} malicious · ${sm.suspicious} suspicious · ${sm.clean} clean · ${sm.unknown} unknown`],
      ["IPs", `${sm.externalIps} external · ${sm.internalIps} internal`], ["Providers", e.providers],
      ["Suppressed", e.suppressed ? `by ${e.suppressed.by}: ${e.suppressed.reason}` : null],
    ]),
    rows.length ? table(["Indicator", "Verdict", "Sources", "Tags", "Geo"], rows, "enrichment-table") : para("No indicators to enrich.", "muted"));
}

function analysisSection(inv) {
  const who = inv.analyst === "rules"
    ? el("div", { class: "callout callout-warn", testid: "analyst-label", text: `rules analyst (fallback): ${inv.fallbackReason || "no reason given"}` })
    : el("div", { class: "callout callout-info", testid: "analyst-label", text: `LLM analyst${inv.llm ? `: ${inv.llm.model}` : ""}` });
  const parts = [who];
  // Whose LLM work this is, when no call was made for this alert alone.
  const cov = inv.coveredBy;
  if (cov) {
    parts.push(el("div", { class: "callout callout-info", testid: "analysis-covered", text: cov.kind === "batch"
      ? `Investigated in one LLM call with ${cov.alertIds.length - 1} other new alert${cov.alertIds.length === 2 ? "" : "s"} of incident ${cov.incidentId}, with its own answer.`
      : `Covered by incident ${cov.incidentId}'s investigation (of ${cov.alertIds[0]}, ${fmtTime(cov.investigatedAt)}): no new entity, no higher severity, no LLM call.` }));
  } else if (inv.reusedFrom) {
    parts.push(el("div", { class: "callout callout-info", testid: "analysis-covered", text: `Duplicate of ${inv.reusedFrom.alertId}: its LLM investigation (${fmtTime(inv.reusedFrom.investigatedAt)}) is reused, no LLM call.` }));
  }
  if (inv.injection && inv.injection.detected) {
    parts.push(el("div", { class: "callout callout-bad", testid: "injection-findings" },
      el("strong", { text: "Prompt-injection attempt in the alert" }),
      table(["Field", "Kind", "Excerpt"], inv.injection.findings.map((f) => [el("span", { class: "mono", text: f.path }), f.kind.replace(/_/g, " "), el("span", { class: "mono wrap", text: f.excerpt })]))));
  }
  parts.push(facts([
    ["Verdict", inv.verdict.replace(/_/g, " ")], ["Analyst's severity", inv.severity], ["Confidence", confidenceBar(inv.confidence)],
    ["Recommended", inv.recommendedAction ? `${ACTION_LABEL[inv.recommendedAction] || inv.recommendedAction}${inv.recommendedTarget ? ` → ${inv.recommendedTarget}` : ""}` : null],
    ["MITRE", inv.mitre],
  ], "analysis-facts"));
  parts.push(el("h4", { text: "Summary" }), para(inv.summary, "prose", "analysis-summary"));
  parts.push(el("h4", { text: "Reasoning" }), para(inv.reasoning, "prose", "analysis-reasoning"));
  if (inv.evidence && inv.evidence.length) parts.push(el("h4", { text: "Evidence" }), el("ul", { class: "evidence" }, ...inv.evidence.map((x) => el("li", { text: x }))));
  if (inv.thinking) {
    parts.push(el("details", { class: "thinking", testid: "analysis-thinking" },
      el("summary", { text: `Model thinking (${inv.thinking.length.toLocaleString()} characters)` }),
      el("pre", { class: "prose mono", text: inv.thinking })));
  }
  if (inv.llm) {
    const l = inv.llm;
    parts.push(facts([
      ["Model", l.model], ["Prompt", `${l.promptVersion} · thinking ${l.thinkingMode}`],
      ["Tokens", `${l.promptTokens ?? "?"} prompt · ${l.completionTokens ?? "?"} completion`],
      ["Latency", `${fmtMs(l.latencyMs)} · ${l.attempts} attempt${l.attempts === 1 ? "" : "s"}${l.repaired ? " · output repaired" : ""}`],
    ], "llm-facts"));
  }
  return section("Analysis", "section-analysis", ...parts);
}

function parameterFacts(p) {
  return facts(Object.entries(p).filter(([k]) => k !== "action").map(([k, v]) => [k, v]), "decision-parameters");
}

function decisionSection(decided) {
  const d = decided[decided.length - 1].decision;
  const parts = [
    facts([
      ["Action", actionBadge(d.action)], ["Mode", d.mode], ["Status", badge(d.status.replace(/_/g, " "), `status-${d.status}`, "decision-status")],
      ["Proposed by", d.proposedBy],
      ["Analyst proposed", d.proposed.action ? `${d.proposed.action}${d.proposed.target ? ` → ${d.proposed.target}` : ""}` : null],
      ["Confidence", pct(d.confidence)], ["Tainted", d.tainted ? "yes: no automatic action" : "no"],
    ], "decision-facts"),
    el("h4", { text: "Reason" }), para(d.reason, "prose", "decision-reason"),
    el("h4", { text: "Parameters" }), parameterFacts(d.parameters),
    el("h4", { text: `Policy ${d.policy.version}` }),
    d.policy.rules.length
      ? table(["Rule", "Effect", "Reason"], d.policy.rules.map((r) => [el("span", { class: "mono", text: r.rule }), badge(r.effect.replace(/_/g, " "), `eff-${r.effect}`), r.reason]), "policy-rules")
      : para("No policy rule applied.", "muted"),
  ];
  // While it waits, the live record (approvers so far, Approve / Reject) replaces the snapshot the decider published.
  if (d.status === "awaiting_approval" && d.approval) {
    parts.push(approvalBox(d.approval.id));
  } else if (d.approval) {
    const a = d.approval;
    parts.push(el("h4", { text: "Approval" }), facts([
      ["Id", a.id], ["Digest", el("span", { class: "mono wrap", text: a.digest })], ["Required role", a.requiredRole],
      ["Approvers", `${a.approvers.length} of ${a.approversRequired}`], ["Expires", fmtTime(a.expiresAt)],
      ["Approved by", a.approvers.map((x) => `${x.by} at ${fmtTime(x.at)}${x.comment ? ` (“${x.comment}”)` : ""}`)],
      ["Rejected by", a.rejectedBy ? `${a.rejectedBy.by} at ${fmtTime(a.rejectedBy.at)}${a.rejectedBy.comment ? ` (“${a.rejectedBy.comment}”)` : ""}` : null],
    ], "approval-facts"));
  }
  if (decided.length > 1) {
    parts.push(el("h4", { text: "History" }), el("ol", { class: "history small" },
      ...decided.map((x) => el("li", { text: `${fmtTime(x.timestamps.decided)} · ${x.decision.status.replace(/_/g, " ")} (${x.producer.agent})` }))));
  }
  return section("Decision", "section-decision", ...parts);
}

/** @param {string} id */
function incidentLink(id) {
  const b = el("button", { class: "badge badge-incident", text: "incident", testid: "details-incident", title: id, attrs: { type: "button", "data-incident-id": id } });
  b.addEventListener("click", () => { void openIncident(id); });
  return b;
}

/** The execution as it stands now: an undone action says so before anything else. */
function executionSection(x, summary) {
  const undone = summary && summary.undone && summary.actionId === x.actionId ? summary.undone : null;
  return section("Execution", "section-execution",
    undone ? el("div", { class: "callout callout-warn", testid: "execution-undone", text: `Undone by ${undone.by} at ${fmtTime(undone.at)}: the effect below was reversed (${undone.undoActionId}).` }) : null,
    facts([
      ["Status", badge(x.status, `exec-${x.status}`, "execution-status")], ["Now", undone ? "reversed (undone)" : x.status === "success" ? "in effect" : null], ["Action", actionBadge(x.action)], ["Target", x.target],
      ["Connector", x.connector], ["Action id", el("span", { class: "mono wrap", text: x.actionId })],
    ], "execution-facts"),
    para(x.summary, "prose", "execution-summary"),
    x.error ? el("div", { class: "callout callout-bad", text: `Error: ${x.error}` }) : null,
    Object.keys(x.details || {}).length ? el("h4", { text: "Details" }) : null,
    Object.keys(x.details || {}).length ? facts(Object.entries(x.details).map(([k, v]) => [k, v]), "execution-details") : null,
    x.undo ? el("div", { class: "callout callout-info", testid: "execution-undo" }, el("strong", { text: `Undo: ${x.undo.action}` }), el("div", { text: x.undo.description })) : null,
    x.undo && x.status === "success" ? undoBox(x) : null);
}

// ---- writes: the token, approvals, undo ---------------------------------------------

// The token is a credential: it stays in this tab (sessionStorage), never in the URL or a cookie.
const TOKEN_KEY = "secops.writeToken";
const NAME_KEY = "secops.userName";
// What the server accepts as X-Secops-User; other names travel in the body only.
const USER_HEADER = /^[\w.@-]{1,128}$/;
const TOKEN_CHARS = /^[\x21-\x7e]{1,512}$/;

function store(kind) {
  try { return kind === "session" ? window.sessionStorage : window.localStorage; } catch { return null; }
}
function getToken() { const s = store("session"); return (s && s.getItem(TOKEN_KEY)) || ""; }
function getName() { const s = store("local"); return (s && s.getItem(NAME_KEY)) || ""; }
function setName(name) { const s = store("local"); if (s) s.setItem(NAME_KEY, name.trim()); }

function renderTokenState(note) {
  const st = $("token-state");
  const has = Boolean(getToken());
  st.textContent = note || (has ? "token set: approve and undo enabled" : "read-only");
  st.className = `token-state small ${note ? "token-bad" : has ? "token-set" : "token-unset"}`;
  st.setAttribute("data-state", note ? "invalid" : has ? "set" : "unset");
}

function saveToken() {
  const input = /** @type {HTMLInputElement} */ ($("token-input"));
  const t = input.value.trim();
  if (!t) return renderTokenState("paste the token first");
  if (!TOKEN_CHARS.test(t)) return renderTokenState("a token is printable ASCII without spaces");
  const s = store("session");
  if (!s) return renderTokenState("this browser blocks sessionStorage: the token cannot be kept");
  s.setItem(TOKEN_KEY, t);
  input.value = "";
  renderTokenState();
}

function forgetToken() {
  const s = store("session");
  if (s) s.removeItem(TOKEN_KEY);
  /** @type {HTMLInputElement} */ ($("token-input")).value = "";
  renderTokenState();
}

/** A failed write in words: what happened and what to do about it. */
function writeError(status, body) {
  const msg = body && typeof body.message === "string" ? body.message : "";
  switch (status) {
    case 0: return `Cannot reach the dashboard${msg ? `: ${msg}` : ""}.`;
    case 401: return "Not authorized: the write token is missing or wrong. Paste the token from data/dashboard-token into \"Write token\" at the top.";
    case 409: return `Not done: ${msg || "it was already decided, or someone else is doing it right now"}.`;
    case 410: return `Too late: ${msg || "the approval expired, so the action will not run"}.`;
    case 404: return `Not found: ${msg || "the id is unknown"}.`;
    case 400: return `Refused: ${msg || "the request was not valid"}.`;
    default: return `Failed (HTTP ${status})${msg ? `: ${msg}` : ""}.`;
  }
}

/** @param {string} url @param {any} body @returns {Promise<{ ok: boolean, status: number, data: any, message: string }>} */
async function writeCall(url, body) {
  const token = getToken();
  if (!token) return { ok: false, status: 401, data: null, message: writeError(401) };
  const headers = { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${token}` };
  if (body && typeof body.by === "string" && USER_HEADER.test(body.by)) headers["x-secops-user"] = body.by;
  let res;
  try {
    res = await fetch(url, { method: "POST", headers, body: JSON.stringify(body), credentials: "same-origin", cache: "no-store" });
  } catch (err) {
    return { ok: false, status: 0, data: null, message: writeError(0, { message: err && err.message ? err.message : String(err) }) };
  }
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  return res.ok ? { ok: true, status: res.status, data, message: "" } : { ok: false, status: res.status, data, message: writeError(res.status, data) };
}

/** The approver's name: required, because every approval and undo records who did it. */
function nameField(testid) {
  const input = /** @type {HTMLInputElement} */ (el("input", { class: "text-input", testid, attrs: { type: "text", maxlength: 128, autocomplete: "username", placeholder: "your name", "aria-label": "Your name" } }));
  input.value = getName();
  input.addEventListener("change", () => setName(input.value));
  return input;
}

function readName(input, result) {
  const name = input.value.trim();
  // eslint-disable-next-line no-control-regex -- a name with control characters could forge log lines; the server refuses it too
  if (!name || name.length > 128 || /[\u0000-\u001f\u007f]/.test(name)) {
    showResult(result, "bad", "Enter your name (1-128 printable characters): it is recorded with the decision.");
    input.focus();
    return null;
  }
  setName(name);
  return name;
}

function showResult(node, kind, text) {
  node.className = `callout callout-${kind === "ok" ? "ok" : kind === "bad" ? "bad" : "info"} write-result`;
  node.textContent = text;
  node.hidden = false;
  node.setAttribute("data-kind", kind);
}

function fmtUntil(iso) {
  const ms = Date.parse(iso) - Date.now();
  if (!Number.isFinite(ms)) return "";
  if (ms <= 0) return "expired";
  if (ms < 3600000) return `in ${Math.ceil(ms / 60000)} min`;
  return `in ${Math.floor(ms / 3600000)} h ${Math.round((ms % 3600000) / 60000)} min`;
}

const approvalDrafts = new Map(); // approval id -> comment being typed, kept across re-renders

async function fetchJson(url) {
  const res = await fetch(url, { headers: { accept: "application/json" }, cache: "no-store" });
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  return { ok: res.ok, status: res.status, data };
}

/** The live approval (approvers so far, digest, expiry) and, while pending, Approve / Reject. */
function approvalBox(approvalId) {
  const box = el("div", { class: "write-box", testid: "approval-box", attrs: { "data-approval-id": approvalId } }, el("p", { class: "muted small", text: "Loading the approval…" }));
  fetchJson(`/api/approvals/${encodeURIComponent(approvalId)}`)
    .then((r) => {
      if (r.ok) renderApprovalBox(box, r.data, null);
      else box.replaceChildren(el("div", { class: "callout callout-bad", text: writeError(r.status, r.data) }));
    })
    .catch((err) => box.replaceChildren(el("div", { class: "callout callout-bad", text: `Cannot load the approval: ${err.message}` })));
  return box;
}

function renderApprovalBox(box, a, outcome) {
  const who = (a.approvers || []).map((x) => `${x.by} at ${fmtTime(x.at)}${x.comment ? ` (“${x.comment}”)` : ""}`);
  const parts = [
    el("h4", { text: "Approval" }),
    facts([
      ["Status", badge(a.status, `status-${a.status}`, "approval-status")],
      ["Approvers", el("span", { testid: "approval-progress", text: `${a.approversCount} of ${a.approversRequired} required` })],
      ["Approved by", who.length ? who : null],
      ["Rejected by", a.rejectedBy ? `${a.rejectedBy.by} at ${fmtTime(a.rejectedBy.at)}` : undefined],
      ["Digest", el("span", { class: "mono wrap", testid: "approval-digest", text: a.digest })],
      ["Expires", `${fmtTime(a.expiresAt)} (${fmtUntil(a.expiresAt)})`],
      ["Id", el("span", { class: "mono", text: a.id })],
      ["Role", a.requiredRole],
    ], "approval-live"),
  ];
  const result = el("div", { class: "write-result", testid: "approval-result", attrs: { role: "status", "aria-live": "polite" } });
  result.hidden = true;
  if (outcome) showResult(result, outcome.kind, outcome.text);
  if (a.status === "pending") {
    const name = nameField("approver-name");
    const comment = el("textarea", { class: "text-input", testid: "approval-comment", attrs: { rows: 2, maxlength: 2000, placeholder: "comment (optional)", "aria-label": "Comment" } });
    comment.value = approvalDrafts.get(a.id) || "";
    comment.addEventListener("input", () => approvalDrafts.set(a.id, comment.value));
    const approve = el("button", { class: "btn btn-ok", testid: "approve-button", text: "Approve", attrs: { type: "button" } });
    const reject = el("button", { class: "btn btn-bad", testid: "reject-button", text: "Reject", attrs: { type: "button" } });
    const decide = async (verb) => {
      const by = readName(name, result);
      if (!by) return;
      approve.disabled = true;
      reject.disabled = true;
      showResult(result, "info", verb === "approve" ? "Approving…" : "Rejecting…");
      const r = await writeCall(`/api/approvals/${encodeURIComponent(a.id)}/${verb}`, { by, comment: comment.value.trim() || null });
      if (r.ok) {
        approvalDrafts.delete(a.id);
        const v = r.data;
        const text = v.status === "approved" ? `Approved by ${v.approvers.map((x) => x.by).join(" and ")}: the responder runs the action now.`
          : v.status === "rejected" ? "Rejected: the action will not run."
          : `Your approval is recorded (${v.approversCount} of ${v.approversRequired}); a different person must approve too.`;
        renderApprovalBox(box, v, { kind: "ok", text });
        refreshQueueSoon();
        return;
      }
      // After 409/410 the record changed under us: show its current state with the reason.
      const fresh = r.status === 409 || r.status === 410 ? await fetchJson(`/api/approvals/${encodeURIComponent(a.id)}`).catch(() => null) : null;
      if (fresh && fresh.ok) renderApprovalBox(box, fresh.data, { kind: "bad", text: r.message });
      else {
        showResult(result, "bad", r.message);
        approve.disabled = false;
        reject.disabled = false;
      }
    };
    approve.addEventListener("click", () => { void decide("approve"); });
    reject.addEventListener("click", () => { void decide("reject"); });
    parts.push(el("div", { class: "write-form" },
      el("label", { class: "field" }, el("span", { class: "small muted", text: "Your name" }), name),
      el("label", { class: "field field-wide" }, el("span", { class: "small muted", text: "Comment" }), comment),
      el("div", { class: "write-buttons" }, approve, reject),
      getToken() ? null : el("p", { class: "small muted", text: "Approving needs the write token: paste it into \"Write token\" at the top." })));
  }
  parts.push(result);
  box.replaceChildren(...parts);
}

/** Undo for an executed action: shows who undid it, or a two-step Undo button. */
// action id -> what the last undo from this tab said: the details re-render when the undo lands
// (the ledger says "undone"), and the result must survive that.
const undoOutcomes = new Map();

function undoBox(x) {
  const box = el("div", { class: "write-box", testid: "undo-box", attrs: { "data-action-id": x.actionId } });
  // The outcome is read when the ledger answers: an undo may have finished in between.
  fetchJson(`/api/ledger/${encodeURIComponent(x.actionId)}`)
    .then((r) => renderUndoBox(box, x, r.ok ? r.data : null, undoOutcomes.get(x.actionId) || null))
    .catch(() => renderUndoBox(box, x, null, undoOutcomes.get(x.actionId) || null));
  return box;
}

function renderUndoBox(box, x, entry, outcome) {
  const result = el("div", { class: "write-result", testid: "undo-result", attrs: { role: "status", "aria-live": "polite" } });
  result.hidden = true;
  if (outcome) showResult(result, outcome.kind, outcome.text);
  if (entry && entry.undone) {
    box.replaceChildren(el("div", { class: "callout callout-info", testid: "undo-done", text: `Undone by ${entry.undone.by} at ${fmtTime(entry.undone.at)} (${entry.undone.undoActionId}).` }), result);
    return;
  }
  const name = nameField("undo-name");
  const undo = el("button", { class: "btn btn-bad", testid: "undo-button", text: `Undo: ${x.undo.action.replace(/_/g, " ")}`, attrs: { type: "button" } });
  const confirm = el("button", { class: "btn btn-bad", testid: "undo-confirm", text: "Confirm undo", attrs: { type: "button" } });
  const cancel = el("button", { class: "btn btn-quiet", text: "Cancel", attrs: { type: "button" } });
  const confirmRow = el("div", { class: "write-buttons" }, el("span", { class: "small", text: `This will ${x.undo.description}.` }), confirm, cancel);
  confirmRow.hidden = true;
  undo.addEventListener("click", () => { undo.hidden = true; confirmRow.hidden = false; });
  cancel.addEventListener("click", () => { undo.hidden = false; confirmRow.hidden = true; });
  confirm.addEventListener("click", async () => {
    const by = readName(name, result);
    if (!by) return;
    confirm.disabled = true;
    showResult(result, "info", "Undoing…");
    const r = await writeCall(`/api/actions/${encodeURIComponent(x.actionId)}/undo`, { by });
    if (r.ok) {
      const fresh = await fetchJson(`/api/ledger/${encodeURIComponent(x.actionId)}`).catch(() => null);
      const said = { kind: "ok", text: r.data.status === "duplicate" ? "It was already undone." : `Undone: ${r.data.summary}` };
      undoOutcomes.set(x.actionId, said);
      // The details may have re-rendered meanwhile (the ledger's "undone" arrived first): update the box on screen.
      const live = box.isConnected ? box : /** @type {HTMLElement | null} */ (document.querySelector(`[data-testid="undo-box"][data-action-id="${CSS.escape(x.actionId)}"]`));
      renderUndoBox(live || box, x, fresh && fresh.ok ? fresh.data : { undone: { by: r.data.by, at: new Date().toISOString(), undoActionId: r.data.undoActionId } }, said);
    } else {
      showResult(result, "bad", r.message);
      confirm.disabled = false;
    }
  });
  box.replaceChildren(el("div", { class: "write-form" },
    el("label", { class: "field" }, el("span", { class: "small muted", text: "Your name" }), name),
    el("div", { class: "write-buttons" }, undo), confirmRow), result);
}

// ---- pending approvals queue ----------------------------------------------------------

let queueTimer = null;
let queueIds = new Set();

function refreshQueueSoon() {
  clearTimeout(queueTimer);
  queueTimer = setTimeout(() => { void refreshQueue(); }, 250);
}

async function refreshQueue() {
  let r;
  try { r = await fetchJson("/api/approvals?status=pending"); } catch { return; }
  if (!r.ok || !r.data || !Array.isArray(r.data.approvals)) return;
  const items = r.data.approvals.filter((a) => ALERT_ID.test(a.alertId));
  queueIds = new Set(items.map((a) => a.alertId));
  $("approval-queue").replaceChildren(...items.slice(0, 50).map((a) => {
    const li = el("li", { class: "queue-item", testid: "approval-item", attrs: { "data-approval-id": a.id, "data-alert-id": a.alertId, tabindex: 0, role: "button", "aria-label": `Approval for ${a.alert.title}` } },
      actionBadge(a.action),
      el("span", { class: "queue-title", text: a.alert.title }),
      el("span", { class: "small muted", text: a.alert.host || "" }),
      el("span", { class: "small", text: `${a.approversCount}/${a.approversRequired} approvers` }),
      el("span", { class: "small muted", text: `expires ${fmtUntil(a.expiresAt)}` }));
    li.addEventListener("click", () => select(a.alertId));
    li.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(a.alertId); } });
    return li;
  }));
  $("approval-queue-empty").hidden = items.length > 0;
  $("approvals-count").textContent = items.length ? String(items.length) : "";
}

// ---- live connection ----------------------------------------------------------------

let socket = null;
let retryMs = 500;
let pingTimer = null;

function setConn(kind, text) {
  const c = $("conn-state");
  c.className = `conn conn-${kind}`;
  c.textContent = text;
  c.setAttribute("data-state", kind);
}

async function loadSnapshot() {
  const dlq = await fetch("/api/dlq?limit=200").then((r) => r.json());
  refreshSoon();
  if (Array.isArray(dlq)) for (const e of dlq) addDlq(e);
  renderDlq();
}

function onPush(msg) {
  switch (msg.type) {
    case "hello":
      renderStats(msg.stats);
      loadSnapshot().catch(() => undefined);
      refreshQueueSoon();
      break;
    case "alert":
      if (msg.summary && (msg.summary.stage === "awaiting_approval" || queueIds.has(msg.summary.alertId))) refreshQueueSoon();
      if (msg.summary && typeof msg.summary.alertId === "string") {
        alertChanged(msg.summary);
        refreshFunnelSoon();
        if (state.selected === msg.summary.alertId) loadDetails(msg.summary.alertId);
      }
      break;
    case "incident":
      refreshIncidentsSoon();
      break;
    case "dlq":
      addDlq(msg.entry);
      break;
    case "stats":
      renderStats(msg.stats);
      break;
    default:
  }
}

function connect() {
  setConn("connecting", "connecting…");
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
  socket = new WebSocket(url);
  socket.addEventListener("open", () => {
    retryMs = 500;
    setConn("live", "live");
    pingTimer = setInterval(() => { if (socket && socket.readyState === WebSocket.OPEN) socket.send("{\"type\":\"ping\"}"); }, 25000);
  });
  socket.addEventListener("message", (ev) => {
    let msg;
    try { msg = JSON.parse(ev.data); } catch { return; }
    if (msg && typeof msg === "object") onPush(msg);
  });
  socket.addEventListener("close", () => {
    clearInterval(pingTimer);
    socket = null;
    // Jittered exponential backoff so a restarted server is not hit by every tab at once.
    const wait = Math.round(retryMs * (0.75 + Math.random() * 0.5));
    setConn("down", `disconnected, retrying in ${Math.ceil(wait / 1000)} s`);
    setTimeout(connect, wait);
    retryMs = Math.min(retryMs * 2, 15000);
  });
}

// ---- controls -----------------------------------------------------------------------

function initControls() {
  renderTokenState();
  $("token-save").addEventListener("click", saveToken);
  $("token-forget").addEventListener("click", forgetToken);
  $("token-input").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); saveToken(); } });
  // Expiry times count down, and approvals can be decided from the CLI: re-read the queue now and then.
  setInterval(() => { void refreshQueue(); }, 30000);
  initTheme();
  initTable({ onOpen: (id) => select(id) });
  initFunnel();
  initIncidents({
    write: writeCall,
    openAlert: (id) => select(id),
    show: (nodes, incidentId) => {
      const body = $("alert-details-body");
      body.setAttribute("data-incident-id", incidentId);
      body.removeAttribute("data-alert-id");
      state.selected = null;
      state.detailsRequest++;
      body.replaceChildren(...nodes);
    },
  });
  initProviders();
  const fromHash = /^#alert=(.+)$/.exec(location.hash);
  if (fromHash) {
    const id = decodeURIComponent(fromHash[1]);
    if (ALERT_ID.test(id)) select(id);
  }
}

// A module runs after the document is parsed.
initControls();
connect();
