// Distinct alerts for the pipeline bench, made from the seed samples: each variant has its own
// alert_id (so the enricher gives it its own alert id), its own documentation-range addresses in
// place of the sample's public ones (the samples use real attacker-style addresses) and
// its own host names (so the responder's action ledger does not treat it as a repeat of another
// variant's block or isolation). Only documentation addresses (RFC 5737) and example.com names are
// used: nothing a bench run "blocks" or "isolates" can be a real machine.
import type { Sample } from "./corpus.js";

const DOC_NETS = ["192.0.2", "198.51.100", "203.0.113"] as const;
const PUBLIC_IP = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g;
/** Private addresses stay: they are the samples' internal hosts. */
const PRIVATE_IP = /^(?:10\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|127\.)/;
const EXAMPLE_HOST = /\b([a-z0-9][a-z0-9-]*)\.corp\.example\.com\b/g;

/** The n-th documentation address, skipping .0 and .255 (never a host). */
export function documentationIp(n: number): string {
  const perNet = 254;
  const i = ((n % (perNet * DOC_NETS.length)) + perNet * DOC_NETS.length) % (perNet * DOC_NETS.length);
  return `${DOC_NETS[Math.floor(i / perNet)]}.${(i % perNet) + 1}`;
}

export interface AlertVariant {
  /** The alert_id the variant carries (the canonical alert's sourceId). */
  sourceId: string;
  /** The sample it was made from. */
  sample: string;
  body: string;
}

/**
 * The k-th variant (0-based) for a bench run: sample k mod (number of samples). Within a variant
 * every distinct public address maps to its own documentation one, consistently, so a raw log line
 * still names the same address as the structured field.
 */
export function alertVariant(samples: readonly Sample[], runId: string, k: number): AlertVariant {
  if (samples.length === 0) throw new Error("no sample alerts to make variants from");
  const sample = samples[k % samples.length]!;
  const json = JSON.parse(sample.body) as Record<string, unknown>;
  const sourceId = `BENCH-${runId}-${k}`;
  json.alert_id = sourceId;
  const mapped = new Map<string, string>();
  const body = JSON.stringify(json)
    .replace(PUBLIC_IP, (ip) => {
      if (PRIVATE_IP.test(ip)) return ip;
      let v = mapped.get(ip);
      if (!v) { v = documentationIp(k * 4 + mapped.size); mapped.set(ip, v); }
      return v;
    })
    .replace(EXAMPLE_HOST, (_m, name: string) => `${name}-b${k}.corp.example.com`);
  return { sourceId, sample: sample.file, body };
}
