import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export const SAMPLES_DIR = fileURLToPath(new URL("../../../input_alerts/", import.meta.url));

/** The five seed-format samples a new user publishes, by file name. */
export function loadSamples(): { file: string; body: string; json: Record<string, unknown> }[] {
  return readdirSync(SAMPLES_DIR).filter((f) => /^sample_alert\d+\.json$/.test(f)).sort().map((file) => {
    const body = readFileSync(join(SAMPLES_DIR, file), "utf8");
    return { file, body, json: JSON.parse(body) as Record<string, unknown> };
  });
}

/** What the rules analyst and the default policy do with each sample (seed-origin.md §5.3). */
export const EXPECTED_ACTION: Record<string, string> = {
  "sample_alert1.json": "CREATE_TICKET",
  "sample_alert2.json": "CREATE_TICKET",
  "sample_alert3.json": "ISOLATE_HOST",
  "sample_alert4.json": "BLOCK_IP",
  "sample_alert5.json": "ISOLATE_HOST",
};
