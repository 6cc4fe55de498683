import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Ajv2020 } from "ajv/dist/2020.js";
import { CanonicalAlert, DecidedMessage, jsonSchemas, topology, DEFAULT_TOPOLOGY, enrichedSubject, stageDurables, stageOfSubject } from "@secops/contracts";

const dir = fileURLToPath(new URL("../schemas/", import.meta.url));

describe("JSON Schemas for users of other languages", () => {
  it("are committed and match what the zod contracts generate", () => {
    const generated = jsonSchemas();
    const committed = readdirSync(dir).filter((f) => f.endsWith(".schema.json")).map((f) => f.replace(".schema.json", "")).sort();
    expect(committed).toEqual(Object.keys(generated).sort());
    for (const [name, schema] of Object.entries(generated)) {
      const onDisk = JSON.parse(readFileSync(join(dir, `${name}.schema.json`), "utf8"));
      expect(onDisk, `${name}.schema.json is stale: run npm run build`).toEqual(JSON.parse(JSON.stringify(schema)));
    }
  });

  it("validate and reject like the zod contracts do, in a standard JSON Schema validator", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(JSON.parse(readFileSync(join(dir, "canonical-alert.schema.json"), "utf8")));
    const alert = {
      format: "seed", category: "malware", severity: "critical", severityOriginal: "High", title: "Ransomware", description: "",
      time: "2025-05-08T10:12:45.000Z", source: { vendor: null, product: "Endpoint Protection" }, host: { name: "ws-17", ip: null },
      user: { name: "robert.lee" }, assets: ["ws-17"], iocs: [{ type: "sha256", value: "a".repeat(64), role: null, internal: false, from: "field" }],
      mitre: ["T1486"], tactics: ["impact"], sourceId: "SEC-1", fingerprint: "0".repeat(64), context: {}, raw: {},
    };
    expect(CanonicalAlert.safeParse(alert).success).toBe(true);
    expect(validate(alert)).toBe(true);
    const bad = { ...alert, severity: "severe", mitre: ["Valid Accounts"] };
    expect(CanonicalAlert.safeParse(bad).success).toBe(false);
    expect(validate(bad)).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath)).toEqual(expect.arrayContaining(["/severity", "/mitre/0"]));
  });

  it("describe the decided message, approvals included", () => {
    const schema = JSON.parse(readFileSync(join(dir, "alerts.decided.schema.json"), "utf8"));
    expect(schema.properties.decision.properties.status.enum).toEqual(DecidedMessage.shape.decision.shape.status.options);
  });
});

describe("topology", () => {
  it("names the documented subjects, stream and durables by default", () => {
    expect(DEFAULT_TOPOLOGY.stream).toBe("ALERTS");
    expect(DEFAULT_TOPOLOGY.all).toBe("alerts.>");
    expect(DEFAULT_TOPOLOGY.subjects).toEqual({ raw: "alerts.raw", enrichedAll: "alerts.enriched.>", enrichedLegacy: "alerts.enriched", enrichedReview: "alerts.enriched.review", investigatedReview: "alerts.investigated.review", investigated: "alerts.investigated", decided: "alerts.decided", executed: "alerts.executed", dlq: "alerts.dlq", incidents: "alerts.incidents" });
    expect(DEFAULT_TOPOLOGY.durables.enricher).toBe("enricher");
    expect(DEFAULT_TOPOLOGY.priorities).toEqual([
      { severity: "critical", subject: "alerts.enriched.critical", durable: "investigator-critical" },
      { severity: "high", subject: "alerts.enriched.high", durable: "investigator-high" },
      { severity: "medium", subject: "alerts.enriched.medium", durable: "investigator-medium" },
      { severity: "low", subject: "alerts.enriched.low", durable: "investigator-low" },
    ]);
  });
  it("maps every enriched subject, the priority ones and the one before the split, to the enriched stage", () => {
    const t = topology("ns1");
    expect(enrichedSubject(t, "high")).toBe("ns1.alerts.enriched.high");
    expect(stageDurables(t, "investigator")).toEqual(["investigator-critical_ns1", "investigator-high_ns1", "investigator-medium_ns1", "investigator-low_ns1", "investigator-review_ns1"]);
    expect(stageOfSubject(t, "ns1.alerts.enriched.low")).toBe("enriched");
    expect(stageOfSubject(t, "ns1.alerts.enriched")).toBe("enriched");
    expect(stageOfSubject(t, "ns1.alerts.enriched.bogus")).toBeNull();
    expect(stageOfSubject(t, "ns1.alerts.decided")).toBe("decided");
  });
  it("isolates a namespace and refuses names NATS would reject", () => {
    const t = topology("tenant_a");
    expect(t.stream).toBe("ALERTS_tenant_a");
    expect(t.subjects.raw).toBe("tenant_a.alerts.raw");
    expect(t.buckets.ledger).toBe("secops-ledger-tenant_a");
    expect(() => topology("a.b")).toThrow(/namespace/);
  });
});
