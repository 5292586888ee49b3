/**
 * kubernetes-exposure: the Kubernetes side of container-ports-loopback. The
 * Docker stack publishes its ports on 127.0.0.1; on a cluster its Services are
 * ClusterIP (reached in the cluster, or from the workstation with
 * `kubectl port-forward`), and no container binds a port on its node. A
 * NodePort, LoadBalancer or external IP exposes a keyless Qdrant or gateway to
 * the network, and needs a per-service allowlist entry.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { knownPart, rethrowUnknown } from "./support/known";
import { allowedForService, describePod, K8S, podView } from "./support/kubernetes-view";
import { allowlistSchema } from "./support/service-allowlist";
import { SERVICE_LABEL } from "../lib/kubernetes/labels";

export interface ExposureConfig {
  /** Services whose Service may be NodePort/LoadBalancer or whose pods may bind node ports. */
  allow: Record<string, string[]>;
}

interface ServiceProps {
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: { type?: string; externalIPs?: string[]; ports?: { nodePort?: number; port?: number }[] };
}

export const kubernetesExposure: ResourceValidationPolicy = {
  name: "kubernetes-exposure",
  description: "Checks that Kubernetes Services are ClusterIP without external IPs and that no container binds a node port, unless allowlisted for the service.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: { properties: { allow: allowlistSchema({ type: "string" }) } },
  validateResource: (args, reportViolation) => {
    const config = args.getConfig<ExposureConfig>();
    if (args.type === K8S.SERVICE) {
      const { value, unknown } = knownPart(args.props as ServiceProps);
      const service = value.metadata?.labels?.[SERVICE_LABEL] ?? value.metadata?.name ?? args.name;
      const allowed = allowedForService(config.allow, service).length > 0;
      const type = value.spec?.type ?? "ClusterIP";
      if (!allowed && type !== "ClusterIP") {
        reportViolation(`Service "${value.metadata?.name ?? args.name}" is type ${type}, reachable from outside the cluster. Fix: ClusterIP and \`kubectl port-forward\` (the stack outputs portForward), or allowlist ${service} under kubernetes-exposure.allow.`);
      }
      if (!allowed && (value.spec?.externalIPs ?? []).length) {
        reportViolation(`Service "${value.metadata?.name ?? args.name}" sets externalIPs ${value.spec!.externalIPs!.join(", ")}. Fix: remove them, or allowlist ${service} under kubernetes-exposure.allow.`);
      }
      rethrowUnknown(unknown, ["spec", "metadata"]);
      return;
    }
    const pod = podView(args);
    if (!pod) return args.notApplicable("applies to Kubernetes Services and objects that run pods only");
    if (allowedForService(config.allow, pod.service).length === 0) {
      for (const c of pod.containers) {
        for (const port of (c.ports ?? []).filter((p) => p.hostPort !== undefined && p.hostPort !== 0)) {
          reportViolation(`${describePod(pod)}, container "${c.name ?? "?"}" binds port ${port.hostPort} on its node (hostPort), reachable from the network. Fix: remove hostPort; use the Service.`);
        }
      }
    }
    rethrowUnknown(pod.unknown, ["spec", "metadata"]);
  },
};
