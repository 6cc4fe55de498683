// Builds a valid chain of stage messages for one alert, each checked against its contract,
// so the dashboard tests exercise exactly what the agents publish.
import { createHash, randomBytes } from "node:crypto";
import {
  DecidedMessage, DlqMessage, EnrichedMessage, ExecutedMessage, InvestigatedMessage, SchemaIds, enrichedSubject,
  type ActionParameters, type Decision, type Topology,
} from "@secops/contracts";
import type { JetStreamClient } from "@nats-io/jetstream";

export interface ChainOptions {
  alertId: string;
  title?: string;
  description?: string;
  analyst?: "llm" | "rules";
  thinking?: string | null;
  fallbackReason?: string | null;
  reasoning?: string;
  action?: "BLOCK_IP" | "CREATE_TICKET";
  injection?: boolean;
  /** Adds an awaiting_approval decision before the approved one. */
  approval?: boolean;
  executionStatus?: "success" | "failed";
  receivedAt?: Date;
  latencyMs?: number;
  host?: string;
  user?: string;
  externalIp?: string;
  /** The vendor's severity (alert.severity) and the analyst's (investigation.severity). */
  severity?: "low" | "medium" | "high" | "critical";
  analystSeverity?: "low" | "medium" | "high" | "critical";
  sourceId?: string;
  hashes?: string[];
  format?: "seed" | "wazuh" | "suricata" | "okta" | "crowdstrike";
  category?: "authentication" | "malware" | "network_scan" | "data_exfiltration" | "other";
  /** alert.time when it differs from the receive time. */
  alertTime?: Date;
}

export interface Chain {
  enriched: EnrichedMessage;
  investigated: InvestigatedMessage;
  decided: DecidedMessage[];
  executed: ExecutedMessage;
}

const producer = (agent: string) => ({ agent, version: "0.1.0", instance: `${agent}-test` });
const iso = (d: Date) => d.toISOString();

