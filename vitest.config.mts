import { configDefaults, defineConfig } from "vitest/config";

/** The tests that run a Kubernetes control plane (etcd, kube-apiserver, controller manager): CPU-heavy on 2 cores. */
const CONTROL_PLANE_TESTS = ["test/engine/kubernetes-*.test.ts"];

export default defineConfig({
  test: {
    // Pulumi keeps its mock monitor and config in a process-global store, so every
    // test file runs in its own fork (vitest's default isolation) and never shares it.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: "suite", include: ["test/**/*.test.ts", "services/**/test/**/*.test.ts"], exclude: [...configDefaults.exclude, ...CONTROL_PLANE_TESTS] },
      },
      // After the rest, so the control planes never take CPU from the tests that time Docker's health checks.
      { extends: true, test: { name: "kubernetes", include: CONTROL_PLANE_TESTS, sequence: { groupOrder: 1 } } },
    ],
  },
});
