// What may be sent to an online provider. An address is only asked about when it is public: a
// private, loopback, link-local, CGNAT, documentation, multicast or reserved address (or one the
// normalizer marked internal, e.g. from INTERNAL_RANGES) names our own network, and sending it
// out would leak it for nothing. Reserved and internal-looking names (RFC 2606 / RFC 6761 / .local,
// .internal, .lan, .corp, .home.arpa) are kept in too. Hashes say nothing about the network.
import ipaddr from "ipaddr.js";
import type { IocType } from "@secops/contracts";
import { ipTags } from "../ip-classification.js";

const RESERVED_SUFFIXES = ["local", "localhost", "test", "example", "invalid", "internal", "lan", "corp", "home", "intranet", "private", "home.arpa", "localdomain"];
const RESERVED_DOMAINS = ["example.com", "example.net", "example.org"];

function domainMayLeave(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  if (!h.includes(".")) return false; // a bare host name is internal
  if (RESERVED_SUFFIXES.some((s) => h === s || h.endsWith(`.${s}`))) return false;
  if (RESERVED_DOMAINS.some((d) => h === d || h.endsWith(`.${d}`))) return false;
  return true;
}

function hostMayLeave(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  if (ipaddr.isValid(bare)) return ipTags(bare).includes("public");
  return domainMayLeave(bare);
}

/** Why an indicator is kept in, or null when it may be sent to a provider. */
export function keptInReason(type: IocType, value: string, internal: boolean): string | null {
  return byType(type, value) ?? (internal ? "an internal indicator (INTERNAL_RANGES) is never sent out" : null);
}

function byType(type: IocType, value: string): string | null {
  switch (type) {
    case "ip": {
      const tags = ipTags(value);
      return tags.includes("public") ? null : `a ${tags[0] ?? "non-public"} address is never sent out`;
    }
    case "domain":
      return domainMayLeave(value) ? null : "a reserved or internal name is never sent out";
    case "url": {
      let host: string;
      try { host = new URL(value).hostname; } catch { return "not a valid URL"; }
      return hostMayLeave(host) ? null : "a URL on a non-public host is never sent out";
    }
    case "email": {
      const domain = value.split("@")[1] ?? "";
      return domainMayLeave(domain) ? null : "an address on a reserved or internal domain is never sent out";
    }
    default:
      return null;
  }
}
