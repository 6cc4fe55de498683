// The page's enums are generated from the contracts: the committed file must be what the
// generator writes now, or the page would show a stale list (npm run build rewrites it).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ActionType } from "@secops/contracts";
import { pageContractsSource } from "../src/page-contracts.js";

describe("public/generated/contracts.js", () => {
  it("is what the generator writes from @secops/contracts", () => {
    const file = readFileSync(new URL("../public/generated/contracts.js", import.meta.url), "utf8");
    expect(file).toBe(pageContractsSource());
    expect(file).toContain(`export const ACTION_TYPES = Object.freeze(${JSON.stringify(ActionType.options)});`);
  });
});
