// Loads the format fixtures the same way the CLI does, so tests see exactly what users send.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CanonicalAlert, type Ioc } from "@secops/contracts";
import { normalizeAlert, type NormalizeOptions } from "../../src/enricher/normalize/index.js";
import { splitBatch } from "../../src/enricher/normalize/split.js";

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "formats");
export const SEED_SAMPLES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "input_alerts");

export function fixtureText(format: string, file: string): string {
  return readFileSync(join(FIXTURES, format, file), "utf8");
}

/** The items of one fixture file (arrays, JSON lines and CEF lines are split). */
export function fixtureItems(format: string, file: string): string[] {
  return splitBatch(fixtureText(format, file), file).map((i) => i.text);
}

/** Normalizes one item and fails the test with the reason if it did not normalize. */
export function mustNormalize(text: string, options?: NormalizeOptions): CanonicalAlert {
  const r = normalizeAlert(text, options);
  if (!r.ok) throw new Error(`expected a canonical alert, got ${r.error.code}: ${r.error.reason}`);
  CanonicalAlert.parse(r.alert);
  return r.alert;
}

export function ioc(alert: CanonicalAlert, type: Ioc["type"], value: string): Ioc | undefined {
  return alert.iocs.find((i) => i.type === type && i.value === value);
}

export function iocValues(alert: CanonicalAlert, type?: Ioc["type"]): string[] {
  return alert.iocs.filter((i) => !type || i.type === type).map((i) => i.value);
}
