// Build step: writes public/generated/contracts.js (see page-contracts.ts).
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { pageContractsSource } from "./page-contracts.js";

export const PAGE_CONTRACTS_FILE = fileURLToPath(new URL("../public/generated/contracts.js", import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(fileURLToPath(new URL("../public/generated/", import.meta.url)), { recursive: true });
  writeFileSync(PAGE_CONTRACTS_FILE, pageContractsSource());
}
