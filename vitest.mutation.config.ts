// The fast unit tests that cover the code `npm run mutation` mutates (stryker.config.mjs). No
// e2e or browser tests: they spawn dist/ processes, which do not see Stryker's mutants, and are slow.
// The ledger and approvals are mutated against their direct tests (agents/test/state/), not the
// responder's whole-decision tests, which reach every ledger line and would run for every mutant.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "agents/test/decider/**/*.test.ts",
      "agents/test/shared/policy*.test.ts",
      "agents/test/shared/network.test.ts",
      "agents/test/responder/guard*.test.ts",
      "agents/test/responder/targets.test.ts",
      "agents/test/state/*.test.ts",
      "agents/test/investigator/injection.test.ts",
      "agents/test/investigator/injection-walk.test.ts",
      "contracts/test/action-digest.test.ts",
      "dashboard/test/auth.test.ts",
      "dashboard/test/auth-edges.test.ts",
      "dashboard/test/site-guard.test.ts",
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Stryker runs these in one worker thread per test run and switches mutants through a global:
    // without isolation the source modules stay loaded between runs, which saves their import on
    // every mutant. Static (module-level) mutants are ignored (stryker.config.mjs) unless
    // STRYKER_STATIC=1, and only those need a fresh import.
    isolate: process.env.STRYKER_STATIC === "1",
  },
});
