import type { NatsConnection } from "@nats-io/transport-node";
import type { KV } from "@nats-io/kv";
import type { Topology } from "@secops/contracts";
import { bucketOptions, openBucket } from "../runtime/provision.js";

export interface ResponderBuckets {
  ledger: KV;
  approvals: KV;
  tickets: KV;
  blocklist: KV;
  isolations: KV;
  closures: KV;
  reviews: KV;
  suppressions: KV;
}

/** Opens (creating when missing) every bucket the responder reads or writes. */
export async function openResponderBuckets(nc: NatsConnection, topo: Topology): Promise<ResponderBuckets> {
  const opts = bucketOptions(topo);
  const open = (name: string) => openBucket(nc, name, { history: opts[name]?.history ?? 5 });
  const b = topo.buckets;
  const [ledger, approvals, tickets, blocklist, isolations, closures, reviews, suppressions] = await Promise.all([
    open(b.ledger), open(b.approvals), open(b.tickets), open(b.blocklist),
    open(b.isolations), open(b.closures), open(b.reviews), open(b.suppressions),
  ]);
  return { ledger: ledger!, approvals: approvals!, tickets: tickets!, blocklist: blocklist!, isolations: isolations!, closures: closures!, reviews: reviews!, suppressions: suppressions! };
}