export function buildChain(o: ChainOptions): Chain {
  const received = o.receivedAt ?? new Date();
  const latency = o.latencyMs ?? 1200;
  const at = (fraction: number) => iso(new Date(received.getTime() + Math.round(latency * fraction)));
  const action = o.action ?? "BLOCK_IP";
  const analyst = o.analyst ?? "llm";
  const title = o.title ?? `Suspicious login to finance admin from Tor (${o.alertId})`;
  const description = o.description ?? "Login from a Tor exit node to the account of a finance administrator.";
  const ip = o.externalIp ?? "185.220.101.45";
  const host = o.host ?? "fin-ws-042";
  const user = o.user ?? "john.smith";

  const enriched = EnrichedMessage.parse({
    schema: SchemaIds.enriched,
    alertId: o.alertId,
    traceId: randomBytes(16).toString("hex"),
    producer: producer("enricher"),
    timestamps: { received: iso(received), enriched: at(0.1) },
    alert: {
      format: o.format ?? "seed", category: o.category ?? "authentication", severity: o.severity ?? "high", severityOriginal: "High",
      title, description, time: iso(o.alertTime ?? received),
      source: { vendor: "Acme", product: "IdP" },
      host: { name: host, ip: "10.0.4.42" },
      user: { name: user },
      assets: [host],
      iocs: [
        { type: "ip", value: ip, role: "source", internal: false, from: "field", path: "details.source_ip" },
        { type: "ip", value: "10.0.4.42", role: "destination", internal: true, from: "field", path: "details.host_ip" },
        ...(o.hashes ?? []).map((h) => ({ type: "sha256" as const, value: h, role: null, internal: false, from: "field" as const })),
      ],
      mitre: ["T1078"], tactics: ["initial-access"], sourceId: o.sourceId ?? `src-${o.alertId}`,
      fingerprint: createHash("sha256").update(o.alertId).digest("hex"),
      context: { user_department: "Finance" },
      raw: { name: title, description },
    },
    enrichment: {
      indicators: [{
        type: "ip", value: ip, verdict: "malicious",
        sources: [{ name: "tor-exit-list", verdict: "malicious", detail: "listed exit node" }],
        tags: ["tor-exit"], geo: { country: "DE", asn: 24940, org: "Hetzner" }, cached: false,
      }],
      asset: { name: host, criticality: "high", reason: "finance workstation" },
      summary: { malicious: 1, suspicious: 0, clean: 0, unknown: 0, externalIps: 1, internalIps: 1 },
      providers: ["tor-exit-list"],
      suppressed: null,
    },
  });

  const investigated = InvestigatedMessage.parse({
    ...enriched,
    schema: SchemaIds.investigated,
    producer: producer("investigator"),
    timestamps: { ...enriched.timestamps, investigated: at(0.5) },
    investigation: {
      analyst, severity: o.analystSeverity ?? "high", confidence: 0.87, verdict: "true_positive",
      summary: "Account takeover attempt through a Tor exit node.",
      reasoning: o.reasoning ?? "The source IP is a known Tor exit node and the account is privileged.",
      thinking: o.thinking === undefined ? (analyst === "llm" ? "The user never logs in from Germany..." : null) : o.thinking,
      mitre: ["T1078"], evidence: [`${ip} is a Tor exit node`],
      recommendedAction: action, recommendedTarget: action === "BLOCK_IP" ? ip : null,
      fallbackReason: analyst === "rules" ? (o.fallbackReason ?? "LLM endpoint timed out after 60 s") : null,
      injection: o.injection
        ? { detected: true, findings: [{ path: "alert.description", kind: "instruction", excerpt: "ignore previous instructions" }] }
        : { detected: false, findings: [] },
      llm: analyst === "llm"
        ? { model: "qwen3-8b", promptVersion: "p1", thinkingMode: "on", promptTokens: 812, completionTokens: 240, latencyMs: 950, attempts: 1, repaired: false }
        : null,
    },
  });

  const parameters: ActionParameters = action === "BLOCK_IP"
    ? { action, ip, durationHours: 24, reason: "Tor exit node used against a privileged account" }
    : { action, title, priority: "high", description, assets: [host] };
  const baseDecision: Decision = {
    action, parameters, mode: o.approval ? "approval" : "auto", status: "ready",
    proposedBy: analyst, proposed: { action, target: action === "BLOCK_IP" ? ip : null },
    confidence: 0.87, reason: "Malicious external source against a high-value account",
    policy: { version: "2026-11-01", rules: [
      { rule: "target.must_be_extracted", effect: "allow", reason: `${ip} is an IoC of the alert` },
      ...(o.approval ? [{ rule: "block.requires_approval", effect: "require_approval" as const, reason: "blocking needs a second pair of eyes" }] : []),
    ] },
    tainted: o.injection ?? false,
    approval: null,
  };
  const decidedAt = at(0.7);
  const decided: DecidedMessage[] = [];
  if (o.approval) {
    const approval = {
      id: `apr-${o.alertId}`, digest: "a".repeat(64), requiredRole: "soc-lead", approversRequired: 1,
      expiresAt: iso(new Date(received.getTime() + 3600_000)), approvers: [], rejectedBy: null,
    };
    decided.push(DecidedMessage.parse({
      ...investigated, schema: SchemaIds.decided, producer: producer("decider"),
      timestamps: { ...investigated.timestamps, decided: at(0.6) },
      decision: { ...baseDecision, status: "awaiting_approval", approval },
    }));
    decided.push(DecidedMessage.parse({
      ...investigated, schema: SchemaIds.decided, producer: producer("dashboard"),
      timestamps: { ...investigated.timestamps, decided: decidedAt },
      decision: { ...baseDecision, status: "approved", approval: { ...approval, approvers: [{ by: "alice", at: decidedAt, comment: "confirmed" }] } },
    }));
  } else {
    decided.push(DecidedMessage.parse({
      ...investigated, schema: SchemaIds.decided, producer: producer("decider"),
      timestamps: { ...investigated.timestamps, decided: decidedAt },
      decision: baseDecision,
    }));
  }
  const last = decided[decided.length - 1]!;
  const failed = o.executionStatus === "failed";
  const executed = ExecutedMessage.parse({
    ...last, schema: SchemaIds.executed, producer: producer("responder"),
    timestamps: { ...last.timestamps, executed: at(1) },
    execution: {
      actionId: `${enriched.alert.fingerprint}:${action}`, action, status: failed ? "failed" : "success",
      target: action === "BLOCK_IP" ? ip : null, connector: action === "BLOCK_IP" ? "kv:blocklist" : "kv:tickets",
      summary: failed ? "blocklist write failed" : action === "BLOCK_IP" ? `${ip} blocked for 24 h` : "ticket SEC-1 created",
      details: action === "BLOCK_IP" ? { ruleId: "bl-1", expiresAt: at(24) } : { ticketId: "SEC-1" },
      undo: action === "BLOCK_IP" ? { action: "UNBLOCK_IP", description: `remove ${ip} from the blocklist` } : null,
      error: failed ? "kv unavailable" : null,
    },
  });
  return { enriched, investigated, decided, executed };
}

export function buildDlq(o: { alertId: string | null; reason: string; original: string; stage?: string }): DlqMessage {
  return DlqMessage.parse({
    schema: SchemaIds.dlq, alertId: o.alertId, traceId: null, producer: producer(o.stage ?? "enricher"),
    at: new Date().toISOString(), stage: o.stage ?? "enricher", subject: "alerts.raw", reason: o.reason,
    errors: [{ path: "(root)", message: "unexpected token" }], tried: ["json", "cef"],
    original: { encoding: "utf8", data: o.original, headers: {}, streamSequence: 1, deliveryCount: 1 },
  });
}

const enc = (v: unknown) => JSON.stringify(v);

/** Publishes a chain in stage order, each with the pipeline's deterministic Nats-Msg-Id. */
export async function publishChain(js: JetStreamClient, topo: Topology, chain: Chain, upTo: "enriched" | "investigated" | "decided" | "executed" = "executed"): Promise<void> {
  const id = chain.enriched.alertId;
  await js.publish(enrichedSubject(topo, chain.enriched.alert.severity), enc(chain.enriched), { msgID: `${id}:enriched` });
  if (upTo === "enriched") return;
  await js.publish(topo.subjects.investigated, enc(chain.investigated), { msgID: `${id}:investigated` });
  if (upTo === "investigated") return;
  for (const [i, d] of chain.decided.entries()) await js.publish(topo.subjects.decided, enc(d), { msgID: `${id}:decided:${i}` });
  if (upTo === "decided") return;
  await js.publish(topo.subjects.executed, enc(chain.executed), { msgID: `${id}:executed` });
}
