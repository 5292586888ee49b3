/**
 * Config section for the Kubernetes target (`target: kubernetes`): where the
 * objects go and what the cluster offers. The Docker target ignores it. What
 * each key becomes is in docs/kubernetes.md; lib/kubernetes reads it.
 */
import { z } from "zod";

/** An RFC 1123 label: namespace, node and StorageClass names. */
const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a lowercase RFC 1123 name (a-z, 0-9, '-', at most 63 characters)");
/** A node name: an RFC 1123 subdomain (node names may contain dots). */
const nodeName = z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, "must be a Kubernetes node name (lowercase RFC 1123 subdomain), as `kubectl get nodes` lists it");

/** How the NVIDIA device plugin shares one GPU between pods. */
export const GPU_SHARING_MODES = ["time-slicing", "mps", "exclusive"] as const;

export const kubernetesSection = z
  .strictObject({
    namespace: dnsLabel.default("local-ai-suite").describe("Namespace of every object. Created by the stack and kept on destroy (deleting a namespace deletes its PersistentVolumeClaims)."),
    hostPathNode: nodeName.optional().describe("The node holding the host directories pods mount (paths.modelsDir, mcp.workspaceDir, memory.scriptsDir, the node exporters' /proc and /sys): pods that mount one and use no GPU run there. Unset: the GPUs' node when every GPU is on one node."),
    storageClass: dnsLabel.optional().describe("StorageClass of the PersistentVolumeClaims; unset: the cluster's default class."),
    volumeGiB: z.record(z.string(), z.int().positive()).default({}).describe("Size in GiB of each PersistentVolumeClaim, by claim name (e.g. \"data-vectors-qdrant\", \"prometheus-data\"); others get defaultVolumeGiB."),
    defaultVolumeGiB: z.int().positive().default(10).describe("Size in GiB of a PersistentVolumeClaim not named in volumeGiB."),
    gpuSharing: z
      .strictObject({
        mode: z.enum(GPU_SHARING_MODES).default("time-slicing").describe("\"time-slicing\" or \"mps\": the device plugin advertises `replicas` slots per GPU and pods share its memory with no isolation, which is what the per-GPU VRAM budget guards. \"exclusive\": one pod per GPU (the plugin's default), so two pods planned on one GPU cannot both run."),
        replicas: z.int().min(1).max(64).default(4).describe("Slots per GPU the device plugin advertises (its sharing config's `replicas`)."),
      })
      .prefault({})
      .describe("How the NVIDIA device plugin shares one GPU between pods."),
    gpuRuntimeClass: dnsLabel.optional().describe("RuntimeClass for GPU pods (e.g. \"nvidia\" where containerd's default runtime is not NVIDIA's); unset: the node's default."),
    imageRegistry: z.string().regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?(\/[a-z0-9._-]+)*$/, "must be a registry host with an optional port and path, e.g. registry.lan:5000/ai").optional().describe("Registry prefix (host[:port][/path]) for the images this repository builds (embedding, rag, memory, MCP): push them there. Unset: the bare local tag, for images imported into each node's containerd (e.g. `k3s ctr images import`)."),
    cpuRequestFraction: z.number().gt(0).max(1).default(0.25).describe("CPU each pod requests, as a fraction of its CPU limit (limits.cpus). Docker's --cpus caps and reserves nothing; the scheduler reserves requests, so the full limit would overbook a workstation."),
    skipAwait: z.boolean().default(false).describe("Only for a control plane without nodes (tests, CI): readiness never comes there, so Pulumi does not wait for it (pulumi.com/skipAwait on workloads and Services). Never on a real cluster."),
  })
  .prefault({})
  .describe("Target kubernetes only: where the objects go and what the cluster offers (docs/kubernetes.md); the Docker target ignores it.");

export type KubernetesConfig = z.infer<typeof kubernetesSection>;
