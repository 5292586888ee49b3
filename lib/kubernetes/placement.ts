/**
 * Which node each pod runs on, and what shares each GPU.
 *
 * The NVIDIA device plugin hands out `nvidia.com/gpu` by count and picks the
 * device itself; it cannot be asked for GPU "0". So a GPU is named by its node
 * (`gpus[].node`), a pod planned on a GPU is pinned to that node, and a node
 * may hold only one of the stack's GPUs: then every pod on the node is on that
 * GPU, and the per-GPU VRAM budget (lib/plan/gpu-plan.ts, the same estimate the
 * Docker target uses) covers exactly the pods Kubernetes puts there. With
 * time-slicing or MPS the plugin advertises `replicas` slots per GPU and the
 * pods share its memory with no isolation; with exclusive GPUs one pod per GPU.
 *
 * Pods that mount host directories run on the node holding them
 * (kubernetes.hostPathNode); pods sharing a ReadWriteOnce claim run on one node.
 */
import type { ConfigProblem } from "../config/errors";
import type { StackConfig } from "../config/schema";
import type { GpuPlan } from "../plan/gpu-plan";
import type { ServiceSpec } from "../plan/service-spec";
import { hostPathsOf, type ClaimPlan, type MountPlan } from "./storage";
import { gpuBudgetMiB } from "../vram/budget";

export interface PodPlacement {
  /** Node the pod is pinned to (kubernetes.io/hostname), if any. */
  node?: string;
  /** Why it is pinned, for docs and outputs. */
  reason?: string;
  /** GPUs it requests (`nvidia.com/gpu`): one per planned GPU id. */
  gpuCount: number;
  gpuIds: string[];
}

export interface GpuShare {
  gpu: string;
  node: string;
  /** Services whose pods hold a slot of this GPU. */
  services: string[];
  /** Slots the cluster offers on it: 1 (exclusive) or the sharing replicas. */
  slots: number;
  mode: StackConfig["kubernetes"]["gpuSharing"]["mode"];
  budgetMiB: number;
  /** The GPU plan's estimate for the pods on it (lib/plan/gpu-plan.ts). */
  estimatedMiB: number;
}

export interface Placement {
  pods: Map<string, PodPlacement>;
  gpus: GpuShare[];
  hostPathNode?: string;
  problems: ConfigProblem[];
}

/** kubernetes.hostPathNode, else the one node every GPU is on. */
export function resolveHostPathNode(config: StackConfig): string | undefined {
  if (config.kubernetes.hostPathNode) return config.kubernetes.hostPathNode;
  const nodes = [...new Set(config.gpus.map((g) => g.node).filter((n): n is string => n !== undefined))];
  return nodes.length === 1 && config.gpus.every((g) => g.node) ? nodes[0] : undefined;
}

