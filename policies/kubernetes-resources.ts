/**
 * kubernetes-resources: the Kubernetes side of container-limits-and-restart.
 * Every container states CPU and memory requests (what the scheduler reserves)
 * and limits (what it may use; memory over the limit is an OOM kill, as with
 * Docker's no-swap limit), within the memory ceiling. A GPU is asked for as a
 * whole number of nvidia.com/gpu with the request equal to the limit: the
 * device plugin hands out whole devices (or slots), and the API server refuses
 * anything else at apply time; the pack says so at preview, before a namespace
 * the stack creates even exists for a dry run.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { GPU_RESOURCE } from "../lib/kubernetes/labels";
import { parseQuantity } from "../lib/kubernetes/quantities";
import { podCheck } from "./support/kubernetes-check";
import { describePod, type PodView } from "./support/kubernetes-view";

export interface KubernetesResourcesConfig {
  /** Largest memory limit for one container, in MiB. */
  maxMemoryMiB: number;
}

export function resourceProblems(pod: PodView, config: KubernetesResourcesConfig): string[] {
  const problems: string[] = [];
  for (const c of pod.containers) {
    const name = `${describePod(pod)}, container "${c.name ?? "?"}"`;
    const { limits = {}, requests = {} } = c.resources ?? {};
    for (const [resource, unit] of [["cpu", "cpu"], ["memory", "MiB"]] as const) {
      for (const [side, values] of [["limit", limits], ["request", requests]] as const) {
        const text = values[resource];
        if (text === undefined) {
          problems.push(`${name} has no ${resource} ${side}, so ${side === "limit" ? (resource === "memory" ? "it can exhaust the node's RAM" : "it can take every core of the node") : "the scheduler reserves nothing for it and the node can be overbooked"}. Fix: set limits.${resource === "cpu" ? "cpus" : "memoryMiB"} in its ServiceSpec (the mapping sets both sides).`);
        } else if (parseQuantity(text, unit) === undefined) {
          problems.push(`${name}: ${resource} ${side} "${text}" is not a quantity. Fix: e.g. "500m" or "2Gi".`);
        }
      }
    }
    const memory = parseQuantity(limits.memory, "MiB");
    if (memory !== undefined && memory > config.maxMemoryMiB) {
      problems.push(`${name} has a memory limit of ${Math.round(memory)} MiB, above the ${config.maxMemoryMiB} MiB ceiling. Fix: lower its memoryMiB, or raise maxMemoryMiB in the stack's policy config.`);
    }
    const request = parseQuantity(requests.memory, "MiB");
    if (memory !== undefined && request !== undefined && request > memory) problems.push(`${name} requests more memory (${request} MiB) than its limit (${memory} MiB). Fix: request at most the limit.`);
    const gpuLimit = limits[GPU_RESOURCE];
    const gpuRequest = requests[GPU_RESOURCE];
    if (gpuLimit === undefined && gpuRequest !== undefined) {
      problems.push(`${name} requests ${GPU_RESOURCE} "${gpuRequest}" without a limit; extended resources are asked for by their limit. Fix: set limits["${GPU_RESOURCE}"] equal to the request.`);
    }
    if (gpuLimit !== undefined) {
      if (!/^[1-9]\d*$/.test(String(gpuLimit))) {
        problems.push(`${name} asks for ${GPU_RESOURCE} "${gpuLimit}": the device plugin hands out whole GPUs (or whole time-slicing slots), and the API server refuses a fraction. Fix: a whole number such as "1"; GPU sharing is the device plugin's time-slicing, budgeted by kubernetes-gpu-vram-budget.`);
      }
      if (gpuRequest !== undefined && String(gpuRequest) !== String(gpuLimit)) {
        problems.push(`${name} requests ${GPU_RESOURCE} "${gpuRequest}" but limits it to "${gpuLimit}"; the API server refuses a GPU request that differs from its limit. Fix: set both to the same whole number.`);
      }
    }
  }
  return problems;
}

export const kubernetesResources: ResourceValidationPolicy = {
  name: "kubernetes-resources",
  description:
    "Checks that every Kubernetes container has CPU and memory requests and limits within the memory ceiling, and asks for nvidia.com/gpu as a whole number with the request equal to the limit.",
  enforcementLevel: "mandatory",
  severity: "medium",
  configSchema: { properties: { maxMemoryMiB: { type: "integer", minimum: 1, default: 16384 } } },
  validateResource: podCheck<KubernetesResourcesConfig>(resourceProblems),
};
