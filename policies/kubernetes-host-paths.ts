/**
 * kubernetes-host-paths: hostPath volumes, by container-host-mounts' rules
 * (the same sensitive list). A container runtime socket (docker.sock,
 * containerd.sock, ...) is refused outright on a cluster: it is root on the
 * node and bypasses the API server's admission, and no allowlist entry makes
 * it pass. The host root and system directories need a per-service allowlist
 * entry in the policy config and read-only mounts. Ordinary data paths (the
 * models directory) pass; the pod is pinned to the node that holds them.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import * as path from "node:path";
import { sensitiveKind } from "./container-host-mounts";
import { podCheck } from "./support/kubernetes-check";
import { allowedForService, describePod, type PodView } from "./support/kubernetes-view";
import { allowlistSchema } from "./support/service-allowlist";

export interface HostPathsConfig {
  /** Host paths (the host root, system directories) a service may mount read-only, by service. */
  allow: Record<string, string[]>;
}

const RUNTIME_SOCKET = /(^|\/)(docker|containerd|crio|podman|cri-dockerd)\.sock$|^\/(var\/)?run\/(containerd|docker|crio)(\/|$)/;

export function hostPathProblems(pod: PodView, config: HostPathsConfig): string[] {
  const where = describePod(pod);
  const allowed = allowedForService(config.allow, pod.service).map((p) => path.posix.normalize(p));
  const problems: string[] = [];
  for (const volume of pod.pod.volumes ?? []) {
    const hostPath = volume.hostPath?.path;
    if (typeof hostPath !== "string") continue;
    const normal = path.posix.normalize(hostPath).replace(/(.)\/+$/, "$1");
    const mounts = pod.containers.flatMap((c) => (c.volumeMounts ?? []).filter((m) => m.name === volume.name).map((m) => ({ c, m })));
    const where2 = `${where} mounts hostPath ${hostPath} (volume "${volume.name ?? "?"}")`;
    if (RUNTIME_SOCKET.test(normal)) {
      problems.push(`${where2}: the container runtime's socket, root on the node and a way around the API server's admission. Not allowed on a cluster, allowlisted or not. Fix: remove it (cAdvisor: monitoring.cadvisor.dockerSocket false; the kubelet has its own cAdvisor).`);
      continue;
    }
    const kind = sensitiveKind(normal);
    if (!kind) continue;
    if (!allowed.includes(normal)) {
      problems.push(`${where2}: ${kind}. Fix: remove the mount, or allowlist "${hostPath}" for ${pod.service} under kubernetes-host-paths.allow in policies/config/<stack>.json and mount it read-only.`);
      continue;
    }
    for (const { c, m } of mounts) {
      if (m.readOnly !== true) problems.push(`${where2}, allowlisted ${kind}, read-write in container "${c.name ?? "?"}" at ${m.mountPath ?? "?"}. Fix: readOnly: true on the volumeMount.`);
    }
  }
  return problems;
}

export const kubernetesHostPaths: ResourceValidationPolicy = {
  name: "kubernetes-host-paths",
  description:
    "Checks that no Kubernetes pod mounts a container runtime socket, and that hostPath mounts of the host root or a system directory are allowlisted for the service and read-only.",
  enforcementLevel: "mandatory",
  severity: "critical",
  configSchema: { properties: { allow: allowlistSchema({ type: "string" }) } },
  validateResource: podCheck<HostPathsConfig>(hostPathProblems),
};
