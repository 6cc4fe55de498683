/**
 * Policy versions, kept with their full text in the KV bucket `secops-policies` (topology
 * buckets.policies), keyed by the version every decision records (policy.version, e.g.
 * "default-2025.1#3f2a9c0d1e4b"). The decider records the policy it loaded at start, so any
 * decision can later be explained with the exact text that made it, even after the file changed.
 */
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Topology } from "@secops/contracts";
import { parsePolicy, policyVersion, readPolicyFile, type Policy } from "../shared/policy.js";
import { createJson, getJson } from "./kv.js";
import { PolicyVersionRecord } from "./records.js";

export { PolicyVersionRecord };

export interface LoadedPolicy {
  policy: Policy;
  version: string;
  file: string;
  text: string;
}

/** Reads and validates a policy file once, keeping its text (loadPolicy's checks and errors). */
export function loadPolicyWithText(path?: string): LoadedPolicy {
  const { file, text } = readPolicyFile(path);
  const policy = parsePolicy(text, file);
  return { policy, version: policyVersion(policy), file, text };
}

/** KV keys allow [-/_=.a-zA-Z0-9]; a version's "#" (and anything else) becomes ".". */
export function policyKey(version: string): string {
  return version.replace(/[^-/_=.a-zA-Z0-9]/g, ".").replace(/^[./]+|[./]+$/g, "") || "unnamed";
}

async function policiesBucket(nc: NatsConnection, topo: Topology, create: boolean): Promise<KV | null> {
  try {
    return create ? await new Kvm(nc).create(topo.buckets.policies, { history: 1 }) : await new Kvm(nc).open(topo.buckets.policies);
  } catch (e) {
    if (create) throw e;
    return null;
  }
}

/** Records a policy version unless that version is already there (a version's text never changes: the version carries its digest). */
export async function recordPolicyVersion(nc: NatsConnection, topo: Topology, loaded: LoadedPolicy, by: string): Promise<{ key: string; created: boolean }> {
  const kv = (await policiesBucket(nc, topo, true))!;
  const key = policyKey(loaded.version);
  const record: PolicyVersionRecord = { version: loaded.version, file: loaded.file, text: loaded.text, recordedAt: new Date().toISOString(), recordedBy: by };
  if ((await createJson(kv, key, record)) !== null) return { key, created: true };
  // Already there: the stored record must still be a policy record (a read is validated, state/kv.ts).
  if (await getJson(kv, key, PolicyVersionRecord)) return { key, created: false };
  throw new Error(`KV record ${topo.buckets.policies}/${key} vanished while recording policy ${loaded.version}`);
}

/**
 * The recorded text of a version, or null when it was never recorded (a decision older than this
 * bucket). matchesVersion says whether the text still parses to that version: the version carries a
 * digest of the policy, so a text altered in the bucket no longer matches it.
 */
export async function policyVersionText(nc: NatsConnection, topo: Topology, version: string): Promise<(PolicyVersionRecord & { matchesVersion: boolean }) | null> {
  const kv = await policiesBucket(nc, topo, false);
  if (!kv) return null;
  // A record that does not match its schema is an error naming bucket and key (state/kv.ts), not a blank explanation.
  const found = await getJson(kv, policyKey(version), PolicyVersionRecord);
  if (!found) return null;
  const record = found.value;
  let matchesVersion = false;
  try {
    matchesVersion = policyVersion(parsePolicy(record.text, record.file)) === version;
  } catch { /* an unparsable text does not match */ }
  return { ...record, matchesVersion };
}
