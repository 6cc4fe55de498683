// @ts-check
// The triage funnel: what the pipeline did with the alerts of a window, and a histogram of the
// same outcomes over time. Numbers come from /api/funnel, which counts the server's index.
import { $, el, fmtMs } from "./dom.js";
import { FUNNEL_OUTCOMES } from "./generated/contracts.js";

/** @type {Record<import("./generated/contracts.js").FunnelOutcome, string>} */
const LABEL = {
  auto_closed: "Auto-closed", blocked: "Blocked", isolated: "Isolated", ticketed: "Ticketed",
  to_humans: "Sent to humans", shadow: "Shadow only", failed: "Failed", in_flight: "In flight",
};

let timer = /** @type {ReturnType<typeof setTimeout> | null} */ (null);

export function refreshFunnelSoon() {
  if (timer) return;
  timer = setTimeout(() => { timer = null; void loadFunnel(); }, 1000);
}

export async function loadFunnel() {
  const since = /** @type {HTMLSelectElement} */ ($("funnel-window")).value || "24h";
  let f;
  try {
    const r = await fetch(`/api/funnel?since=${encodeURIComponent(since)}&buckets=24`);
    if (!r.ok) return;
    f = await r.json();
  } catch { return; }
  const boxes = [el("div", { class: "funnel-box funnel-received", testid: "funnel-received", attrs: { "data-count": f.received } },
    el("span", { class: "funnel-n", text: f.received.toLocaleString() }), el("span", { class: "funnel-label", text: "Received" }))];
  for (const o of FUNNEL_OUTCOMES) {
    const n = f.outcomes[o] ?? 0;
    boxes.push(el("div", { class: `funnel-box funnel-${o}`, testid: `funnel-${o}`, attrs: { "data-count": n }, title: `${n} of ${f.received}` },
      el("span", { class: "funnel-n", text: n.toLocaleString() }), el("span", { class: "funnel-label", text: LABEL[o] })));
  }
  $("funnel-boxes").replaceChildren(...boxes);
  $("funnel-notes").textContent = `${f.undone} undone afterwards · ${f.approvedByPerson} approved by a person`;
  const max = Math.max(1, ...f.histogram.map((/** @type {{received: number}} */ b) => b.received));
  const bars = f.histogram.map((/** @type {{start: string, received: number, outcomes: Record<string, number>}} */ b) => {
    const col = el("div", { class: "hist-col", title: `${new Date(b.start).toLocaleString()}: ${b.received} received`, attrs: { "data-count": b.received } });
    for (const o of FUNNEL_OUTCOMES) {
      const n = b.outcomes[o] ?? 0;
      if (!n) continue;
      const seg = el("div", { class: `hist-seg hist-${o}` });
      // CSSOM property, not a style attribute: allowed under style-src 'self'.
      seg.style.height = `${(n / max) * 100}%`;
      col.append(seg);
    }
    return col;
  });
  $("funnel-histogram").replaceChildren(...bars);
  $("funnel-histogram").setAttribute("aria-label", `alerts per ${fmtMs(f.bucketMs)} from ${new Date(f.from).toLocaleString()} to ${new Date(f.to).toLocaleString()}`);
}

export function initFunnel() {
  $("funnel-window").addEventListener("change", () => { void loadFunnel(); });
  void loadFunnel();
}
