// Who may publish what on NATS: the one definition of the pipeline's users and their
// least-privilege permissions. `npm start` renders it (with generated passwords) for the
// nats-server it runs itself, and the same rendering with placeholder passwords is shipped as
// infra/nats/accounts.conf (a test checks the two agree), so the laptop and a real cluster
// enforce the same rules.
//
// What a JetStream client needs on nats-server 2.9 (tech.md §A): the JetStream API
// ($JS.API.…, replies on _INBOX), acks of its durable ($JS.ACK.<stream>.<durable>.…), flow
// control replies of ordered consumers ($JS.FC.…, used by KV watches and the stream readers),
// and a KV write is a publish on $KV.<bucket>.<key>. Destructive API calls (deleting or purging
// the stream, deleting messages, touching another stage's durable) are denied (see `denied`).
import { DEFAULT_TOPOLOGY, stageDurables, type Topology } from "@secops/contracts";

type AgentName = Parameters<typeof stageDurables>[1];
const AGENTS: AgentName[] = ["enricher", "investigator", "decider", "responder"];

export const NATS_ROLES = ["enricher", "investigator", "decider", "responder", "correlator", "dashboard", "cli", "publisher"] as const;
export type NatsRole = (typeof NATS_ROLES)[number];

export interface RolePermissions {
  publish: { allow: string[]; deny: string[] };
  subscribe: { allow: string[] };
  /** May answer requests it receives (publish to the requester's reply subject only). */
  allowResponses: boolean;
  /** One line for people: what this user is for. */
  purpose: string;
}

type SubjectName = keyof Topology["subjects"];
type BucketName = keyof Topology["buckets"];
type RequestName = keyof Topology["requests"];

/** What each role may publish (pipeline subjects) and which KV buckets it may write. */
// anyBucket: `secops replay` writes throw-away buckets of a replay namespace (secops-ledger-replay…), whose
// names a subject wildcard cannot match, so the CLI may write any bucket (it writes every response bucket already).
const ROLES: Record<NatsRole, { purpose: string; publishes: SubjectName[]; writes: BucketName[]; durable?: AgentName; readsStream?: boolean; noApi?: boolean; anyBucket?: boolean; asks?: RequestName[]; answers?: RequestName[]; also?: (topo: Topology) => string[] }> = {
  enricher: { purpose: "alerts.raw -> alerts.enriched.<severity>", publishes: ["enrichedAll", "dlq"], writes: ["enrichmentCache"], durable: "enricher" },
  investigator: { purpose: "alerts.enriched.<severity> (one durable per priority) -> alerts.investigated; the investigation-reuse records", publishes: ["investigated", "investigatedReview", "enrichedReview", "dlq"], writes: ["investigationReuse"], durable: "investigator" },
  decider: { purpose: "alerts.investigated -> alerts.decided (signed decisions); containment-limit windows", publishes: ["decided", "dlq"], writes: ["trust", "policies"], durable: "decider" },
  responder: {
    purpose: "alerts.decided -> alerts.executed; expired approvals back on alerts.decided; the response records; incident cases",
    publishes: ["executed", "decided", "dlq"],
    writes: ["ledger", "approvals", "tickets", "blocklist", "isolations", "closures", "reviews", "suppressions", "trust"],
    durable: "responder",
    answers: ["undo"],
    // The TheHive / Jira case of each incident, kept beside the incidents (responder/connectors/incident-cases.ts).
    also: (topo) => [`$KV.${topo.correlator.bucket}.>`],
  },
  // The correlator's durable and bucket live in topo.correlator (it provisions them itself).
  correlator: {
    purpose: "alerts.decided -> alerts.incidents; the incidents bucket",
    publishes: ["incidents"],
    writes: [],
    also: (topo) => [`$JS.ACK.${topo.stream}.${topo.correlator.durable}.>`, `$KV.${topo.correlator.bucket}.>`],
  },
  dashboard: {
    purpose: "reads everything; ingest (alerts.raw), signed approval outcomes (alerts.decided), undo, pause, incident merge and split",
    publishes: ["raw", "decided", "incidents"],
    also: (topo) => [`$KV.${topo.correlator.bucket}.>`],
    writes: ["ledger", "approvals", "tickets", "blocklist", "isolations", "closures", "reviews", "suppressions", "trust"],
    readsStream: true,
    asks: ["undo"],
  },
  cli: {
    purpose: "the secops CLI and the npm start launcher: publish, signed approvals, undo, pause, audit, provisioning",
    publishes: ["raw", "decided"],
    writes: ["ledger", "approvals", "tickets", "blocklist", "isolations", "closures", "reviews", "suppressions", "trust"],
    readsStream: true,
    anyBucket: true,
    asks: ["undo"],
  },
  publisher: { purpose: "a SIEM or forwarder: publishes alerts.raw and nothing else", publishes: ["raw"], writes: [], noApi: true },
};

/**
 * The JetStream API calls a role may not make: nobody deletes or purges the stream or deletes its
 * messages; an agent may (re)create only its own durable and deletes none; the dashboard neither
 * changes the stream nor any durable. Only the CLI (which `npm start` provisions with) may.
 */
