// Each package's public surface is a decision written in its package.json: no wildcard that
// exports every internal file, and no entry pointing at a file the build does not produce.
// (npm test builds first, so dist/ exists.)
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../..");
type Exports = Record<string, { types: string; default: string }>;

describe.each(["agents", "contracts", "dashboard"])("the %s package's exports", (pkg) => {
  const json = JSON.parse(readFileSync(join(ROOT, pkg, "package.json"), "utf8")) as { name: string; exports: Exports };

  it("lists each entry point by name, without wildcards", () => {
    expect(Object.keys(json.exports).length).toBeGreaterThan(0);
    for (const [key, target] of Object.entries(json.exports)) {
      expect(key, key).not.toContain("*");
      expect(`${target.types} ${target.default}`, key).not.toContain("*");
    }
  });

  it("points only at files the build produces, and each entry loads", async () => {
    for (const [key, target] of Object.entries(json.exports)) {
      expect(existsSync(join(ROOT, pkg, target.default)), `${key} -> ${target.default}`).toBe(true);
      expect(existsSync(join(ROOT, pkg, target.types)), `${key} -> ${target.types}`).toBe(true);
      const mod = (await import(join(ROOT, pkg, target.default))) as Record<string, unknown>;
      expect(Object.keys(mod).length, key).toBeGreaterThan(0);
    }
  });
});

describe("what the dashboard may import from the agents", () => {
  it("resolves the named entry points and nothing else", async () => {
    const state = (await import("@secops/agents/state")) as Record<string, unknown>;
    expect(state.requestUndo).toBeTypeOf("function");
    expect(state.ApprovalRecord).toBeDefined();
    const internal = ["@secops/agents", "responder", "handler"].join("/");
    await expect(import(/* @vite-ignore */ internal)).rejects.toThrow();
  });
});
