/** container-healthchecks: mutations of the real p2 stack, and the probe rule against lib's own probe builders. */
import { beforeAll, describe, expect, it } from "vitest";
import { bashHttpProbe, curlProbe, pythonJsonProbe, pythonProbe, wgetProbe } from "../../lib/plan/health";
import { probeProblem } from "../../policies/support/healthcheck-view";
import { runStackFile, type CapturedStack } from "../support/pulumi-harness";
import { container, copyStack, loadPackConfig, mandatory, ofPolicy, runPolicies } from "./harness";

const POLICY = "container-healthchecks";
let p2: CapturedStack;
beforeAll(async () => {
  p2 = await runStackFile("p2");
});

async function healthViolations(mutate: (s: CapturedStack) => void): Promise<string[]> {
  const mutated = copyStack(p2);
  mutate(mutated);
  return ofPolicy(mandatory(await runPolicies(mutated, loadPackConfig("p2"), { only: [POLICY] })), POLICY).map((v) => v.message);
}

describe("container-healthchecks on mutated p2", () => {
  it("a removed healthcheck", async () => {
    const messages = await healthViolations((s) => delete container(s, "qdrant").inputs.healthcheck);
    expect(messages).toEqual([
      expect.stringMatching(/^container "qdrant": it has no healthcheck, so nothing can wait for it to be ready\. Fix: /),
    ]);
  });

  it.each([
    ["NONE", ["NONE"], /healthcheck is disabled/],
    ["exit 0", ["CMD-SHELL", "exit 0"], /healthcheck "exit 0" always passes/],
    ["curl || true", ["CMD-SHELL", "curl -f http://127.0.0.1:8003/health || true"], /always passes/],
    ["sh -c true", ["CMD", "sh", "-c", "true"], /always passes/],
    ["/bin/true", ["CMD", "/bin/true"], /always passes/],
    ["no command", ["CMD"], /has no command/],
    ["a wrong kind", ["RUN", "curl", "x"], /starts with "RUN"/],
  ])("a fake probe (%s)", async (_what, tests, expected) => {
    const messages = await healthViolations((s) => (container(s, "embedding").inputs.healthcheck.tests = tests));
    expect(messages).toEqual([expect.stringMatching(expected)]);
  });

  it("a duration Docker would read back differently", async () => {
    const messages = await healthViolations((s) => (container(s, "rag").inputs.healthcheck.interval = "90s"));
    expect(messages).toContainEqual(
      expect.stringMatching(/^container "rag": healthcheck\.interval "90s" is not the canonical Go duration .*"1m30s"/),
    );
    // A longer interval also outgrows the waitTimeout the program derived from the old one.
    expect(messages).toContainEqual(
      expect.stringMatching(new RegExp(`waitTimeout ${container(p2, "rag").inputs.waitTimeout}s is shorter than the 360s Docker needs`)),
    );
    expect(messages).toHaveLength(2);
  });

  it("a missing interval", async () => {
    const messages = await healthViolations((s) => delete container(s, "rag").inputs.healthcheck.interval);
    expect(messages).toContainEqual(expect.stringMatching(/healthcheck\.interval is not set/));
  });

  it("a timeout as long as the interval", async () => {
    const messages = await healthViolations((s) => (container(s, "rag").inputs.healthcheck.timeout = "30s"));
    expect(messages).toContainEqual(expect.stringMatching(/timeout 30s is not shorter than its interval 30s/));
    expect(messages).toContainEqual(
      expect.stringMatching(new RegExp(`waitTimeout ${container(p2, "rag").inputs.waitTimeout}s is shorter than the 240s Docker needs`)),
    );
  });

  it("a model server whose start period is shorter than a model load", async () => {
    const messages = await healthViolations((s) => (container(s, "inference-code").inputs.healthcheck.startPeriod = "30s"));
    expect(messages).toEqual([
      expect.stringMatching(/^container "inference-code" loads a model at start-up, but its healthcheck start period is 30s \(< 120s\)/),
    ]);
  });

  it("a service counts as a model loader through the policy config", async () => {
    const config = loadPackConfig("p2");
    (config[POLICY] as { modelLoadingServices: string[] }).modelLoadingServices = ["embedding"];
    const mutated = copyStack(p2);
    container(mutated, "embedding").inputs.healthcheck.startPeriod = "10s";
    expect(ofPolicy(await runPolicies(mutated, config, { only: [POLICY] }), POLICY).map((v) => v.message)).toEqual([
      expect.stringMatching(/^container "embedding" loads a model/),
    ]);
    expect(await healthViolations((s) => (container(s, "embedding").inputs.healthcheck.startPeriod = "10s"))).toEqual([]);
  });

  it("wait: false", async () => {
    const messages = await healthViolations((s) => (container(s, "api-gateway").inputs.wait = false));
    expect(messages).toEqual([expect.stringMatching(/^container "api-gateway": wait is not true, so `pulumi up` does not wait/)]);
  });

  it("a waitTimeout shorter than Docker needs to call it unhealthy", async () => {
    const messages = await healthViolations((s) => (container(s, "inference-chat").inputs.waitTimeout = 60));
    // 10m start period + 2 x (6s + 5s) = 622s
    expect(messages).toEqual([expect.stringMatching(/waitTimeout 60s is shorter than the 622s Docker needs/)]);
  });

  it("a create timeout that ends before the health wait", async () => {
    const messages = await healthViolations(
      (s) => (container(s, "inference-code").options.customTimeouts = { create: "5m0s", update: "", delete: "" }),
    );
    expect(messages).toEqual([
      expect.stringMatching(/^container "inference-code": its create timeout \(300s\) is not longer than its waitTimeout/),
    ]);
  });
});

describe("probe rule", () => {
  it("accepts every probe builder the program uses", () => {
    for (const probe of [
      curlProbe("http://127.0.0.1:8001/health"),
      pythonProbe("http://x/"),
      pythonJsonProbe("http://x/", "ok"),
      bashHttpProbe(6333, "/readyz"),
      wgetProbe("http://x/"),
    ]) {
      expect(probeProblem(probe.test), probe.test.join(" ")).toBeUndefined();
    }
  });
});
