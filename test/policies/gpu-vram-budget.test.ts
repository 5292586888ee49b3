/** gpu-vram-budget: per-GPU budgets from the container's own llama-server argv, and GPU requests that really reach the GPU. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadStackFile } from "../../lib/config/load";
import { planStack } from "../../lib/plan/stack-plan";
import { gpuVramBudget, vramClaims, type VramBudgetConfig } from "../../policies/gpu-vram-budget";
import { stackContainers } from "../../policies/support/stack-containers";
import { writeTinyModel } from "../models/support/tiny-models";
import { REPO_LOCK } from "../support/model-lock";
import { PROJECT_DIR, runStackFile, type CapturedStack } from "../support/pulumi-harness";
import { container, copyStack, loadPackConfig, mandatory, ofPolicy, policyConfig, runPolicies, setFlag, stackArgs, type PackConfig } from "./harness";

const POLICY = "gpu-vram-budget";
const CODE_MODEL = "qwen2.5-coder-7b-instruct-q4_k_m.gguf";
let p2: CapturedStack;
let p3: CapturedStack;
const p2Config = () => loadPackConfig("p2");
const p3Config = () => loadPackConfig("p3");

beforeAll(async () => {
  p2 = await runStackFile("p2");
  p3 = await runStackFile("p3");
});

async function vram(stack: CapturedStack, config: PackConfig): Promise<string[]> {
  return ofPolicy(mandatory(await runPolicies(stack, config, { only: [POLICY] })), POLICY).map((v) => v.message);
}

function withoutVramLabel(stack: CapturedStack): CapturedStack {
  const copy = copyStack(stack);
  const dcgm = container(copy, "dcgm-exporter");
  dcgm.inputs.labels = dcgm.inputs.labels.filter((l: { label: string }) => l.label !== "local-ai-suite.vram-mib");
  return copy;
}

function imageOf(stack: CapturedStack, containerName: string) {
  const urn = container(stack, containerName).propertyDependencies.image![0];
  return stack.resources.find((r) => r.urn === urn)!;
}

describe("over-budget llama-server argv", () => {
  it("catches -ngl 999 -c 32768 on the 7B, with a per-container breakdown", async () => {
    const mutated = copyStack(p2);
    const argv = container(mutated, "inference-code").inputs.command as string[];
    setFlag(argv, "--n-gpu-layers", "999");
    setFlag(argv, "--ctx-size", "32768");
    const [message, ...rest] = await vram(mutated, p2Config());
    expect(rest).toEqual([]);
    expect(message).toMatch(/^GPU "0" \(NVIDIA GeForce RTX 4050 Laptop GPU\) is over budget: its containers need ~\d+(\.\d)? MiB but the budget is 5741 MiB \(totalMiB 6141 - reserveMiB 400\)/);
    for (const service of ["inference-code", "inference-chat"]) {
      expect(message).toMatch(new RegExp(`${service}: [\\d.]+ MiB = weights [\\d.]+ \\+ KV [\\d.]+ \\+ compute [\\d.]+ \\+ overhead 300`));
    }
    expect(message).toContain("29/29 layers"); // the 7B fully offloaded: 28 blocks + output
    expect(message).toMatch(/Fix: lower -ngl or -c of inference-code/);
  });

  it("catches a raised context alone (-c 32768 with the 7B's 20 layers)", async () => {
    const mutated = copyStack(p2);
    setFlag(container(mutated, "inference-code").inputs.command, "--ctx-size", "32768");
    const messages = await vram(mutated, p2Config());
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/is over budget/);
  });

  it("catches a raised -ngl alone (the 7B fully on the GPU next to the 3B)", async () => {
    const mutated = copyStack(p2);
    setFlag(container(mutated, "inference-code").inputs.command, "--n-gpu-layers", "999");
    expect(await vram(mutated, p2Config())).toEqual([expect.stringMatching(/is over budget/)]);
  });

  it("uses the budget from the policy config: a smaller card fails the real stack", async () => {
    const config = p2Config();
    (config[POLICY] as { gpus: { totalMiB: number }[] }).gpus[0]!.totalMiB = 4096;
    expect(await vram(p2, config)).toEqual([expect.stringMatching(/budget is 3696 MiB \(totalMiB 4096 - reserveMiB 400\)/)]);
  });

  it("estimates each server exactly as the program's GPU plan does (same lib/vram code)", async () => {
    const config = policyConfig(gpuVramBudget, p2Config()) as unknown as VramBudgetConfig;
    const { claims, findings } = await vramClaims(stackContainers(stackArgs(p2, {}).resources).views, config);
    expect(findings).toEqual([]);
    const planned = (p2.outputs.gpuPlan as { containers: { service: string; estimatedMiB: number; weightsMiB: number; kvMiB: number }[] }[])[0]!.containers;
    expect(claims.map((c) => c.container.service).sort()).toEqual(planned.map((c) => c.service).sort());
    for (const plan of planned) {
      const claim = claims.find((c) => c.container.service === plan.service)!;
      expect(Math.round(claim.mib)).toBe(plan.estimatedMiB);
      expect(Math.round(claim.estimate!.weightsMiB)).toBe(plan.weightsMiB);
      expect(Math.round(claim.estimate!.kvMiB)).toBe(plan.kvMiB);
      expect(claim.estimate!.llamaBuild).toBe(9851); // from the container's own image tag
    }
  });
});

describe("GPU containers that would not really use the GPU", () => {
  it("flags a llama.cpp CPU image asked for GPU layers", async () => {
    const mutated = copyStack(p2);
    imageOf(mutated, "inference-chat").inputs.name = "ghcr.io/ggml-org/llama.cpp:server-b9851";
    expect(await vram(mutated, p2Config())).toEqual([
      expect.stringMatching(/^container "inference-chat" asks llama-server for GPU layers, but its image ghcr\.io\/ggml-org\/llama\.cpp:server-b9851 is not a CUDA build/),
    ]);
  });

  it("flags a llama-server container with no device request", async () => {
    const mutated = copyStack(p2);
    delete container(mutated, "inference-code").inputs.deviceRequests;
    expect(await vram(mutated, p2Config())).toEqual([
      expect.stringMatching(/^container "inference-code" is a GPU container \(CUDA image ghcr\.io\/ggml-org\/llama\.cpp:server-cuda-b9851\) but requests no NVIDIA device/),
    ]);
  });

  it.each([
    ["count 0 and no deviceIds", [{ driver: "nvidia", count: 0, capabilities: ["gpu"] }], /count 0 and no deviceIds, so Docker attaches no GPU/],
    ["a non-NVIDIA driver", [{ driver: "amd", deviceIds: ["0"], capabilities: ["gpu"] }], /driver is "amd", not "nvidia"/],
    ["no gpu capability", [{ driver: "nvidia", deviceIds: ["0"], capabilities: ["utility"] }], /no capabilities \["gpu"\]/],
    ["a GPU the config does not list", [{ driver: "nvidia", deviceIds: ["1"], capabilities: ["gpu"] }], /requests GPU "1", which the policy config's gpus \(0\) does not list/],
  ])("flags deviceRequests with %s", async (_what, deviceRequests, expected) => {
    const mutated = copyStack(p2);
    container(mutated, "inference-chat").inputs.deviceRequests = deviceRequests;
    const messages = await vram(mutated, p2Config());
    expect(messages.some((m) => expected.test(m) && m.startsWith('container "inference-chat"')), messages.join("\n")).toBe(true);
  });

  it("accepts an NVIDIA CDI request for the configured GPU", async () => {
    const mutated = copyStack(p2);
    container(mutated, "inference-chat").inputs.deviceRequests = [{ driver: "cdi", deviceIds: ["nvidia.com/gpu=0"], capabilities: ["gpu"] }];
    expect(await vram(mutated, p2Config())).toEqual([]);
  });

  it("flags gpus and deviceRequests set together", async () => {
    const mutated = copyStack(p2);
    container(mutated, "inference-chat").inputs.gpus = "all";
    expect(await vram(mutated, p2Config())).toEqual([expect.stringMatching(/both gpus \("all"\) and deviceRequests are set/)]);
  });

  it("flags runtime nvidia without a device request", async () => {
    const mutated = copyStack(p2);
    container(mutated, "rag").inputs.runtime = "nvidia";
    expect(await vram(mutated, p2Config())).toEqual([expect.stringMatching(/^container "rag" is a GPU container but runtime "nvidia" is set but no GPU is requested/)]);
  });

  it("flags a model it cannot estimate: one the model lock does not have, naming the command that adds it", async () => {
    const mutated = copyStack(p2);
    setFlag(container(mutated, "inference-chat").inputs.command, "--model", "/models/mystery-70b.gguf");
    expect(await vram(mutated, p2Config())).toEqual([
      expect.stringMatching(/^container "inference-chat": cannot estimate its VRAM .*model "\/models\/mystery-70b\.gguf" is not in models\.lock\.json .*Fix: add the model to the lock: npm run models -- add <hf-repo> <file>/),
    ]);
  });
});

describe("model facts come from the model lock only", () => {
  it("estimates from the lock, whatever the mounted models directory holds (no GGUF file is read)", async () => {
    const config = policyConfig(gpuVramBudget, p2Config()) as unknown as VramBudgetConfig;
    const claimsOf = (stack: CapturedStack) => vramClaims(stackContainers(stackArgs(stack, {}).resources).views, config).claims.map((c) => [c.container.service, c.mib, c.breakdown]);
    const before = claimsOf(p2);
    // Point the models bind at a directory with other models under the locked names: the old header read would change every estimate.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-models-"));
    for (const file of Object.keys(REPO_LOCK.models)) writeTinyModel(dir, file, 2);
    const mutated = copyStack(p2);
    for (const name of ["inference-chat", "inference-code"]) {
      for (const v of container(mutated, name).inputs.volumes as { hostPath: string }[]) v.hostPath = dir;
    }
    expect(claimsOf(mutated)).toEqual(before);
    expect(before.every(([, , breakdown]) => String(breakdown).endsWith(", models.lock.json"))).toBe(true);
  });

  it("takes the lock it is given: a lock without the model is a violation, not a guess", () => {
    const config = policyConfig(gpuVramBudget, p2Config()) as unknown as VramBudgetConfig;
    const { [CODE_MODEL]: _dropped, ...rest } = REPO_LOCK.models;
    const { findings } = vramClaims(stackContainers(stackArgs(p2, {}).resources).views, config, { ...REPO_LOCK, models: rest });
    expect(findings.map((f) => f.message)).toEqual([expect.stringContaining(`container "inference-code": cannot estimate its VRAM from its llama-server arguments, so the GPU budget cannot be proven: VRAM estimate: model "/models/${CODE_MODEL}" is not in models.lock.json`)]);
  });
});

describe("p3: the DCGM exporter shares the GPU", () => {
  it("counts the claim the plan states on its vram-mib label, and says so in the breakdown", async () => {
    const config = p3Config();
    (config[POLICY] as { gpus: { totalMiB: number }[] }).gpus[0]!.totalMiB = 4096;
    const [message] = await vram(p3, config);
    expect(message).toContain("dcgm-exporter: 0 MiB (fixed claim, label local-ai-suite.vram-mib)");
  });

  it("without the label, counts the policy config's fixed claim", async () => {
    const config = p3Config();
    (config[POLICY] as { gpus: { totalMiB: number }[] }).gpus[0]!.totalMiB = 4096;
    const [message] = await vram(withoutVramLabel(p3), config);
    expect(message).toContain("dcgm-exporter: 0 MiB (fixed claim, policy config fixedClaimsMiB.dcgm-exporter)");
  });

  it("counts 0 and says so when nothing declares its claim", async () => {
    const config = p3Config();
    const entry = config[POLICY] as { gpus: { totalMiB: number }[]; fixedClaimsMiB: Record<string, number> };
    entry.gpus[0]!.totalMiB = 4096;
    entry.fixedClaimsMiB = {};
    const [message] = await vram(withoutVramLabel(p3), config);
    expect(message).toContain("dcgm-exporter: 0 MiB (not llama-server and no local-ai-suite.vram-mib label or fixedClaimsMiB entry: counted as 0");
  });

  it("reads a vram-mib label and counts it against the budget", async () => {
    const mutated = withoutVramLabel(p3);
    container(mutated, "dcgm-exporter").inputs.labels.push({ label: "local-ai-suite.vram-mib", value: "2000" });
    const [message] = await vram(mutated, p3Config());
    expect(message).toMatch(/is over budget/);
    expect(message).toContain("dcgm-exporter: 2000 MiB (fixed claim, label local-ai-suite.vram-mib)");
  });
});

describe("the policy config matches the stack files", () => {
  it.each(["p2", "p3"])("%s: gpus, overhead and fixed claims agree with Pulumi.%s.yaml and its plan", async (stack) => {
    const stackConfig = loadStackFile(stack, PROJECT_DIR);
    const entry = loadPackConfig(stack)[POLICY] as unknown as VramBudgetConfig;
    expect(entry.gpus).toEqual(stackConfig.gpus.map((g) => ({ id: g.id, ...(g.name ? { name: g.name } : {}), totalMiB: g.totalMiB, reserveMiB: g.reserveMiB })));
    expect(entry.perProcessOverheadMiB).toBe(stackConfig.inference.perProcessOverheadMiB);
    const plan = planStack(stackConfig, { stack, projectDir: PROJECT_DIR, lock: REPO_LOCK });
    const fixed = Object.fromEntries(plan.services.filter((s) => s.gpuDeviceIds && s.group !== "inference").map((s) => [s.service, s.vramMiB]));
    expect(entry.fixedClaimsMiB).toEqual(fixed);
  });
});
