/**
 * Policy versions, kept with their full text in the KV bucket `secops-policies` (topology
 * buckets.policies), keyed by the version every decision records (policy.version, e.g.
 * "default-2025.1#3f2a9c0d1e4b"). The decider records the policy it loaded at start, so any
 * decision can later be explained with the exact text that made it, even after the file changed.
 */
import { readFileSync } from "node:fs";
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Topology } from "@secops/contracts";
import { DEFAULT_POLICY_FILE, PolicyError, parsePolicy, policyVersion, type Policy } from "../decider/policy.js";

export interface PolicyVersionRecord {
  version: string;
  /** The file it was read from, as the decider was configured. */
  file: string;
  /** The file's text, byte for byte as it was read. */
  text: string;
  recordedAt: string;
  recordedBy: string;
}

export interface LoadedPolicy {
  policy: Policy;
  version: string;
  file: string;
  text: string;
}

/** Reads and validates a policy file once, keeping its text (loadPolicy's checks and errors). */
export function loadPolicyWithText(path?: string): LoadedPolicy {
  const file = path && path.trim() !== "" ? path : DEFAULT_POLICY_FILE;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new PolicyError(file, [`cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
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
  try {
    await kv.create(key, JSON.stringify(record));
    return { key, created: true };
  } catch (e) {
    const existing = await kv.get(key);
    if (existing && existing.operation === "PUT" && existing.length > 0) return { key, created: false };
    throw e;
  }
}

/**
 * The recorded text of a version, or null when it was never recorded (a decision older than this
 * bucket). matchesVersion says whether the text still parses to that version: the version carries a
 * digest of the policy, so a text altered in the bucket no longer matches it.
 */
export async function policyVersionText(nc: NatsConnection, topo: Topology, version: string): Promise<(PolicyVersionRecord & { matchesVersion: boolean }) | null> {
  const kv = await policiesBucket(nc, topo, false);
  if (!kv) return null;
  const e = await kv.get(policyKey(version)).catch(() => null);
  if (!e || e.operation !== "PUT" || e.length === 0) return null;
  const record = e.json<PolicyVersionRecord>();
  let matchesVersion = false;
  try {
    matchesVersion = policyVersion(parsePolicy(record.text, record.file)) === version;
  } catch { /* an unparsable text does not match */ }
  return { ...record, matchesVersion };
}
