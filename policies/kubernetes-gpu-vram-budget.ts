/**
 * kubernetes-gpu-vram-budget: gpu-vram-budget for pods. With the NVIDIA device
 * plugin's time-slicing or MPS, the pods on one GPU share its memory with no
 * isolation, and nothing in Kubernetes adds up what they will allocate. This
 * policy does, with the same code as the Docker policy and the plan (lib/vram
 * estimates a llama-server from its own argv, model and llama.cpp build; other
 * GPU pods count their stated claim, label local-ai-suite.vram-mib): every pod
 * asking for nvidia.com/gpu must be pinned to a node the policy config knows
 * the GPU of (gpus[].node), and the claims of every pod placed on that GPU,
 * times its replicas, must fit the GPU's budget (totalMiB - reserveMiB). A
 * Deployment on a GPU must use the Recreate strategy, since a rolling update
 * starts the new pod, and its VRAM, before the old one goes. A pod that looks
 * like a GPU workload but asks for no nvidia.com/gpu, or sets
 * NVIDIA_VISIBLE_DEVICES itself, gets a GPU behind the budget's (and the
 * scheduler's) back, or none at all.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { defaultStackConfig } from "../lib/config/load";
import { VRAM_MIB_LABEL } from "../lib/plan/define-service";
import type { ContainerView } from "./support/container-view";
import { vramClaims, type GpuBudgetEntry } from "./gpu-vram-budget";
import { rethrowUnknown } from "./support/known";
import { describePod, gpuLimit, pinnedNode, stackPods, type K8sContainer, type PodView } from "./support/kubernetes-view";
import { isLlamaCppCudaImage } from "./support/llama-server";

export interface KubernetesGpuEntry extends GpuBudgetEntry {
  /** The node the GPU is in; must match gpus[].node in Pulumi.<stack>.yaml. */
  node: string;
}

export interface KubernetesVramConfig {
  gpus: KubernetesGpuEntry[];
  perProcessOverheadMiB: number;
  fixedClaimsMiB: Record<string, number>;
}

export interface PodClaim {
  pod: PodView;
  container: string;
  gpu: string;
  /** One replica's claim. */
  mib: number;
  replicas: number;
  breakdown: string;
}

const DEFAULTS = defaultStackConfig();

/** A container that means to use a GPU: asks for one, runs a CUDA llama.cpp image, or states a VRAM claim. */
function looksLikeGpu(pod: PodView, c: K8sContainer): string | undefined {
  if (gpuLimit(c) !== undefined) return "asks for nvidia.com/gpu";
  if (isLlamaCppCudaImage(c.image)) return `runs the CUDA image ${c.image}`;
  if (pod.podLabels[VRAM_MIB_LABEL] !== undefined) return `its pods carry ${VRAM_MIB_LABEL}`;
  return undefined;
}

/** The container in the shape the Docker policy's estimator reads: argv, image, the hostPath holding the model, the GPU. */
function estimatorView(pod: PodView, c: K8sContainer, gpu: string): ContainerView {
  const volumes = (c.volumeMounts ?? []).flatMap((m) => {
    const v = (pod.pod.volumes ?? []).find((v) => v.name === m.name);
    return v?.hostPath?.path && m.mountPath ? [{ hostPath: v.hostPath.path, containerPath: m.mountPath, readOnly: m.readOnly ?? false }] : [];
  });
  return {
    urn: pod.urn,
    resourceName: pod.resourceName,
    service: pod.service,
    props: {
      name: pod.service,
      image: c.image,
      // Kubernetes `command` is Docker's entrypoint, `args` Docker's command.
      ...(c.command ? { entrypoints: c.command } : {}),
      ...(c.args ? { command: c.args } : {}),
      volumes,
      deviceRequests: [{ driver: "nvidia", deviceIds: [gpu], capabilities: ["gpu"] }],
    },
    opts: pod.opts,
    env: Object.fromEntries((c.env ?? []).filter((e) => e.name && e.value !== undefined).map((e) => [e.name!, e.value!])),
    labels: pod.podLabels,
    names: [pod.service],
    imageRef: c.image,
    unknown: [],
    outsideOperation: false,
  };
}

