// One indicator read from a feed, whatever its format.
import type { IocType, Reputation } from "@secops/contracts";

export interface FeedIndicator {
  /** The indicator as written: an address, CIDR, domain, URL or hash. */
  value: string;
  /** When the format says (STIX object type, MISP attribute type); else inferred at lookup. */
  type: IocType | "cidr" | null;
  verdict: Exclude<Reputation, "unknown">;
  tags: string[];
  note: string | null;
  /** The feed the hit came from: file name, MISP event, STIX producer, TAXII collection. */
  source: string;
  /** 0 to 100 when the feed states one. */
  confidence: number | null;
  /** After this the indicator no longer counts (STIX valid_until, CSV valid_until/expires). */
  validUntil: Date | null;
}

export class FeedError extends Error {}

export const clipText = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
