/**
 * A first preview: values the engine does not know yet (a container's image
 * id, a generated key, every computed output a stack policy reads) arrive as
 * unknown sentinels behind the SDK's unknownCheckingProxy, in the shapes the
 * real engine uses (engine-view.ts). Every mandatory policy still reaches a
 * verdict: what the program did not set is the image's own, an unknown env
 * entry is judged by the resource that will produce it, and a field that is
 * truly undecidable makes only that policy say it could not run.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { runStackFile, type CapturedStack } from "../support/pulumi-harness";
import { container, copyStack, loadPackConfig, mandatory, runPolicies } from "./harness";

let p2: CapturedStack;
let p3: CapturedStack;
beforeAll(async () => {
  p2 = await runStackFile("p2");
  p3 = await runStackFile("p3");
});

const cantRun = (violations: { message: string }[]) => violations.filter((v) => v.message.startsWith("can't run"));

describe("policies on a first preview", () => {
  it.each(["p2", "p3"] as const)("the real %s stack: no mandatory violation, and no policy that could not run", async (stack) => {
    const violations = await runPolicies(stack === "p2" ? p2 : p3, loadPackConfig(stack));
    expect(mandatory(violations)).toEqual([]);
    expect(cantRun(violations)).toEqual([]);
  });

  it("a certain violation stays mandatory", async () => {
    const mutated = copyStack(p2);
    container(mutated, "qdrant").inputs.wait = false;
    const violations = await runPolicies(mutated, loadPackConfig("p2"), { only: ["health-gated-ordering"] });
    expect(violations.map((v) => [v.level, v.message.slice(0, 60)])).toEqual([
      ["mandatory", expect.stringMatching(/^container "rag" depends on qdrant, which is not created wi/)],
    ]);
  });

  it("an over-budget GPU plan is caught although the image ids are unknown", async () => {
    const mutated = copyStack(p2);
    const argv = container(mutated, "inference-code").inputs.command as string[];
    argv[argv.indexOf("--n-gpu-layers") + 1] = "999";
    const violations = await runPolicies(mutated, loadPackConfig("p2"), { only: ["gpu-vram-budget"] });
    expect(violations.map((v) => v.level)).toEqual(["mandatory"]);
    expect(violations[0]!.message).toMatch(/over budget/);
  });

  it("a generated key is judged by its generator: a short RandomPassword fails before it exists", async () => {
    const mutated = copyStack(p2);
    mutated.resources.find((r) => r.type === "random:index/randomPassword:RandomPassword")!.inputs.length = 12;
    const violations = await runPolicies(mutated, loadPackConfig("p2"), { only: ["container-secrets"] });
    expect(violations.map((v) => [v.level, v.message])).toEqual(
      ["api-gateway"].map((c) => [
        "mandatory",
        expect.stringMatching(
          new RegExp(
            `^container "${c}" takes an env value from suite-gatewayMasterKey, a generated password of 12 characters \\(minimum 16\\)`,
          ),
        ),
      ]),
    );
  });

  it("an env value from a resource that is no generator cannot be judged before it exists: advisory", async () => {
    const mutated = copyStack(p2);
    const rag = container(mutated, "rag");
    const image = mutated.resources.find((r) => r.type === "docker:index/remoteImage:RemoteImage")!;
    rag.propertyDependencies.envs = [...(rag.propertyDependencies.envs ?? []), image.urn];
    const violations = await runPolicies(mutated, loadPackConfig("p2"), { only: ["container-secrets"] });
    expect(violations.map((v) => [v.level, v.message])).toEqual([
      ["advisory", expect.stringMatching(/^can't run policy 'container-secrets' during preview/)],
    ]);
  });
});
