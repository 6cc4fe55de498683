// @ts-check
// The raw alert as collapsible JSON: nested <details> per object and array, every key and
// value as text. Large documents open one level deep; deeper levels build when opened.
import { el } from "./dom.js";

const MAX_CHILDREN = 500;

/** @param {unknown} value */
function scalar(value) {
  const kind = value === null ? "null" : typeof value;
  return el("span", { class: `json-${kind}`, text: typeof value === "string" ? JSON.stringify(value) : String(value) });
}

/**
 * @param {string | null} key
 * @param {unknown} value
 * @param {number} depth
 * @returns {HTMLElement}
 */
function node(key, value, depth) {
  const label = key === null ? null : el("span", { class: "json-key", text: `${key}: ` });
  if (value === null || typeof value !== "object") return el("div", { class: "json-row" }, label, scalar(value));
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  const summary = el("summary", null, label, el("span", { class: "muted", text: Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}` }));
  const d = el("details", { class: "json-node" }, summary);
  let built = false;
  const build = () => {
    if (built) return;
    built = true;
    for (const [k, v] of entries.slice(0, MAX_CHILDREN)) d.append(node(/** @type {string} */ (k), v, depth + 1));
    if (entries.length > MAX_CHILDREN) d.append(el("div", { class: "muted small", text: `… ${entries.length - MAX_CHILDREN} more` }));
  };
  if (depth < 1) {
    d.open = true;
    build();
  } else {
    d.addEventListener("toggle", build);
  }
  return d;
}

/** @param {unknown} value @param {string} title @param {string} testid */
export function jsonView(value, title, testid) {
  const text = JSON.stringify(value, null, 2) ?? "null";
  const copy = el("button", { class: "btn btn-quiet small", text: "Copy JSON", attrs: { type: "button" } });
  copy.addEventListener("click", () => { void navigator.clipboard?.writeText(text).catch(() => undefined); });
  return el("details", { class: "raw-json", testid },
    el("summary", { text: `${title} (${text.length.toLocaleString()} characters)` }),
    el("div", { class: "json-tree mono small" }, node(null, value, 0)), copy);
}
