import { availableParallelism } from "node:os";
import { configDefaults, defineConfig } from "vitest/config";

/**
 * `npm run test:unit`: the pure core, the services' logic and the program
 * under mocks, with nothing but Node, in well under a minute. Left out here
 * (and run by `npm test`): the tests that need a tool outside node_modules, or
 * that start the npm scripts as processes.
 */
export const NEEDS_EXTERNAL_TOOLS = [
  "test/engine/**", // the real Pulumi engine (and a Kubernetes control plane)
  "test/deploy/**", // pulumi up against a Docker daemon
  "test/docker/**", // Docker's own health state machine
  "test/e2e/**", // the real LiteLLM proxy
  "test/vram-real/**", // the real llama-server b9851 in Docker
  "test/gpu-vram-kit.test.ts", // bash, python3 and the llama.cpp sdist scripts/build-real-images.sh fetches
  "test/go-durations.test.ts", // Go's time.ParseDuration
  "test/workflows.test.ts", // actionlint, built with Go
  "test/docker-cpus.test.ts", // Go's big.Rat, as the provider formats cpus
  "test/monitoring/promtool.test.ts", // promtool and amtool
  "test/healthcheck-probes.test.ts", // the probes run with curl, bash and python
  "test/deploy-script.test.ts", // scripts/deploy.sh with the pulumi CLI
  "test/ops/health.test.ts", // docker CLI
  "services/*/test/docker-image.test.ts", // docker build
  "services/rag/test/gateway-litellm.test.ts", // the real LiteLLM proxy
  "test/ops/backup.test.ts", // real SQLite through python3 (the engine the backup itself uses)
  "test/ops/restore.test.ts", // the same
  // Node only, but they run the npm scripts as child processes (each start compiles TypeScript: seconds).
  "test/ops/cli.test.ts",
  "test/ops/restore-qdrant.test.ts",
  "test/ops/qdrant-real-roundtrip.test.ts", // the real Qdrant image in Docker
];

export default defineConfig({
  test: {
    pool: "forks",
    // Every core (vitest leaves one free by default, which on 2 cores halves the speed):
    // nothing here times a Docker health check that a busy CPU could slow.
    maxWorkers: availableParallelism(),
    testTimeout: 60_000,
    include: ["test/**/*.test.ts", "services/**/test/**/*.test.ts"],
    exclude: [...configDefaults.exclude, ...NEEDS_EXTERNAL_TOOLS],
  },
});
