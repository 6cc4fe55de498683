// @ts-check
// DOM building shared by the page's modules. Alert content is attacker-controlled: every node
// is built with document.createElement and every text goes through textContent, never markup.
// No URL attribute (href, src) is ever set from alert data.

export const ACTION_LABEL = /** @type {Record<import("./generated/contracts.js").ActionType, string>} */ ({
  CREATE_TICKET: "Ticket", BLOCK_IP: "Block IP", ISOLATE_HOST: "Isolate host",
  CLOSE_FALSE_POSITIVE: "Close FP", MANUAL_REVIEW: "Manual review",
});
export const STAGE_LABEL = /** @type {Record<import("./generated/contracts.js").AlertStage, string>} */ ({
  enriched: "enriched", investigated: "investigated", awaiting_approval: "awaiting approval",
  decided: "decided", executed: "executed", failed: "failed",
});
export const STEPS = ["received", "enriched", "investigated", "decided", "executed"];
const STEP_LABEL = { received: "Received", enriched: "Enriched", investigated: "Investigated", decided: "Decided", executed: "Executed" };
export const ALERT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** @param {string} testid @returns {HTMLElement} */
export const $ = (testid) => /** @type {HTMLElement} */ (document.querySelector(`[data-testid="${testid}"]`));


/** el("div", { class, testid, text, title, attrs }, ...children) */
export function el(tag, opts, ...children) {
  const node = document.createElement(tag);
  const o = opts || {};
  if (o.class) node.className = o.class;
  if (o.testid) node.setAttribute("data-testid", o.testid);
  if (o.text !== undefined && o.text !== null) node.textContent = String(o.text);
  if (o.title) node.title = String(o.title);
  if (o.attrs) for (const [k, v] of Object.entries(o.attrs)) node.setAttribute(k, String(v));
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c instanceof window.Node ? c : document.createTextNode(String(c)));
  return node;
}

export function badge(text, kind, testid) {
  return el("span", { class: `badge badge-${kind}`, text, testid });
}

/**
 * One severity everywhere, always saying whose it is: the analyst's (LLM or rules) once the
 * alert is investigated, the vendor's before.
 * @param {string | null | undefined} sev
 * @param {"analyst" | "vendor" | null} [source]
 */
export function severityBadge(sev, source) {
  const b = badge(sev || "unknown", `sev-${sev || "unknown"}`, "severity-badge");
  if (source) {
    b.setAttribute("data-source", source);
    b.title = source === "analyst" ? "the analyst's severity (LLM or rules analyst)" : "the vendor's severity (not investigated yet)";
    b.append(el("span", { class: "sev-source", text: source === "analyst" ? " · analyst" : " · vendor" }));
  }
  return b;
}

export function actionBadge(action) {
  if (!action) return el("span", { class: "badge badge-none", text: "no action yet" });
  return badge(ACTION_LABEL[action] || action, `act-${action}`, "action-badge");
}

export function fmtTime(iso) {
  if (!iso) return "–";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString(undefined, { hour12: false, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

export function fmtMs(ms) {
  if (ms === null || ms === undefined) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60000).toFixed(1)} min`;
}

export function pct(x) {
  return x === null || x === undefined ? "–" : `${Math.round(x * 100)}%`;
}

export function display(value) {
  if (value === null || value === undefined || value === "") return "–";
  if (Array.isArray(value)) return value.length ? value.map(display).join(", ") : "–";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** A definition list of [label, value | Node] pairs; values are text. */
export function facts(pairs, testid) {
  const dl = el("dl", { class: "facts", testid });
  for (const [label, value] of pairs) {
    if (value === undefined) continue;
    dl.append(el("dt", { text: label }), value instanceof window.Node ? el("dd", null, value) : el("dd", { text: display(value) }));
  }
  return dl;
}

export function table(headers, rows, testid) {
  const t = el("table", { class: "grid", testid });
  const head = el("tr");
  for (const h of headers) head.append(el("th", { text: h, attrs: { scope: "col" } }));
  t.append(el("thead", null, head));
  const body = el("tbody");
  for (const r of rows) {
    const tr = el("tr");
    for (const c of r) tr.append(c instanceof window.Node ? el("td", null, c) : el("td", { text: display(c) }));
    body.append(tr);
  }
  t.append(body);
  return t;
}

export function section(title, testid, ...children) {
  return el("section", { class: "card", testid }, el("h3", { text: title }), ...children);
}

export function para(text, cls, testid) {
  return el("p", { class: cls || "prose", text: text || "–", testid });
}

export function confidenceBar(c) {
  const value = typeof c === "number" ? Math.max(0, Math.min(1, c)) : 0;
  const fill = el("span", { class: `bar-fill ${value >= 0.8 ? "bar-high" : value >= 0.5 ? "bar-mid" : "bar-low"}` });
  // CSSOM property, not a style attribute: allowed under style-src 'self'.
  fill.style.width = `${Math.round(value * 100)}%`;
  return el("span", { class: "bar-wrap", testid: "confidence" },
    el("span", { class: "bar", attrs: { role: "meter", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": Math.round(value * 100) } }, fill),
    el("span", { class: "bar-label", text: pct(c) }));
}


/** Each of the 5 steps: done | current | waiting | failed | pending. */
export function stepStates(s) {
  const t = s.timestamps || {};
  const reached = STEPS.map((step) => step === "received" || Boolean(t[step]));
  let last = 0;
  reached.forEach((r, i) => { if (r) last = i; });
  const states = STEPS.map((_, i) => /** @type {string} */ (i <= last ? "done" : "pending"));
  if (s.stage === "awaiting_approval") {
    states[3] = "waiting";
  } else if (s.stage === "failed") {
    if (s.executionStatus === "failed") states[4] = "failed";
    else if (last + 1 < STEPS.length) states[last + 1] = "failed";
  } else if (last + 1 < STEPS.length) {
    states[last + 1] = "current";
  }
  return states;
}

export function pipeline(s) {
  const states = stepStates(s);
  const ol = el("ol", { class: "pipeline", testid: "pipeline", attrs: { "aria-label": `Stage: ${STAGE_LABEL[s.stage] || s.stage}` } });
  STEPS.forEach((step, i) => {
    ol.append(el("li", {
      class: `step step-${states[i]}`,
      title: `${STEP_LABEL[step]}: ${states[i]}${s.timestamps && s.timestamps[step] ? ` at ${fmtTime(s.timestamps[step])}` : ""}`,
      attrs: { "data-step": step, "data-state": states[i] },
    }, el("span", { class: "dot", attrs: { "aria-hidden": "true" } }), el("span", { class: "step-label", text: STEP_LABEL[step] })));
  });
  return ol;
}

// ---- alert list ---------------------------------------------------------------------
