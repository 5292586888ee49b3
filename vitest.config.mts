import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "services/**/test/**/*.test.ts"],
    // Pulumi keeps its mock monitor and config in a process-global store, so every
    // test file runs in its own fork (vitest's default isolation) and never shares it.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
