// Writes contracts/schemas/*.schema.json from the zod schemas, for users of other languages
// and of the nats CLI. Run by the package build; a test checks the committed files are current.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { jsonSchemas } from "./json-schemas.js";

const out = join(dirname(fileURLToPath(import.meta.url)), "..", "schemas");
mkdirSync(out, { recursive: true });
for (const [name, schema] of Object.entries(jsonSchemas())) {
  writeFileSync(join(out, `${name}.schema.json`), JSON.stringify(schema, null, 2) + "\n");
}

