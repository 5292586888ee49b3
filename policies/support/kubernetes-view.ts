/**
 * Kubernetes objects as the policies see them. The engine hands resource
 * policies the inputs after the provider's check (apiVersion and kind filled
 * in, autonamed names known, a value from another resource, e.g. a generated
 * password in a Secret's stringData, unknown), and stack policies the planned
 * objects: on a first preview into a namespace the stack creates, the inputs
 * again (the provider cannot dry-run into a namespace that does not exist);
 * once the objects exist, the server's object with every default filled in
 * (probe thresholds, imagePullPolicy, protocol), managedFields and status.
 * The views read only fields the program sets, treat absent as the API's
 * default, and copy the known part (unknowns remembered, nulls dropped: known.ts).
 */
import type { PolicyResource, PolicyResourceOptions } from "@pulumi/policy";
import { GPU_RESOURCE, HOSTNAME_LABEL, SERVICE_LABEL, SKIP_AWAIT_ANNOTATION } from "../../lib/kubernetes/labels";
import { knownPart, type UnknownValue } from "./known";

export const K8S = {
  DEPLOYMENT: "kubernetes:apps/v1:Deployment",
  STATEFULSET: "kubernetes:apps/v1:StatefulSet",
  DAEMONSET: "kubernetes:apps/v1:DaemonSet",
  REPLICASET: "kubernetes:apps/v1:ReplicaSet",
  JOB: "kubernetes:batch/v1:Job",
  CRONJOB: "kubernetes:batch/v1:CronJob",
  POD: "kubernetes:core/v1:Pod",
  SERVICE: "kubernetes:core/v1:Service",
  CONFIGMAP: "kubernetes:core/v1:ConfigMap",
  SECRET: "kubernetes:core/v1:Secret",
  PVC: "kubernetes:core/v1:PersistentVolumeClaim",
  NETWORK_POLICY: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
} as const;

/** Kinds that run pods, and where their pod template sits. */
const POD_PATHS: Record<string, string[]> = {
  [K8S.POD]: [],
  [K8S.DEPLOYMENT]: ["spec", "template"],
  [K8S.STATEFULSET]: ["spec", "template"],
  [K8S.DAEMONSET]: ["spec", "template"],
  [K8S.REPLICASET]: ["spec", "template"],
  [K8S.JOB]: ["spec", "template"],
  [K8S.CRONJOB]: ["spec", "jobTemplate", "spec", "template"],
};

export const POD_TYPES = Object.keys(POD_PATHS);
export const isPodType = (type: string) => type in POD_PATHS;

// The subset of the API the policies read; everything optional, as on the wire.
export interface K8sProbe {
  exec?: { command?: string[] };
  httpGet?: { port?: number | string; path?: string };
  tcpSocket?: { port?: number | string };
  grpc?: { port?: number };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
  successThreshold?: number;
}
export interface K8sEnvVar {
  name?: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name?: string; key?: string }; configMapKeyRef?: { name?: string; key?: string }; fieldRef?: unknown };
}
export interface K8sContainer {
  name?: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: K8sEnvVar[];
  envFrom?: { configMapRef?: { name?: string }; secretRef?: { name?: string } }[];
  ports?: { containerPort?: number; hostPort?: number; hostIP?: string; name?: string }[];
  resources?: { limits?: Record<string, string | number>; requests?: Record<string, string | number> };
  startupProbe?: K8sProbe;
  readinessProbe?: K8sProbe;
  livenessProbe?: K8sProbe;
  volumeMounts?: { name?: string; mountPath?: string; subPath?: string; readOnly?: boolean }[];
  securityContext?: {
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
    procMount?: string;
    seccompProfile?: { type?: string };
    runAsUser?: number;
  };
}
export interface K8sVolume {
  name?: string;
  hostPath?: { path?: string; type?: string };
  persistentVolumeClaim?: { claimName?: string; readOnly?: boolean };
  configMap?: { name?: string };
  secret?: { secretName?: string };
  emptyDir?: unknown;
}
export interface K8sPodSpec {
  containers?: K8sContainer[];
  initContainers?: K8sContainer[];
  volumes?: K8sVolume[];
  nodeSelector?: Record<string, string>;
  nodeName?: string;
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: { matchExpressions?: { key?: string; operator?: string; values?: string[] }[] }[] };
    };
  };
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  hostUsers?: boolean;
  automountServiceAccountToken?: boolean;
  runtimeClassName?: string;
  securityContext?: { seccompProfile?: { type?: string }; sysctls?: unknown[] };
}
export interface K8sMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PodView {
  urn: string;
  type: string;
  /** Pulumi resource name. */
  resourceName: string;
  /** The service label of its pods, else the object's name, else the resource name: what messages call it. */
  service: string;
  kind: string;
  meta: K8sMeta;
  /** Labels of the pods it runs (its template's). */
  podLabels: Record<string, string>;
  pod: K8sPodSpec;
  /** Containers, init containers after them. */
  containers: K8sContainer[];
  /** Long-running containers (no init containers). */
  mainContainers: K8sContainer[];
  replicas: number;
  /** Deployment strategy type (the API's default RollingUpdate when unset); undefined for other kinds. */
  strategy?: string;
  progressDeadlineSeconds?: number;
  skipAwait: boolean;
  opts: PolicyResourceOptions;
  unknown: UnknownValue[];
  outsideOperation: boolean;
}