export function placePods(
  services: readonly ServiceSpec[],
  mounts: ReadonlyMap<string, readonly MountPlan[]>,
  claims: readonly ClaimPlan[],
  gpuPlan: GpuPlan,
  config: StackConfig,
): Placement {
  const problems: ConfigProblem[] = [];
  const gpuIndex = new Map(config.gpus.map((g, i) => [g.id, i]));
  const pods = new Map<string, PodPlacement>();
  const usedGpus = new Set<string>();
  const hostPathNode = resolveHostPathNode(config);

  for (const spec of services) {
    const ids = spec.gpuDeviceIds ?? [];
    if (ids.length === 0) continue;
    ids.forEach((id) => usedGpus.add(id));
    const nodes = [...new Set(ids.map((id) => config.gpus[gpuIndex.get(id)!]?.node))];
    const missing = ids.filter((id) => !config.gpus[gpuIndex.get(id)!]?.node);
    for (const id of missing) {
      const i = gpuIndex.get(id)!;
      problems.push({
        key: `gpus[${i}].node`,
        value: undefined,
        allowed: `${spec.service} runs on GPU "${id}", and on Kubernetes a GPU is named by its node: the device plugin hands out GPUs by count, not by id`,
        fix: `pulumi config set --path 'gpus[${i}].node' <node name from kubectl get nodes>`,
      });
    }
    if (missing.length) continue;
    if (nodes.length > 1) {
      problems.push({
        key: "gpus",
        value: ids,
        allowed: `${spec.service} uses GPUs ${ids.map((id) => `"${id}"`).join(", ")} on nodes ${nodes.join(", ")}, but a pod runs on one node`,
        fix:
          spec.service === "dcgm-exporter"
            ? "pulumi config set --path 'monitoring.dcgmExporter.enabled' false (run the GPU operator's DCGM exporter DaemonSet instead)"
            : `plan ${spec.service} on the GPUs of one node`,
      });
      continue;
    }
    pods.set(spec.service, {
      node: nodes[0],
      reason: `GPU ${ids.map((id) => `"${id}"`).join(", ")} is on node ${nodes[0]}`,
      gpuCount: ids.length,
      gpuIds: [...ids],
    });
  }

  // One GPU per node: the device plugin chooses the device inside a node.
  const byNode = new Map<string, string[]>();
  for (const g of config.gpus) if (g.node && usedGpus.has(g.id)) byNode.set(g.node, [...(byNode.get(g.node) ?? []), g.id]);
  for (const [node, ids] of byNode) {
    if (ids.length < 2) continue;
    const i = gpuIndex.get(ids[1]!)!;
    problems.push({
      key: `gpus[${i}].node`,
      value: node,
      allowed: `GPUs ${ids.map((id) => `"${id}"`).join(" and ")} are both on node ${node}; the device plugin picks the GPU inside a node, so a per-GPU VRAM budget could not hold`,
      fix: `plan the stack's servers on one GPU of ${node} (inference.<role>.gpu), or budget the node's GPUs as one entry in gpus`,
    });
  }

  for (const spec of services) {
    if (pods.has(spec.service) || (spec.gpuDeviceIds ?? []).length > 0) continue;
    const hostPaths = hostPathsOf(mounts.get(spec.service) ?? []);
    const shared = claims.filter((c) => c.users.length > 1 && c.users.includes(spec.service)).map((c) => c.name);
    if (hostPaths.length === 0 && shared.length === 0) {
      pods.set(spec.service, { gpuCount: 0, gpuIds: [] });
      continue;
    }
    const reason = hostPaths.length
      ? `mounts host path ${hostPaths.join(", ")}`
      : `shares claim ${shared.join(", ")} (ReadWriteOnce) with ${claims
          .find((c) => shared.includes(c.name))!
          .users.filter((u) => u !== spec.service)
          .join(", ")}`;
    if (!hostPathNode) {
      problems.push({
        key: "kubernetes.hostPathNode",
        value: undefined,
        allowed: `${spec.service} ${reason}, so it must run on the node that holds it, and no node is set (the GPUs are not all on one node to default to)`,
        fix: "pulumi config set --path 'kubernetes.hostPathNode' <node name from kubectl get nodes>",
      });
      continue;
    }
    pods.set(spec.service, { node: hostPathNode, reason: `${reason} (kubernetes.hostPathNode)`, gpuCount: 0, gpuIds: [] });
  }

  // Users of one ReadWriteOnce claim must meet on one node.
  for (const claim of claims.filter((c) => c.users.length > 1)) {
    const nodes = [...new Set(claim.users.map((u) => pods.get(u)?.node))];
    if (nodes.length > 1 && !nodes.includes(undefined)) {
      problems.push({
        key: "kubernetes.hostPathNode",
        value: hostPathNode,
        allowed: `claim ${claim.name} (ReadWriteOnce) is mounted by ${claim.users.join(", ")}, which are pinned to different nodes (${nodes.join(", ")})`,
        fix: "set kubernetes.hostPathNode to the node of the GPU they share the claim with",
      });
    }
  }

  const { mode, replicas } = config.kubernetes.gpuSharing;
  const slots = mode === "exclusive" ? 1 : replicas;
  const gpus: GpuShare[] = [];
  for (const g of config.gpus) {
    if (!usedGpus.has(g.id) || !g.node) continue;
    const onIt = services.filter((s) => (s.gpuDeviceIds ?? []).includes(g.id)).map((s) => s.service);
    const budget = gpuPlan.gpus.find((b) => b.id === g.id);
    gpus.push({
      gpu: g.id,
      node: g.node,
      services: onIt,
      slots,
      mode,
      budgetMiB: gpuBudgetMiB(g),
      estimatedMiB: budget?.estimatedMiB ?? 0,
    });
    if (onIt.length > slots) {
      problems.push({
        key: mode === "exclusive" ? "kubernetes.gpuSharing.mode" : "kubernetes.gpuSharing.replicas",
        value: mode === "exclusive" ? mode : replicas,
        allowed: `GPU "${g.id}" on ${g.node} is planned for ${onIt.length} pods (${onIt.join(", ")}) but the cluster offers ${slots} slot${slots === 1 ? "" : "s"} on it (${mode}), so ${onIt.length - slots} would stay Pending`,
        fix:
          mode === "exclusive"
            ? "enable time-slicing or MPS in the NVIDIA device plugin and pulumi config set --path 'kubernetes.gpuSharing.mode' time-slicing, or move servers to other GPUs or to the CPU"
            : `raise the device plugin's replicas and pulumi config set --path 'kubernetes.gpuSharing.replicas' ${onIt.length}`,
      });
    }
    // The budget holds only for what the GPU plan counted: every pod placed on this GPU must be in it.
    const counted = new Set([
      ...(budget?.assignments.map((a) => a.service) ?? []),
      ...(budget?.routers.map((r) => r.service) ?? []),
      ...(budget?.fixedClaims.map((c) => c.service) ?? []),
    ]);
    for (const service of onIt) {
      const spec = services.find((s) => s.service === service)!;
      if (!counted.has(service) && spec.vramMiB !== 0) {
        problems.push({
          key: "gpus",
          value: g.id,
          allowed: `${service} is placed on GPU "${g.id}" but the GPU plan does not count its VRAM, so the budget would not cover it`,
          fix: `give ${service} a VRAM claim in lib/plan (vramMiB) or keep it off the GPU`,
        });
      }
    }
  }
  return { pods, gpus, hostPathNode, problems };
}
