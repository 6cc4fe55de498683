// Mutation testing of the code that decides and acts (npm run mutation): every safety rule must
// have a test that fails when the rule is broken. Reports go to reports/mutation/ (gitignored).
// Equivalent mutants are marked in the source with `// Stryker disable next-line <mutator>: reason`.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts", related: true },
  // The TypeScript checker drops mutants that would not compile; it is most of a run's CPU time.
  // STRYKER_CHECKER=0 skips it for quick per-file iterations (more mutants then run, none fewer).
  checkers: process.env.STRYKER_CHECKER === "0" ? [] : ["typescript"],
  tsconfigFile: "tsconfig.mutation.json",
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: "perTest",
  // Module-level mutants (the zod policy schema, the injection patterns) rerun every test; see README.
  ignoreStatic: process.env.STRYKER_STATIC !== "1",
  mutate: [
    // the decider: policy, targets, network (address rules), handler
    "agents/src/shared/policy.ts",
    "agents/src/decider/targets.ts",
    "agents/src/shared/network.ts",
    "agents/src/decider/handler.ts",
    // the responder's target validation and its own never-block guard
    "agents/src/responder/targets.ts",
    "agents/src/responder/guard.ts",
    // the ledger (exactly once) and approvals (bound to the action digest)
    "agents/src/state/ledger.ts",
    "agents/src/state/approvals.ts",
    // the injection detector
    "agents/src/investigator/injection.ts",
    // the dashboard's Host, Origin and token checks
    "dashboard/src/auth.ts",
    // the contracts' action digest
    "contracts/src/action-digest.ts",
  ],
  // 2 cores shared with other work; STRYKER_CONCURRENCY overrides.
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 2),
  timeoutMS: 20_000,
  reporters: ["clear-text", "html", "progress", "json"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true, reportScoreTable: true },
  thresholds: { high: 95, low: 90, break: null },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
  // Re-runs only test mutants whose code or tests changed (npm run mutation -- --force for all).
  incremental: true,
  incrementalFile: "reports/mutation/stryker-incremental.json",
  ignorePatterns: ["**/dist/**", "reports/**", "input_alerts/**", "agents/test/corpus/**", ".turbo/**"],
};
