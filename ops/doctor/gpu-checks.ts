/** Each GPU the plan uses is present, as large as the config says, and has room for the planned VRAM right now. */
import { describeRouter } from "../../lib/plan/router-gpu-plan";
import type { StackPlan } from "../../lib/plan/stack-plan";
import type { CheckResult } from "./check-result";
import type { GpuReading, HostProbe } from "./host-probe";

/** A config total within this share of the measured one is the same card (drivers report a few MiB differently). */
const TOTAL_TOLERANCE = 0.02;

export async function gpuChecks(plan: StackPlan, probe: HostProbe, runningContainers: string[]): Promise<CheckResult[]> {
  let readings: GpuReading[];
  try {
    readings = await probe.nvidiaGpus();
  } catch (error) {
    return plan.gpuPlan.gpus.map((gpu) => ({
      check: "gpu",
      target: describe(gpu.id, gpu.name),
      status: "fail",
      detail: `not found: ${(error as Error).message}; the plan puts ${gpu.estimatedMiB} MiB on it`,
      fix: "install the NVIDIA driver (WSL: the Windows driver) and check that `nvidia-smi` lists the GPU",
    }));
  }
  // Only the llama.cpp servers hold the planned VRAM; other GPU containers (the DCGM exporter) do not.
  const inferenceRunning = plan.services
    .filter((s) => s.group === "inference" && runningContainers.includes(s.containerName))
    .map((s) => s.containerName);
  return plan.gpuPlan.gpus.map((gpu, i): CheckResult => {
    const target = describe(gpu.id, gpu.name);
    const found = readings.find((r) => r.index === gpu.id || r.uuid === gpu.id);
    if (!found) {
      return {
        check: "gpu",
        target,
        status: "fail",
        detail: `nvidia-smi lists ${readings.map((r) => `${r.index} (${r.name})`).join(", ") || "no GPU"}, not "${gpu.id}"`,
        fix: `set gpus[${i}].id to one of them: pulumi config set --path 'gpus[${i}].id' <index or UUID>`,
      };
    }
    const routers = gpu.routers.map((r) => `; ${describeRouter(r)}`).join("");
    const budget = `plan ${gpu.estimatedMiB} MiB of budget ${gpu.budgetMiB} MiB${routers}`;
    if (found.totalMiB < gpu.budgetMiB) {
      return {
        check: "gpu",
        target,
        status: "fail",
        detail: `${found.name} has ${found.totalMiB} MiB, less than the budget ${gpu.budgetMiB} MiB`,
        fix: `pulumi config set --path 'gpus[${i}].totalMiB' ${found.totalMiB}`,
      };
    }
    if (Math.abs(found.totalMiB - gpu.totalMiB) > gpu.totalMiB * TOTAL_TOLERANCE) {
      return {
        check: "gpu",
        target,
        status: "warn",
        detail: `${found.name} has ${found.totalMiB} MiB; config says ${gpu.totalMiB} MiB (${budget})`,
        fix: `pulumi config set --path 'gpus[${i}].totalMiB' ${found.totalMiB}`,
      };
    }
    if (inferenceRunning.length) {
      return {
        check: "gpu",
        target,
        status: "ok",
        detail: `${found.name}, ${found.totalMiB} MiB total, ${found.freeMiB} MiB free with ${inferenceRunning.join(", ")} running; ${budget}`,
      };
    }
    if (found.freeMiB < gpu.estimatedMiB) {
      return {
        check: "gpu",
        target,
        status: "fail",
        detail: `${found.name}: ${found.freeMiB} MiB free, but the ${budget}`,
        fix: 'close what else uses the GPU (nvidia-smi lists the processes), or lower nGpuLayers / ctxSize (or use "auto")',
      };
    }
    return {
      check: "gpu",
      target,
      status: "ok",
      detail: `${found.name}, ${found.totalMiB} MiB total, ${found.freeMiB} MiB free; ${budget}`,
    };
  });
}

function describe(id: string, name?: string): string {
  return `GPU ${id}${name ? ` (${name})` : ""}`;
}
