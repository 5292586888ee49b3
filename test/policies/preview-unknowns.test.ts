/**
 * Preview: values the engine does not know yet (a container's image id before
 * the pull, an env list built from a generated password) arrive as unknown
 * sentinels behind the SDK's unknownCheckingProxy. The pack checks what is
 * known, keeps certain violations mandatory, and then lets the SDK turn the
 * rest into an advisory "can't run ... during preview".
 */
import { beforeAll, describe, expect, it } from "vitest";
import { runStackFile, type CapturedResource, type CapturedStack } from "../support/pulumi-harness";
import { container, copyStack, loadPackConfig, mandatory, packSdk, packUnknowns, runPolicies, type PropsView } from "./harness";

const { unknownCheckingProxy } = packSdk();
const { unknownStringValue, unknownArrayValue } = packUnknowns();

/** A fresh stack's first preview: image ids unknown, and envs unknown wherever they hold a generated secret. */
const previewProps: PropsView = (r: CapturedResource) => {
  const props = structuredClone(r.inputs);
  if (r.type === "docker:index/container:Container") {
    props.image = unknownStringValue;
    if (r.secretPaths.includes("envs")) props.envs = unknownArrayValue;
  }
  return unknownCheckingProxy(props);
};

let p2: CapturedStack;
beforeAll(async () => {
  p2 = await runStackFile("p2");
});

describe("policies under preview unknowns", () => {
  it("the real p2 stack: no mandatory violation; checks that needed the unknown env lists say they could not run", async () => {
    const violations = await runPolicies(p2, loadPackConfig("p2"), { props: previewProps });
    expect(mandatory(violations)).toEqual([]);
    const advisory = violations.filter((v) => v.message.startsWith("can't run"));
    expect([...new Set(advisory.map((v) => v.policy))].sort()).toEqual(["container-secrets", "health-gated-ordering"]);
    for (const v of advisory) expect(v.message).toMatch(/Array value at \.envs can't be known during preview/);
    // The image id is unknown, but the VRAM budget still ran: it reads the tag from the image resource.
    expect(violations.some((v) => v.policy === "gpu-vram-budget")).toBe(false);
  });

  it("a certain violation stays mandatory next to the advisory note", async () => {
    const mutated = copyStack(p2);
    container(mutated, "qdrant").inputs.wait = false;
    const violations = await runPolicies(mutated, loadPackConfig("p2"), { props: previewProps, only: ["health-gated-ordering"] });
    expect(violations.map((v) => [v.level, v.message.slice(0, 60)])).toEqual([
      ["mandatory", expect.stringMatching(/^container "rag" depends on qdrant, which is not created wi/)],
      ["advisory", expect.stringMatching(/^can't run policy 'health-gated-ordering' during preview/)],
    ]);
  });

  it("an over-budget GPU plan is caught even when the image id is unknown", async () => {
    const mutated = copyStack(p2);
    const argv = container(mutated, "inference-code").inputs.command as string[];
    argv[argv.indexOf("--n-gpu-layers") + 1] = "999";
    const violations = await runPolicies(mutated, loadPackConfig("p2"), { props: previewProps, only: ["gpu-vram-budget"] });
    expect(violations.map((v) => v.level)).toEqual(["mandatory"]);
    expect(violations[0]!.message).toMatch(/over budget/);
  });
});
