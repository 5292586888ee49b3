import { configDefaults, defineConfig } from "vitest/config";

/** The tests that run a Kubernetes control plane (etcd, kube-apiserver, controller manager): CPU-heavy on 2 cores. */
const CONTROL_PLANE_TESTS = ["test/engine/kubernetes-*.test.ts"];
/** A second whole p3 stack on the Docker Engine: never at the same time as the deploy suite's, whose health timing it would slow. */
const LAYOUT_TESTS = ["test/deploy/layout.test.ts"];
/** The router lane's stack (test/deploy/router-stack.ts): likewise, on its own. */
const ROUTER_TESTS = ["test/deploy/router.test.ts"];

export default defineConfig({
  test: {
    // Pulumi keeps its mock monitor and config in a process-global store, so every
    // test file runs in its own fork (vitest's default isolation) and never shares it.
    pool: "forks",
    // The real programs' images and the test models, built once before any worker starts.
    globalSetup: ["test/global-setup/real-images.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: "suite",
          include: ["test/**/*.test.ts", "services/**/test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...CONTROL_PLANE_TESTS, ...LAYOUT_TESTS, ...ROUTER_TESTS],
        },
      },
      // After the rest, so the control planes never take CPU from the tests that time Docker's health checks.
      { extends: true, test: { name: "kubernetes", include: CONTROL_PLANE_TESTS, sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: "layout", include: LAYOUT_TESTS, sequence: { groupOrder: 2 } } },
      { extends: true, test: { name: "router", include: ROUTER_TESTS, sequence: { groupOrder: 3 } } },
    ],
  },
});
