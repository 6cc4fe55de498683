// SecOps Triage dashboard. Alert content is attacker-controlled: every node is built with
// document.createElement and every text goes through textContent, never through markup.
// No URL attribute (href, src) is ever set from alert data.
"use strict";

(function () {
  const MAX_ROWS = 500;
  const ALERT_ID = /^[A-Za-z0-9._:-]{1,128}$/;
  const STEPS = ["received", "enriched", "investigated", "decided", "executed"];
  const STEP_LABEL = { received: "Received", enriched: "Enriched", investigated: "Investigated", decided: "Decided", executed: "Executed" };
  const ACTION_LABEL = {
    CREATE_TICKET: "Ticket", BLOCK_IP: "Block IP", ISOLATE_HOST: "Isolate host",
    CLOSE_FALSE_POSITIVE: "Close FP", MANUAL_REVIEW: "Manual review",
  };
  const STAGE_LABEL = {
    enriched: "enriched", investigated: "investigated", awaiting_approval: "awaiting approval",
    decided: "decided", executed: "executed", failed: "failed",
  };

  const state = {
    alerts: new Map(), // alertId -> summary
    rows: new Map(), // alertId -> <li>
    dlq: [],
    selected: null,
    filter: "all",
    search: "",
    detailsRequest: 0,
  };

  const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);

  // ---- DOM building -------------------------------------------------------------------

  /** el("div", { class, testid, text, title, attrs }, ...children) */
  function el(tag, opts, ...children) {
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

  function badge(text, kind, testid) {
    return el("span", { class: `badge badge-${kind}`, text, testid });
  }

  function severityBadge(sev) {
    return badge(sev || "unknown", `sev-${sev || "unknown"}`, "severity-badge");
  }

  function actionBadge(action) {
    if (!action) return el("span", { class: "badge badge-none", text: "no action yet" });
    return badge(ACTION_LABEL[action] || action, `act-${action}`, "action-badge");
  }

  function fmtTime(iso) {
    if (!iso) return "–";
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return String(iso);
    return d.toLocaleString(undefined, { hour12: false, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function fmtMs(ms) {
    if (ms === null || ms === undefined) return "–";
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
    return `${(ms / 60000).toFixed(1)} min`;
  }

  function pct(x) {
    return x === null || x === undefined ? "–" : `${Math.round(x * 100)}%`;
  }

  function display(value) {
    if (value === null || value === undefined || value === "") return "–";
    if (Array.isArray(value)) return value.length ? value.map(display).join(", ") : "–";
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  /** A definition list of [label, value | Node] pairs; values are text. */
  function facts(pairs, testid) {
    const dl = el("dl", { class: "facts", testid });
    for (const [label, value] of pairs) {
      if (value === undefined) continue;
      dl.append(el("dt", { text: label }), value instanceof window.Node ? el("dd", null, value) : el("dd", { text: display(value) }));
    }
    return dl;
  }

  function table(headers, rows, testid) {
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

  function section(title, testid, ...children) {
    return el("section", { class: "card", testid }, el("h3", { text: title }), ...children);
  }

  function para(text, cls, testid) {
    return el("p", { class: cls || "prose", text: text || "–", testid });
  }

  function confidenceBar(c) {
    const value = typeof c === "number" ? Math.max(0, Math.min(1, c)) : 0;
    const fill = el("span", { class: `bar-fill ${value >= 0.8 ? "bar-high" : value >= 0.5 ? "bar-mid" : "bar-low"}` });
    // CSSOM property, not a style attribute: allowed under style-src 'self'.
    fill.style.width = `${Math.round(value * 100)}%`;
    return el("span", { class: "bar-wrap", testid: "confidence" },
      el("span", { class: "bar", attrs: { role: "meter", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": Math.round(value * 100) } }, fill),
      el("span", { class: "bar-label", text: pct(c) }));
  }

  // ---- pipeline progress --------------------------------------------------------------

  /** Each of the 5 steps: done | current | waiting | failed | pending. */
  function stepStates(s) {
    const t = s.timestamps || {};
    const reached = STEPS.map((step) => step === "received" || Boolean(t[step]));
    let last = 0;
    reached.forEach((r, i) => { if (r) last = i; });
    const states = STEPS.map((_, i) => (i <= last ? "done" : "pending"));
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

  function pipeline(s) {
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

  function matchesFilter(s) {
    switch (state.filter) {
      case "all": break;
      case "inflight": if (!["enriched", "investigated", "decided"].includes(s.stage)) return false; break;
      default: if (s.stage !== state.filter) return false;
    }
    if (!state.search) return true;
    const hay = `${s.title} ${s.alertId} ${s.category} ${s.format} ${s.action || ""}`.toLowerCase();
    return hay.includes(state.search);
  }

  function alertRow(s) {
    const li = el("li", {
      class: `alert-row stage-${s.stage}${state.selected === s.alertId ? " selected" : ""}`,
      testid: "alert-row",
      attrs: { "data-alert-id": s.alertId, "data-stage": s.stage, tabindex: 0, role: "button", "aria-label": `Alert ${s.title}` },
    });
    const outcome = el("div", { class: "row-outcome" }, actionBadge(s.action));
    if (s.mode === "shadow") outcome.append(badge("shadow", "muted"));
    if (s.executionStatus) outcome.append(badge(s.executionStatus, `exec-${s.executionStatus}`, "execution-badge"));
    if (s.verdict) outcome.append(el("span", { class: "muted small", text: `${s.verdict.replace(/_/g, " ")} · ${pct(s.confidence)}` }));

    const title = el("div", { class: "row-title" }, el("span", { class: "title-text", text: s.title, testid: "alert-title" }));
    if (s.tainted) title.prepend(el("span", { class: "tainted", text: "⚠ injection", testid: "tainted-marker", title: "The alert carried a prompt-injection attempt: no automatic action, no auto-close." }));
    const meta = el("div", { class: "row-meta muted small" },
      el("span", { text: fmtTime(s.receivedAt) }),
      el("span", { text: `${s.format} · ${s.category.replace(/_/g, " ")}` }),
      s.analyst ? el("span", { class: s.analyst === "rules" ? "analyst-rules" : "analyst-llm", text: s.analyst === "rules" ? "rules analyst" : "LLM analyst" }) : null,
      s.latencyMs !== null && s.latencyMs !== undefined ? el("span", { text: `done in ${fmtMs(s.latencyMs)}`, title: "received → executed" }) : null,
      el("span", { class: "mono", text: s.alertId }));

    li.append(
      el("div", { class: "row-sev" }, severityBadge(s.severity)),
      el("div", { class: "row-main" }, title, meta),
      el("div", { class: "row-progress" }, pipeline(s), el("span", { class: "stage-label small", text: STAGE_LABEL[s.stage] || s.stage, testid: "stage-label" })),
      outcome,
    );
    if (s.dlqReason) li.querySelector(".row-main").append(el("div", { class: "row-error small", text: `dead-lettered: ${s.dlqReason}` }));
    li.addEventListener("click", () => select(s.alertId));
    li.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(s.alertId); } });
    return li;
  }

  function sortedAlerts() {
    return [...state.alerts.values()].sort((a, b) => b.firstSeq - a.firstSeq);
  }

  function renderList() {
    const list = $("alert-list");
    const shown = sortedAlerts().filter(matchesFilter).slice(0, MAX_ROWS);
    state.rows.clear();
    const rows = shown.map((s) => {
      const row = alertRow(s);
      state.rows.set(s.alertId, row);
      return row;
    });
    list.replaceChildren(...rows);
    $("alert-list-empty").hidden = rows.length > 0;
  }

  /** Applies a summary; returns true when it was newer than what we had. */
  function upsert(s) {
    if (!s || typeof s.alertId !== "string") return false;
    const known = state.alerts.get(s.alertId);
    if (known && known.seq >= s.seq) return false;
    state.alerts.set(s.alertId, s);
    // Keep the client bounded like the server.
    if (state.alerts.size > MAX_ROWS * 4) {
      const oldest = sortedAlerts().slice(MAX_ROWS * 4);
      for (const o of oldest) state.alerts.delete(o.alertId);
    }
    return true;
  }

  function updateRow(s) {
    const existing = state.rows.get(s.alertId);
    const list = $("alert-list");
    if (!matchesFilter(s)) {
      if (existing) { existing.remove(); state.rows.delete(s.alertId); }
      $("alert-list-empty").hidden = state.rows.size > 0;
      return;
    }
    const row = alertRow(s);
    if (existing) {
      existing.replaceWith(row);
    } else {
      // New alerts are the newest: they go on top, unless they arrive out of order.
      let before = null;
      for (const child of list.children) {
        const other = state.alerts.get(child.getAttribute("data-alert-id"));
        if (other && other.firstSeq < s.firstSeq) { before = child; break; }
      }
      list.insertBefore(row, before);
      while (list.children.length > MAX_ROWS) {
        const last = list.lastElementChild;
        state.rows.delete(last.getAttribute("data-alert-id"));
        last.remove();
      }
    }
    row.classList.add("flash");
    state.rows.set(s.alertId, row);
    $("alert-list-empty").hidden = true;
  }

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
    $("stat-latency").textContent = st.latencyMs.samples ? `${fmtMs(st.latencyMs.avg)} / ${fmtMs(st.latencyMs.p95)}` : "–";
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
    for (const [id, row] of state.rows) row.classList.toggle("selected", id === alertId);
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
      el("div", { class: "details-badges" }, severityBadge(s.severity), actionBadge(s.action),
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
    if (m.executed) out.push(executionSection(m.executed.execution));
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
        ["Format", a.format], ["Category", a.category.replace(/_/g, " ")], ["Severity", sev], ["Time", fmtTime(a.time)],
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
    if (inv.injection && inv.injection.detected) {
      parts.push(el("div", { class: "callout callout-bad", testid: "injection-findings" },
        el("strong", { text: "Prompt-injection attempt in the alert" }),
        table(["Field", "Kind", "Excerpt"], inv.injection.findings.map((f) => [el("span", { class: "mono", text: f.path }), f.kind.replace(/_/g, " "), el("span", { class: "mono wrap", text: f.excerpt })]))));
    }
    parts.push(facts([
      ["Verdict", inv.verdict.replace(/_/g, " ")], ["Severity", inv.severity], ["Confidence", confidenceBar(inv.confidence)],
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

  function executionSection(x) {
    return section("Execution", "section-execution",
      facts([
        ["Status", badge(x.status, `exec-${x.status}`, "execution-status")], ["Action", actionBadge(x.action)], ["Target", x.target],
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
    const input = $("token-input");
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
    $("token-input").value = "";
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

  async function writeCall(url, body) {
    const token = getToken();
    if (!token) return { ok: false, status: 401, message: writeError(401) };
    const headers = { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${token}` };
    if (body && typeof body.by === "string" && USER_HEADER.test(body.by)) headers["x-secops-user"] = body.by;
    let res;
    try {
      res = await fetch(url, { method: "POST", headers, body: JSON.stringify(body), credentials: "same-origin", cache: "no-store" });
    } catch (err) {
      return { ok: false, status: 0, message: writeError(0, { message: err && err.message ? err.message : String(err) }) };
    }
    let data = null;
    try { data = await res.json(); } catch { data = null; }
    return res.ok ? { ok: true, status: res.status, data } : { ok: false, status: res.status, data, message: writeError(res.status, data) };
  }

  /** The approver's name: required, because every approval and undo records who did it. */
  function nameField(testid) {
    const input = el("input", { class: "text-input", testid, attrs: { type: "text", maxlength: 128, autocomplete: "username", placeholder: "your name", "aria-label": "Your name" } });
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
  function undoBox(x) {
    const box = el("div", { class: "write-box", testid: "undo-box", attrs: { "data-action-id": x.actionId } });
    fetchJson(`/api/ledger/${encodeURIComponent(x.actionId)}`)
      .then((r) => renderUndoBox(box, x, r.ok ? r.data : null, null))
      .catch(() => renderUndoBox(box, x, null, null));
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
        renderUndoBox(box, x, fresh && fresh.ok ? fresh.data : { undone: { by: r.data.by, at: new Date().toISOString(), undoActionId: r.data.undoActionId } },
          { kind: "ok", text: r.data.status === "duplicate" ? "It was already undone." : `Undone: ${r.data.summary}` });
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
    const [alerts, dlq] = await Promise.all([
      fetch("/api/alerts?limit=1000").then((r) => r.json()),
      fetch("/api/dlq?limit=200").then((r) => r.json()),
    ]);
    if (Array.isArray(alerts)) for (const s of alerts) upsert(s);
    renderList();
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
        if (upsert(msg.summary)) {
          updateRow(msg.summary);
          if (state.selected === msg.summary.alertId) loadDetails(msg.summary.alertId);
        }
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
    for (const b of document.querySelectorAll(".filter")) {
      b.addEventListener("click", () => {
        state.filter = b.getAttribute("data-filter") || "all";
        for (const o of document.querySelectorAll(".filter")) o.classList.toggle("active", o === b);
        renderList();
      });
    }
    let t = null;
    $("alert-search").addEventListener("input", (e) => {
      clearTimeout(t);
      t = setTimeout(() => { state.search = e.target.value.trim().toLowerCase(); renderList(); }, 150);
    });
    const fromHash = /^#alert=(.+)$/.exec(location.hash);
    if (fromHash) {
      const id = decodeURIComponent(fromHash[1]);
      if (ALERT_ID.test(id)) select(id);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    initControls();
    connect();
  });
})();
