// Trust banner (issue 10), kept apart from app.js: the kill switch with its Pause / Resume
// control, the containment limit when it was reached in the last hour, and decisions refused for
// their signature. Text only (textContent), never HTML: reasons can quote hostile alert data.
(() => {
  "use strict";
  const TOKEN_KEY = "secops.writeToken"; // the same tab-only token app.js keeps
  const HOUR = 3600 * 1000;

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function token() {
    try { return window.sessionStorage.getItem(TOKEN_KEY) || ""; } catch { return ""; }
  }

  // DASHBOARD_READ_AUTH: the page's own reads carry the tab's token. Loaded before app.js, this
  // adds it to same-origin /api requests and to the websocket (?access_token=, as browsers cannot
  // set its headers). Nothing is sent to any other origin.
  // The token goes into the websocket URL only once a read was refused (read auth is on), so
  // it never lands in the server's request log otherwise.
  const READ_AUTH_KEY = "secops.readAuth";
  let readAuth = false;
  try { readAuth = window.sessionStorage.getItem(READ_AUTH_KEY) === "1"; } catch { /* no storage: no token either */ }
  const nativeFetch = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const t = token();
    const url = new URL(typeof input === "string" ? input : input.url, location.href);
    if (url.origin !== location.origin || !url.pathname.startsWith("/api/")) return nativeFetch(input, init);
    const headers = new window.Headers((init && init.headers) || (typeof input === "string" ? undefined : input.headers));
    if (t && !headers.has("authorization")) headers.set("authorization", `Bearer ${t}`);
    const res = await nativeFetch(input, { ...(init || {}), headers });
    if (res.status === 401 && (!init || !init.method || init.method === "GET")) {
      readAuth = true;
      try { window.sessionStorage.setItem(READ_AUTH_KEY, "1"); } catch { /* kept for this page only */ }
    }
    return res;
  };
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = function (url, protocols) {
    const u = new URL(url, location.href);
    const t = token();
    if (readAuth && t && u.host === location.host && u.pathname === "/ws" && !u.searchParams.has("access_token")) u.searchParams.set("access_token", t);
    return protocols === undefined ? new NativeWebSocket(u.href) : new NativeWebSocket(u.href, protocols);
  };
  window.WebSocket.prototype = NativeWebSocket.prototype;
  for (const k of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) window.WebSocket[k] = NativeWebSocket[k];

  const bar = el("section", { class: "trust-bar", "data-testid": "trust-bar", "aria-live": "polite" });
  const pauseLine = el("div", { class: "trust-line", "data-testid": "trust-pause" });
  const limitLine = el("div", { class: "trust-line trust-warn", "data-testid": "trust-limit", hidden: "" });
  const eventsLine = el("div", { class: "trust-line trust-bad", "data-testid": "trust-events", hidden: "" });
  const toggle = el("button", { type: "button", class: "btn", "data-testid": "trust-toggle" }, "Pause all actions");
  const result = el("span", { class: "small", "data-testid": "trust-result", role: "status" });
  const pauseText = el("span", { "data-testid": "trust-pause-text" });
  pauseLine.append(pauseText, " ", toggle, " ", result);
  bar.append(pauseLine, limitLine, eventsLine);
  let paused = false;
  let lastState = {};

  function render(s) {
    lastState = s;
    paused = Boolean(s.pause && s.pause.paused);
    bar.setAttribute("data-paused", String(paused));
    pauseText.textContent = paused
      ? `PAUSED by ${s.pause.by} at ${s.pause.at}${s.pause.reason ? ` (${s.pause.reason})` : ""}: every action runs in shadow mode, nothing changes.`
      : "Actions run as the policy says.";
    pauseLine.className = `trust-line ${paused ? "trust-bad" : "trust-ok"}`;
    toggle.textContent = paused ? "Resume" : "Pause all actions";
    const hit = s.limitHit;
    if (hit && Date.parse(hit.at) > Date.now() - HOUR) {
      limitLine.hidden = false;
      limitLine.textContent = `Containment limit reached at ${hit.at}: more than ${hit.max} automatic ${hit.action} in ${hit.perSeconds / 3600} h. Further ${hit.action} decisions wait for approval.`;
    } else limitLine.hidden = true;
    const ev = (s.events || []).filter((e) => e.kind === "signature");
    if (ev.length) {
      eventsLine.hidden = false;
      eventsLine.textContent = `Security: ${ev.length} decision(s) refused for their signature and not executed; latest ${ev[0].at} for alert ${ev[0].alertId || "?"}: ${ev[0].reason}${ev[0].reviewId ? ` (review ${ev[0].reviewId})` : ""}`;
    } else eventsLine.hidden = true;
  }

  async function refresh() {
    try {
      const r = await fetch("/api/trust", { headers: { accept: "application/json" }, cache: "no-store" });
      if (r.ok) render(await r.json());
    } catch { /* the main page shows the connection state */ }
  }

  toggle.addEventListener("click", async () => {
    const t = token();
    if (!t) { result.textContent = "Paste the write token at the top first."; return; }
    const verb = paused ? "resume" : "pause";
    try {
      const r = await fetch(`/api/trust/${verb}`, { method: "POST", headers: { authorization: `Bearer ${t}`, "content-type": "application/json" }, body: "{}", cache: "no-store" });
      result.textContent = r.ok ? (verb === "pause" ? "Paused." : "Resumed.") : r.status === 401 ? "Not authorized: the write token is wrong." : `Failed (HTTP ${r.status}).`;
      if (r.ok) render(await r.json().then((b) => ({ ...lastState, pause: b.pause })));
    } catch { result.textContent = "Cannot reach the dashboard."; }
    void refresh();
  });

  function mount() {
    document.body.insertBefore(bar, document.body.firstChild);
    void refresh();
    setInterval(refresh, 5000);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
