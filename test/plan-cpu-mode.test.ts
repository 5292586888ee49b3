/** The CPU-only variant: hosts without an NVIDIA GPU, per server or for the whole stack. */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../lib/config/errors";
import { parseStackConfig } from "../lib/config/load";
import { PINNED_IMAGES } from "../lib/images";
import { planStack } from "../lib/plan/stack-plan";
import { REPO_LOCK } from "./support/model-lock";
import { PROJECT_DIR } from "./support/pulumi-harness";

const plan = (raw: Record<string, unknown>) => planStack(parseStackConfig(raw), { stack: "cpu", projectDir: PROJECT_DIR, lock: REPO_LOCK });
const flag = (argv: string[] | undefined, name: string) => argv![argv!.indexOf(name) + 1];

describe("inference.mode cpu", () => {
  it("runs both servers on the CPU image of the same build, with no GPU request and no layers on a GPU", async () => {
    const { services, gpuPlan } = await plan({ inference: { mode: "cpu" }, gpus: [] });
    for (const name of ["inference-chat", "inference-code"]) {
      const spec = services.find((s) => s.service === name)!;
      expect(spec.image).toEqual({ kind: "registry", ref: PINNED_IMAGES.llamaCppCpu });
      expect(spec.gpuDeviceIds).toBeUndefined();
      expect(flag(spec.command, "--n-gpu-layers")).toBe("0");
      expect(spec.env.NVIDIA_DRIVER_CAPABILITIES).toBeUndefined();
    }
    expect(gpuPlan.gpus).toEqual([]);
    expect(gpuPlan.cpuServers.map((c) => [c.service, c.reason])).toEqual([
      ["inference-chat", 'inference.mode is "cpu": the CPU image, no GPU, so no VRAM to budget'],
      ["inference-code", 'inference.mode is "cpu": the CPU image, no GPU, so no VRAM to budget'],
    ]);
  });

  it("a server's own mode beats the stack's: the code server on the CPU, chat on the GPU with the budget to itself", async () => {
    const { services, gpuPlan } = await plan({ inference: { code: { mode: "cpu", nGpuLayers: 999, ctxSize: 32768 } } });
    expect(services.find((s) => s.service === "inference-code")!.gpuDeviceIds).toBeUndefined();
    expect(services.find((s) => s.service === "inference-chat")!.gpuDeviceIds).toEqual(["0"]);
    expect(gpuPlan.gpus[0]!.assignments.map((a) => a.service)).toEqual(["inference-chat"]);
    expect(gpuPlan.cpuServers.map((c) => c.reason)).toEqual(['inference.code.mode is "cpu": the CPU image, no GPU, so no VRAM to budget']);
  });

  it.each([
    ["a CPU image of another build", { inference: { mode: "cpu", cpuImage: "ghcr.io/ggml-org/llama.cpp:server-b9000" } }, "inference.cpuImage", /build b9000 but inference.image is b9851/],
    ["no GPU for a GPU server", { gpus: [] }, "inference.chat.gpu", /names GPU "0", but gpus is empty \(or run this server on the CPU: inference\.chat\.mode "cpu"\)/],
    ["the DCGM exporter without a GPU", { inference: { mode: "cpu" }, gpus: [], monitoring: { enabled: true } }, "monitoring.dcgmExporter.enabled", /needs an NVIDIA GPU/],
    ["a malformed engine API version", { docker: { engineApiVersion: "25" } }, "docker.engineApiVersion", /"auto" or an Engine API version/],
  ])("rejects %s, naming the key", (_what, raw, key, message) => {
    let error: unknown;
    try {
      parseStackConfig(raw);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problem = (error as ConfigError).problems.find((p) => p.key === key);
    expect(problem, (error as Error).message).toBeDefined();
    expect(problem!.allowed).toMatch(message);
  });
});
