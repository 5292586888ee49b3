/**
 * container-image-runtime on the real stacks: p3 as planned passes; the two
 * classes the real images broke are refused (a probe Loki's distroless image
 * cannot run, Qdrant started through its wrapper entrypoint).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { probeRunProblem, stopSignalProblem } from "../../lib/image-runtime";
import { runStackFile, type CapturedStack } from "../support/pulumi-harness";
import { container, copyStack, loadPackConfig, mandatory, ofPolicy, runPolicies } from "./harness";

const POLICY = "container-image-runtime";
let p3: CapturedStack;
beforeAll(async () => {
  p3 = await runStackFile("p3");
});

async function violations(mutate: (s: CapturedStack) => void): Promise<string[]> {
  const mutated = copyStack(p3);
  mutate(mutated);
  return ofPolicy(mandatory(await runPolicies(mutated, loadPackConfig("p3"), { only: [POLICY] })), POLICY).map((v) => v.message);
}

describe("container-image-runtime", () => {
  it("passes p3 as planned: Loki probes with its own binary, Qdrant's PID 1 is the server", async () => {
    expect(await violations(() => undefined)).toEqual([]);
  });

  it("refuses a probe Loki's image cannot run (the busybox wget of Loki < 3.6)", async () => {
    const found = await violations((s) => {
      container(s, "loki").inputs.healthcheck.tests = ["CMD", "/busybox/wget", "-q", "-O", "/dev/null", "http://127.0.0.1:3100/ready"];
    });
    expect(found).toEqual([
      expect.stringMatching(/loki.*can never be healthy: its probe runs \/busybox\/wget, which grafana\/loki:3\.7\.6 does not have/),
    ]);
  });

  it("refuses Qdrant started by the image's own entrypoint.sh", async () => {
    const found = await violations((s) => {
      delete container(s, "qdrant").inputs.entrypoints;
    });
    expect(found).toEqual([
      expect.stringMatching(/qdrant.*killed mid-shutdown.*\.\/entrypoint\.sh.*Fix: set its entrypoint to \["\/qdrant\/qdrant"\]/),
    ]);
  });

  it("knows the facts by version: Loki before 3.6 kept busybox, and any registry prefix matches", () => {
    expect(probeRunProblem("grafana/loki:3.5.7", ["CMD", "/busybox/wget"])).toBeUndefined();
    expect(probeRunProblem("e2e.local/grafana/loki:3.7.6", ["CMD-SHELL", "wget -q ..."])).toMatch(/runs \/bin\/sh/);
    expect(stopSignalProblem("docker.io/qdrant/qdrant:v1.17.0", [])).toMatch(/entrypoint\.sh/);
    expect(stopSignalProblem("qdrant/qdrant:v1.16.3", ["/qdrant/qdrant"])).toBeUndefined();
  });
});