export async function kubernetesVramFindings(pods: readonly PodView[], config: KubernetesVramConfig): Promise<{ message: string; urn: string }[]> {
  const findings: { message: string; urn: string }[] = [];
  const placed: { pod: PodView; container: K8sContainer; gpu: string }[] = [];
  for (const pod of pods) {
    for (const c of pod.mainContainers) {
      const reason = looksLikeGpu(pod, c);
      const where = `${describePod(pod)}, container "${c.name ?? "?"}"`;
      if ((c.env ?? []).some((e) => e.name === "NVIDIA_VISIBLE_DEVICES")) {
        findings.push({ urn: pod.urn, message: `${where} sets NVIDIA_VISIBLE_DEVICES itself, which hands it GPUs the scheduler and the VRAM budget do not know about (or none). Fix: remove it; ask for nvidia.com/gpu and let the device plugin set it.` });
      }
      if (!reason) continue;
      const limit = gpuLimit(c);
      if (limit === undefined) {
        findings.push({ urn: pod.urn, message: `${where} ${reason} but asks for no nvidia.com/gpu, so it runs on the CPU, or on a GPU the budget does not count. Fix: set gpuDeviceIds in its ServiceSpec (the mapping adds the nvidia.com/gpu limit and pins it to the GPU's node).` });
        continue;
      }
      const node = pinnedNode(pod);
      const gpus = config.gpus.filter((g) => g.node === node);
      if (!node) {
        findings.push({ urn: pod.urn, message: `${where} asks for nvidia.com/gpu but is not pinned to a node, so the scheduler may put it on any GPU and no budget can be proven. Fix: give the GPU a node (gpus[].node); the mapping then sets nodeSelector kubernetes.io/hostname.` });
        continue;
      }
      if (gpus.length === 0) {
        findings.push({ urn: pod.urn, message: `${where} is pinned to node ${node}, where the policy config's gpus list no GPU (${config.gpus.map((g) => `"${g.id}" on ${g.node}`).join(", ") || "none"}), so its VRAM is not budgeted. Fix: add the node's GPU to gpus in both Pulumi.<stack>.yaml and policies/config/<stack>.json.` });
        continue;
      }
      if (Number(limit) > gpus.length) {
        findings.push({ urn: pod.urn, message: `${where} asks for ${limit} GPUs on node ${node}, which has ${gpus.length} in the policy config, so it never schedules. Fix: ask for at most ${gpus.length}.` });
      }
      if (pod.strategy === "RollingUpdate") {
        findings.push({ urn: pod.urn, message: `${where} uses a GPU but its Deployment rolls with RollingUpdate (the default), which starts the new pod, and its VRAM, before the old one stops: two copies on the GPU during every rollout. Fix: strategy Recreate (the mapping uses it for GPU pods).` });
      }
      for (const gpu of gpus.slice(0, Math.max(1, Number(limit) || 1))) placed.push({ pod, container: c, gpu: gpu.id });
    }
  }
  const dockerConfig = { gpus: config.gpus, perProcessOverheadMiB: config.perProcessOverheadMiB, fixedClaimsMiB: config.fixedClaimsMiB };
  const claims: PodClaim[] = [];
  for (const p of placed) {
    const { claims: [claim], findings: more } = await vramClaims([estimatorView(p.pod, p.container, p.gpu)], dockerConfig);
    findings.push(...more.map((f) => ({ urn: p.pod.urn, message: f.message })));
    if (claim) claims.push({ pod: p.pod, container: p.container.name ?? "?", gpu: p.gpu, mib: claim.mib, replicas: p.pod.replicas, breakdown: claim.breakdown });
  }
  for (const gpu of config.gpus) {
    const budget = gpu.totalMiB - gpu.reserveMiB;
    const onGpu = claims.filter((c) => c.gpu === gpu.id).sort((a, b) => b.mib * b.replicas - a.mib * a.replicas);
    const total = Math.round(onGpu.reduce((sum, c) => sum + c.mib * c.replicas, 0) * 10) / 10;
    if (total <= budget || onGpu.length === 0) continue;
    const biggest = onGpu[0]!;
    findings.push({
      urn: biggest.pod.urn,
      message:
        `GPU "${gpu.id}"${gpu.name ? ` (${gpu.name})` : ""} on node ${gpu.node} is over budget: the pods placed on it need ~${total} MiB but the budget is ${budget} MiB (totalMiB ${gpu.totalMiB} - reserveMiB ${gpu.reserveMiB}); time-slicing shares its memory with no isolation, so the last one to load fails or evicts. ` +
        `Per pod: ${onGpu.map((c) => `${c.pod.service}${c.replicas > 1 ? ` x${c.replicas} replicas` : ""}: ${c.breakdown}`).join("; ")}. ` +
        `Fix: lower -ngl or -c of ${biggest.pod.service} (inference.<role>.nGpuLayers "auto" or a smaller ctxSize in Pulumi.<stack>.yaml), run fewer replicas, or move a server to another GPU node.`,
    });
  }
  return findings;
}

export const kubernetesGpuVramBudget: StackValidationPolicy = {
  name: "kubernetes-gpu-vram-budget",
  description:
    "Checks that every Kubernetes GPU pod asks for nvidia.com/gpu, is pinned to a configured GPU's node and rolls with Recreate, and that the estimated VRAM of every pod placed on each GPU fits its budget.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: {
    properties: {
      gpus: {
        type: "array",
        items: {
          type: "object",
          properties: { id: { type: "string" }, name: { type: "string" }, totalMiB: { type: "integer", minimum: 1 }, reserveMiB: { type: "integer", minimum: 0 }, node: { type: "string" } },
          required: ["id", "totalMiB", "reserveMiB", "node"],
        },
        default: [],
      },
      perProcessOverheadMiB: { type: "integer", minimum: 0, default: DEFAULTS.inference.perProcessOverheadMiB },
      fixedClaimsMiB: { type: "object", additionalProperties: { type: "integer", minimum: 0 }, default: {} },
    },
  },
  validateStack: async (args, reportViolation) => {
    const { views } = stackPods(args.resources);
    if (views.length === 0) return args.notApplicable("the stack has no Kubernetes pods");
    for (const f of await kubernetesVramFindings(views, args.getConfig<KubernetesVramConfig>())) reportViolation(f.message, f.urn);
    rethrowUnknown(views.flatMap((v) => v.unknown), ["spec", "metadata"]);
  },
};
