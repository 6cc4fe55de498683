/**
 * Every subject, stream, durable and bucket name of the pipeline, in one place.
 *
 * `topology()` gives the names a deployment uses. The optional namespace exists so that
 * several isolated pipelines (tests sharing one server, tenants) can live on one NATS
 * account; a normal deployment uses the default and sees the names documented in the README.
 */
import type { Severity } from "./common.js";

export const STAGES = ["raw", "enriched", "investigated", "decided", "executed"] as const;
export type Stage = (typeof STAGES)[number];

/**
 * The investigator's priorities, highest first. The enricher publishes each alert on the enriched
 * subject of its severity, and the investigator reads them through one durable consumer each
 * (nats-server 2.9 gives a consumer one filter subject), always from the highest non-empty one:
 * a critical alert never waits behind a storm of low ones.
 */
export const PRIORITIES = ["critical", "high", "medium", "low"] as const satisfies readonly Severity[];

/** One priority of the investigator's input: its subject and its durable consumer. */
export interface PriorityInput {
  readonly severity: Severity;
  readonly subject: string;
  readonly durable: string;
}

export interface Topology {
  readonly namespace: string;
  readonly stream: string;
  /** The wildcard the stream captures. */
  readonly all: string;
  readonly subjects: {
    readonly raw: string;
    /**
     * Every enriched subject (`alerts.enriched.>`): a filter for readers of the whole stage and a
     * permission, never a subject to publish on. Messages go out on `priorities[].subject`.
     */
    readonly enrichedAll: string;
    /**
     * The single enriched subject of releases before the split by priority: nothing publishes on
     * it any more, but readers of history (dashboard, replay, audit) still read what it holds.
     */
    readonly enrichedLegacy: string;
    /**
     * LLM_BACKLOG_REVIEW: alerts the rules analyst decided because of the LLM backlog, queued for
     * the LLM to look at later (the investigator's lowest priority, `review`).
     */
    readonly enrichedReview: string;
    readonly investigated: string;
    /** The LLM's later investigation of an alert decided by the rules analyst because of the backlog: a record for people, not decided again. */
    readonly investigatedReview: string;
    readonly decided: string;
    readonly executed: string;
    readonly dlq: string;
    /** Incidents (related alerts grouped by the correlator), each version as it changes. */
    readonly incidents: string;
  };
  /** Core NATS request subjects (outside the stream: a request is not an alert). */
  readonly requests: {
    /** Undo an executed action; the responder answers (one replica, queue group "responder"). */
    readonly undo: string;
  };
  /**
   * One durable pull consumer per stage, named after the agent that owns it; the investigator has
   * one per priority (`priorities`). `stageDurables` lists a stage's durables.
   */
  readonly durables: {
    readonly enricher: string;
    readonly decider: string;
    readonly responder: string;
  };
  /** The investigator's input by priority, highest first: `alerts.enriched.<severity>`, durable `investigator-<severity>`. */
  readonly priorities: readonly PriorityInput[];
  /** The investigator's lowest input, after every priority: backlog reviews (`subjects.enrichedReview`). */
  readonly review: { readonly subject: string; readonly durable: string };
  /** The incident correlator: its durable on alerts.decided and its KV bucket (provisioned by the correlator itself). */
  readonly correlator: { readonly durable: string; readonly bucket: string };
  readonly buckets: {
    readonly enrichmentCache: string;
    readonly tickets: string;
    readonly blocklist: string;
    readonly isolations: string;
    readonly closures: string;
    readonly reviews: string;
    readonly approvals: string;
    readonly ledger: string;
    readonly suppressions: string;
    /** Kill switch, containment-limit windows and security events (agents/src/trust). */
    readonly trust: string;
    /** The first LLM investigation per alert fingerprint, reused for duplicates by every investigator replica. */
    readonly investigationReuse: string;
    /** Every policy text a decider loaded, keyed by its version (see agents/src/state/policy-versions.ts). */
    readonly policies: string;
  };
}

const NAME_RE = /^[A-Za-z0-9_-]*$/;

