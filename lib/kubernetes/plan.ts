/**
 * planKubernetes: the stack plan (the same ServiceSpecs the Docker target
 * deploys) -> every decision the Kubernetes target makes, as plain data:
 * workload kind, node placement, GPU slots, claims, host paths, config files,
 * secret references, probes, ingress rules and timeouts. objects.ts renders
 * them as API objects; components/kubernetes creates those. A stack that
 * cannot run as planned on the cluster (a GPU with no node, more pods on a GPU
 * than it has slots) fails here with a ConfigError naming the key.
 */
import { ConfigError, type ConfigProblem } from "../config/errors";
import type { KubernetesConfig } from "../config/kubernetes-section";
import type { SecretKey, StackConfig } from "../config/schema";
import type { ServiceSpec } from "../plan/service-spec";
import type { StackPlan } from "../plan/stack-plan";
import { LABEL_VALUE } from "./labels";
import { ingressRules, servicePorts, type IngressRule } from "./network-policies";
import { placePods, type GpuShare, type PodPlacement } from "./placement";
import { probesFor, startupBudgetSec, type ProbeSet } from "./probes";
import { claimsOf, dataClaimName, mountsOf, type ClaimPlan, type MountPlan } from "./storage";

/**
 * The Docker Engine API the plan is made for on this target: the newest the
 * plan knows, since no Docker engine limits a kubelet (Docker before API 1.44
 * refuses a healthcheck's start_interval, which the startupProbe uses).
 */
export const KUBERNETES_PLAN_ENGINE_API = "1.44";

/**
 * The config planStack plans with on the Kubernetes target: docker.engineApiVersion
 * does not apply there, and neither does the healer (it restarts unhealthy
 * containers through the Docker socket; on a cluster the kubelet's liveness
 * probes do that, and no pod gets a container runtime's socket).
 */
export function kubernetesPlanConfig(config: StackConfig): StackConfig {
  return {
    ...config,
    docker: { ...config.docker, engineApiVersion: KUBERNETES_PLAN_ENGINE_API },
    healer: { ...config.healer, enabled: false },
  };
}

export interface ConfigFile {
  /** Key in the service's ConfigMap (the path, flattened). */
  key: string;
  path: string;
  content: string;
}

export interface SecretEntry {
  /** Key in the service's Secret. */
  key: string;
  secret: SecretKey;
  /** Set for an env var; else `path` for a file. */
  env?: string;
  path?: string;
  /** A file's template, where the secret sits inside a config file (FileSpec.content; see secretFileContent). */
  template?: string;
}

export interface KubernetesServicePlan {
  service: string;
  spec: ServiceSpec;
  kind: "Deployment" | "StatefulSet";
  /** Workload name (the container name: containerPrefix + service). */
  name: string;
  image: string;
  placement: PodPlacement;
  mounts: MountPlan[];
  configFiles: ConfigFile[];
  secrets: SecretEntry[];
  /** Ports its Service exposes (and its container declares). */
  ports: number[];
  probes?: ProbeSet;
  ingress: IngressRule[];
  /** Pulumi's create/update timeout and the Deployment's progress deadline: the startup budget plus room to schedule and pull. */
  timeoutSec: number;
  /** Recreate (GPU or claims: never two pods on one GPU slot or one ReadWriteOnce claim) or a surge-first rolling update. */
  strategy: "Recreate" | "RollingUpdate";
}

export interface KubernetesPlan {
  stack: string;
  namespace: string;
  prefix: string;
  settings: KubernetesConfig;
  services: KubernetesServicePlan[];
  claims: ClaimPlan[];
  gpus: GpuShare[];
  hostPathNode?: string;
}

/** A ConfigMap/Secret key for a file path: "/etc/prometheus/prometheus.yml" -> "etc-prometheus-prometheus.yml". */
export function fileKey(filePath: string): string {
  return filePath.replace(/^\/+/, "").replace(/[^-._a-zA-Z0-9]+/g, "-");
}

/** Built images are pushed to kubernetes.imageRegistry (or imported into the nodes under their local tag). */
export function imageRefFor(spec: ServiceSpec, settings: KubernetesConfig): string {
  if (spec.image.kind === "registry" || !settings.imageRegistry) return spec.image.ref;
  return `${settings.imageRegistry}/${spec.image.ref}`;
}

/** A StatefulSet where identity and storage matter: a service that writes data the stack keeps under paths.dataDir (Qdrant, the memory services, the MCP security database). */
export function workloadKind(spec: ServiceSpec, config: StackConfig): "Deployment" | "StatefulSet" {
  return spec.binds.some((b) => !b.readOnly && dataClaimName(config.paths.dataDir, b.hostPath)) ? "StatefulSet" : "Deployment";
}

export function planKubernetes(plan: StackPlan, config: StackConfig): KubernetesPlan {
  const settings = config.kubernetes;
  const problems: ConfigProblem[] = [];
  if (!LABEL_VALUE.test(plan.stack)) {
    problems.push({
      key: "(stack name)",
      value: plan.stack,
      allowed: "the stack name becomes a label value: at most 63 characters, letters, digits, '-', '_', '.', alphanumeric at both ends",
      fix: "pulumi stack rename <a shorter name>",
    });
  }
  const mounts = new Map(plan.services.map((s) => [s.service, mountsOf(s, config)]));
  const claims = claimsOf(plan.services, config);
  const placement = placePods(plan.services, mounts, claims, plan.gpuPlan, config);
  problems.push(...placement.problems);
  const rules = ingressRules(plan.services);

  const services = plan.services.map<KubernetesServicePlan>((spec) => {
    const probes = probesFor(spec.healthcheck);
    const startup = probes ? startupBudgetSec(probes.startupProbe) : 0;
    const hasClaims = (mounts.get(spec.service) ?? []).some((m) => m.source.kind === "claim");
    const placed = placement.pods.get(spec.service) ?? { gpuCount: 0, gpuIds: [] };
    return {
      service: spec.service,
      spec,
      kind: workloadKind(spec, config),
      name: spec.containerName,
      image: imageRefFor(spec, settings),
      placement: placed,
      mounts: mounts.get(spec.service) ?? [],
      configFiles: spec.files.filter((f) => !f.secret).map((f) => ({ key: fileKey(f.path), path: f.path, content: f.content })),
      secrets: [
        ...Object.entries(spec.secretEnv).map(([env, secret]) => ({ key: env, secret, env })),
        ...spec.files
          .filter((f) => f.secret)
          .map((f) => ({ key: fileKey(f.path), secret: f.secret!, path: f.path, ...(f.content ? { template: f.content } : {}) })),
      ],
      ports: servicePorts(spec),
      ...(probes ? { probes } : {}),
      ingress: rules.get(spec.service) ?? [],
      timeoutSec: Math.max(spec.lifecycle.createTimeoutSec, startup + 300),
      strategy: placed.gpuCount > 0 || hasClaims ? "Recreate" : "RollingUpdate",
    };
  });

  if (problems.length) throw new ConfigError(problems, "Kubernetes plan");
  return {
    stack: plan.stack,
    namespace: settings.namespace,
    prefix: config.containerPrefix,
    settings,
    services,
    claims,
    gpus: placement.gpus,
    ...(placement.hostPathNode ? { hostPathNode: placement.hostPathNode } : {}),
  };
}
