/**
 * Every subject, stream, durable and bucket name of the pipeline, in one place.
 *
 * `topology()` gives the names a deployment uses. The optional namespace exists so that
 * several isolated pipelines (tests sharing one server, tenants) can live on one NATS
 * account; a normal deployment uses the default and sees the names documented in the README.
 */
export const STAGES = ["raw", "enriched", "investigated", "decided", "executed"] as const;
export type Stage = (typeof STAGES)[number];

export interface Topology {
  readonly namespace: string;
  readonly stream: string;
  /** The wildcard the stream captures. */
  readonly all: string;
  readonly subjects: {
    readonly raw: string;
    readonly enriched: string;
    readonly investigated: string;
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
  /** One durable pull consumer per stage, named after the agent that owns it. */
  readonly durables: {
    readonly enricher: string;
    readonly investigator: string;
    readonly decider: string;
    readonly responder: string;
  };
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
      enriched: `${root}.enriched`,
      investigated: `${root}.investigated`,
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
      investigator: `investigator${suffix}`,
      decider: `decider${suffix}`,
      responder: `responder${suffix}`,
    },
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

/** The default topology: stream ALERTS on alerts.>. */
export const DEFAULT_TOPOLOGY = topology();

/** Header names the pipeline reads or writes. NATS header names are case-sensitive on the server. */
export const Headers = {
  msgId: "Nats-Msg-Id",
  traceparent: "traceparent",
  alertFormat: "Alert-Format",
  alertId: "Alert-Id",
  schema: "Secops-Schema",
} as const;