interface Input {
  urn: string;
  type: string;
  name: string;
  props: Record<string, unknown>;
  opts: PolicyResourceOptions;
}

function at(value: unknown, path: readonly string[]): unknown {
  let cursor = value;
  for (const key of path) {
    if (cursor === null || typeof cursor !== "object") return undefined;
    cursor = (cursor as Record<string, unknown>)[key];
  }
  return cursor;
}

/** The view of a pod-running object; undefined for other kinds. */
export function podView(input: Input): PodView | undefined {
  const path = POD_PATHS[input.type];
  if (!path) return undefined;
  const { value, unknown } = knownPart(input.props);
  const template = (path.length ? at(value, path) : value) as { metadata?: K8sMeta; spec?: K8sPodSpec } | undefined;
  const meta = ((value as { metadata?: K8sMeta }).metadata ?? {}) as K8sMeta;
  const pod = template?.spec ?? {};
  const podLabels = template?.metadata?.labels ?? (input.type === K8S.POD ? meta.labels ?? {} : {});
  const mainContainers = pod.containers ?? [];
  const spec = (value as { spec?: { replicas?: number; strategy?: { type?: string }; progressDeadlineSeconds?: number } }).spec ?? {};
  return {
    urn: input.urn,
    type: input.type,
    resourceName: input.name,
    service: podLabels[SERVICE_LABEL] ?? meta.name ?? input.name,
    kind: input.type.slice(input.type.lastIndexOf(":") + 1),
    meta,
    podLabels,
    pod,
    containers: [...mainContainers, ...(pod.initContainers ?? [])],
    mainContainers,
    replicas: [K8S.DEPLOYMENT, K8S.STATEFULSET, K8S.REPLICASET].includes(input.type as never) ? (spec.replicas ?? 1) : 1,
    ...(input.type === K8S.DEPLOYMENT ? { strategy: spec.strategy?.type ?? "RollingUpdate", progressDeadlineSeconds: spec.progressDeadlineSeconds ?? 600 } : {}),
    skipAwait: meta.annotations?.[SKIP_AWAIT_ANNOTATION] === "true",
    opts: input.opts,
    unknown,
    outsideOperation: Object.keys(value).length === 0 && unknown.length === 0,
  };
}

/** `Deployment "rag"` (plus the service when it differs from the object name). */
export function describePod(p: PodView): string {
  const name = p.meta.name ?? p.resourceName;
  return p.service && p.service !== name ? `${p.kind} "${name}" (service ${p.service})` : `${p.kind} "${name}"`;
}

/** The node a pod is pinned to: nodeName, a kubernetes.io/hostname nodeSelector, or a required node affinity on it with one value. */
export function pinnedNode(p: PodView): string | undefined {
  if (p.pod.nodeName) return p.pod.nodeName;
  const selected = p.pod.nodeSelector?.[HOSTNAME_LABEL];
  if (selected) return selected;
  const terms = p.pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  if (terms.length !== 1) return undefined;
  const match = (terms[0]!.matchExpressions ?? []).find((e) => e.key === HOSTNAME_LABEL && e.operator === "In" && e.values?.length === 1);
  return match?.values?.[0];
}

/** nvidia.com/gpu a container asks for: its limit (the API requires request == limit), as text. */
export function gpuLimit(c: K8sContainer): string | undefined {
  const limit = c.resources?.limits?.[GPU_RESOURCE];
  return limit === undefined ? undefined : String(limit);
}

/** Per-service allowlists (`{ "<service>": [...], "*": [...] }`). */
export function allowedForService<T>(allowlist: Record<string, T[]> | undefined, service: string): T[] {
  return [...(allowlist?.[service] ?? []), ...(allowlist?.["*"] ?? [])];
}

export interface StackPods {
  views: PodView[];
  outside: PodView[];
  /** Pod-running objects each one depends on (declared dependsOn or property dependencies). */
  dependsOn: Map<PodView, PodView[]>;
  resources: Map<PodView, PolicyResource>;
}

export function stackPods(resources: readonly PolicyResource[]): StackPods {
  const pods = resources.filter((r) => isPodType(r.type));
  const all = pods.map((r) => podView(r)!);
  const byUrn = new Map(all.map((v) => [v.urn, v]));
  return {
    views: all.filter((v) => !v.outsideOperation),
    outside: all.filter((v) => v.outsideOperation),
    dependsOn: new Map(pods.map((r, i) => [all[i]!, [...new Set(r.dependencies.map((d) => byUrn.get(d.urn)).filter((d): d is PodView => d !== undefined))]])),
    resources: new Map(pods.map((r, i) => [all[i]!, r])),
  };
}

/** Labels `selector` requires are all on `labels` (an empty selector matches everything). */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

/** The namespace an object goes to (the provider's default namespace when unset). */
export function namespaceOf(meta: K8sMeta | undefined): string {
  return meta?.namespace ?? "default";
}