function denied(role: NatsRole, topo: Topology): string[] {
  const s = topo.stream;
  const out = [`$JS.API.STREAM.DELETE.${s}`, `$JS.API.STREAM.PURGE.${s}`, `$JS.API.STREAM.MSG.DELETE.${s}`];
  if (role === "cli") return out;
  const own = ROLES[role].durable;
  for (const agent of AGENTS) {
    for (const durable of stageDurables(topo, agent)) {
      if (agent !== own) out.push(`$JS.API.CONSUMER.CREATE.${s}.${durable}`, `$JS.API.CONSUMER.CREATE.${s}.${durable}.>`, `$JS.API.CONSUMER.DURABLE.CREATE.${s}.${durable}`);
      out.push(`$JS.API.CONSUMER.DELETE.${s}.${durable}`);
    }
  }
  if (!own) out.push(`$JS.API.STREAM.CREATE.${s}`, `$JS.API.STREAM.UPDATE.${s}`);
  return out;
}

export function permissionsFor(role: NatsRole, topo: Topology = DEFAULT_TOPOLOGY): RolePermissions {
  const r = ROLES[role];
  const allow = [
    ...r.publishes.map((s) => topo.subjects[s]),
    ...(r.noApi ? [] : ["$JS.API.>", "$JS.FC.>"]),
    ...(r.durable ? stageDurables(topo, r.durable).map((d) => `$JS.ACK.${topo.stream}.${d}.>`) : []),
    ...(r.anyBucket ? ["$KV.>"] : r.writes.map((b) => `$KV.${topo.buckets[b]}.>`)),
    ...(r.asks ?? []).map((x) => topo.requests[x]),
    ...(r.also?.(topo) ?? []),
  ];
  // An agent hears JetStream give up on its durable's messages, to dead-letter them (runtime/stage.ts).
  const subscribe = ["_INBOX.>", ...(r.readsStream ? [topo.all] : []), ...(r.answers ?? []).map((x) => topo.requests[x]), ...(r.durable ? stageDurables(topo, r.durable).map((d) => `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${topo.stream}.${d}`) : [])];
  return { purpose: r.purpose, publish: { allow, deny: r.noApi ? [] : denied(role, topo) }, subscribe: { allow: subscribe }, allowResponses: Boolean(r.answers?.length) };
}

const q = (s: string) => JSON.stringify(s);

export interface RenderOptions {
  listen: string;
  storeDir: string;
  /** Password per role; the shipped file uses change-me-<role>. */
  passwords: Record<NatsRole, string>;
  topo?: Topology;
  header?: string;
}

/** nats-server 2.9 configuration: JetStream plus one user per role, in the global account. */
export function renderNatsConfig(o: RenderOptions): string {
  const topo = o.topo ?? DEFAULT_TOPOLOGY;
  const users = NATS_ROLES.map((role) => {
    const p = permissionsFor(role, topo);
    return [
      `    # ${role}: ${p.purpose}`,
      `    { user: ${q(role)}, password: ${q(o.passwords[role])}, permissions: {`,
      `        publish: { allow: [${p.publish.allow.map(q).join(", ")}], deny: [${p.publish.deny.map(q).join(", ")}] }`,
      `        subscribe: { allow: [${p.subscribe.allow.map(q).join(", ")}] }${p.allowResponses ? ", allow_responses: true" : ""} } }`,
    ].join("\n");
  });
  return [
    o.header ?? "",
    `listen: ${o.listen}`,
    `jetstream { store_dir: ${q(o.storeDir)} }`,
    "",
    "authorization {",
    "  users: [",
    users.join("\n"),
    "  ]",
    "}",
    "",
  ].join("\n").replace(/^\n/, "");
}

export const SHIPPED_HEADER = `# GENERATED from agents/src/trust/nats-users.ts (npm run render:nats): edit that file, not this one.
# Least-privilege users for the pipeline on nats-server 2.9: each agent publishes only its output
# subject and the DLQ and writes only its KV buckets; nobody may delete or purge the stream.
# \`npm start\` renders the same users with generated passwords into DATA_DIR when it runs its own
# nats-server. On a real cluster: replace every change-me password (or use bcrypt hashes from
# \`nats server passwd\`), run nats-server -c infra/nats/accounts.conf, and give each process
# NATS_USER=<role> NATS_PASSWORD=<its password>.
`;

/** The text of infra/nats/accounts.conf. */
export function shippedAccountsConf(): string {
  const passwords = Object.fromEntries(NATS_ROLES.map((r) => [r, `change-me-${r}`])) as Record<NatsRole, string>;
  return renderNatsConfig({ listen: "127.0.0.1:4222", storeDir: "./data/nats", passwords, header: SHIPPED_HEADER });
}

/** Which user a process connects as, from the connection name it gives (e.g. "decider:host-1"). */
export function roleOfConnection(name: string): NatsRole {
  const head = name.split(":")[0]!;
  return (NATS_ROLES as readonly string[]).includes(head) ? (head as NatsRole) : "cli";
}