export function topology(namespace = ""): Topology {
  if (!NAME_RE.test(namespace)) {
    throw new Error(`namespace "${namespace}" may contain only letters, digits, '-' and '_'`);
  }
  const root = namespace ? `${namespace}.alerts` : "alerts";
  const suffix = namespace ? `_${namespace}` : "";
  const bucket = (name: string) => `secops-${name}${namespace ? `-${namespace}` : ""}`;
  return {
    namespace,
    stream: `ALERTS${suffix}`,
    all: `${root}.>`,
    subjects: {
      raw: `${root}.raw`,
      enrichedAll: `${root}.enriched.>`,
      enrichedLegacy: `${root}.enriched`,
      enrichedReview: `${root}.enriched.review`,
      investigated: `${root}.investigated`,
      investigatedReview: `${root}.investigated.review`,
      decided: `${root}.decided`,
      executed: `${root}.executed`,
      dlq: `${root}.dlq`,
      incidents: `${root}.incidents`,
    },
    requests: {
      undo: namespace ? `${namespace}.secops.undo` : "secops.undo",
    },
    durables: {
      enricher: `enricher${suffix}`,
      decider: `decider${suffix}`,
      responder: `responder${suffix}`,
    },
    priorities: PRIORITIES.map((severity) => ({ severity, subject: `${root}.enriched.${severity}`, durable: `investigator-${severity}${suffix}` })),
    review: { subject: `${root}.enriched.review`, durable: `investigator-review${suffix}` },
    correlator: { durable: `correlator${suffix}`, bucket: bucket("incidents") },
    buckets: {
      enrichmentCache: bucket("enrichment-cache"),
      tickets: bucket("tickets"),
      blocklist: bucket("blocklist"),
      isolations: bucket("isolations"),
      closures: bucket("closures"),
      reviews: bucket("reviews"),
      approvals: bucket("approvals"),
      ledger: bucket("ledger"),
      suppressions: bucket("suppressions"),
      trust: bucket("trust"),
      investigationReuse: bucket("investigation-reuse"),
      policies: bucket("policies"),
    },
  };
}

/** The enriched subject an alert of this severity is published on. */
export function enrichedSubject(topo: Topology, severity: Severity): string {
  const p = topo.priorities.find((x) => x.severity === severity);
  if (!p) throw new Error(`no enriched subject for severity "${severity}"`);
  return p.subject;
}

/** The durable consumers a stage reads, highest priority first (the investigator has one per priority). */
export function stageDurables(topo: Topology, agent: "enricher" | "investigator" | "decider" | "responder"): string[] {
  return agent === "investigator" ? [...topo.priorities.map((p) => p.durable), topo.review.durable] : [topo.durables[agent]];
}

/** Every stage durable of the pipeline (not the correlator's). */
export function allStageDurables(topo: Topology): string[] {
  return [topo.durables.enricher, ...stageDurables(topo, "investigator"), topo.durables.decider, topo.durables.responder];
}

/**
 * The stage a stream subject carries, for readers of the whole stream (dashboard, replay, audit):
 * every `alerts.enriched.<severity>` is "enriched".
 */
export function stageOfSubject(topo: Topology, subject: string): Stage | "dlq" | "incidents" | null {
  const s = topo.subjects;
  switch (subject) {
    case s.raw: return "raw";
    case s.investigated: return "investigated";
    case s.decided: return "decided";
    case s.executed: return "executed";
    case s.dlq: return "dlq";
    case s.incidents: return "incidents";
    case s.enrichedLegacy: return "enriched";
    case s.enrichedReview: return "enriched";
    case s.investigatedReview: return "investigated";
  }
  return topo.priorities.some((p) => p.subject === subject) ? "enriched" : null;
}

/** The default topology: stream ALERTS on alerts.>. */
export const DEFAULT_TOPOLOGY = topology();

/** Header names the pipeline reads or writes. NATS header names are case-sensitive on the server. */
export const Headers = {
  msgId: "Nats-Msg-Id",
  traceparent: "traceparent",
  alertFormat: "Alert-Format",
  alertId: "Alert-Id",
  schema: "Secops-Schema",
  /** On an alert queued for a later LLM look (LLM_BACKLOG_REVIEW): when the rules analyst decided it. */
  review: "Secops-Review",
} as const;
