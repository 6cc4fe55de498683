import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{agents,contracts,dashboard}/test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // 2-core machines: a few files at a time, each with its own nats-server.
    maxWorkers: process.env.CI ? 2 : undefined,
    pool: "forks",
  },
});
