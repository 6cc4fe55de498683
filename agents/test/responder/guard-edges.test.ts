// Edges of the responder's never-block guard that `npm run mutation` showed no other test would
// notice: only ISOLATE_HOST is checked as an isolation, and an alert without a host address.
import { describe, expect, it } from "vitest";
import { DecidedMessage } from "@secops/contracts";
import { loadPolicy } from "../../src/shared/policy.js";
import { neverBlockRefusal } from "../../src/responder/guard.js";
import { block, decided, ticket } from "./fixtures.js";

const policy = loadPolicy();

describe("the guard's edges", () => {
  it("a ticket about a critical asset is not an isolation and is not refused", () => {
    const m = structuredClone(decided(ticket()));
    m.enrichment.asset = { name: null, criticality: "critical", reason: "domain controller" };
    expect(neverBlockRefusal(DecidedMessage.parse(m), policy, 0)).toBeNull();
  });

  it("an alert without a host address still has its block checked (and an external target allowed)", () => {
    const m = structuredClone(decided(block("203.0.113.7")));
    m.alert.host = { name: "ws-1", ip: null };
    expect(neverBlockRefusal(DecidedMessage.parse(m), policy, 0)).toBeNull();
    const own = structuredClone(decided(block("203.0.113.8")));
    own.alert.host = { name: "ws-1", ip: "203.0.113.8" };
    expect(neverBlockRefusal(DecidedMessage.parse(own), policy, 0)).toMatchObject({ rule: "network.never_block_internal" });
  });
});
