// The fast unit tests that cover the code `npm run mutation` mutates (stryker.config.mjs). No
// e2e or browser tests: they spawn dist/ processes, which do not see Stryker's mutants, and are slow.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "agents/test/decider/**/*.test.ts",
      "agents/test/responder/guard.test.ts",
      "agents/test/responder/targets.test.ts",
      "agents/test/investigator/injection.test.ts",
      "agents/test/investigator/injection-walk.test.ts",
      "agents/test/trust/signing.test.ts",
      "agents/test/trust/signing-fields.test.ts",
      "contracts/test/action-digest.test.ts",
      "dashboard/test/auth.test.ts",
      "dashboard/test/site-guard.test.ts",
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
