import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // e2e suites share one ARM64 fleet and a 2-core machine: run files one at a time
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 900_000,
  },
});
