/**
 * The Kubernetes plan rendered as API objects (plain data). Field by field:
 *
 * | ServiceSpec            | Kubernetes                                                             |
 * |------------------------|------------------------------------------------------------------------|
 * | image                  | containers[0].image (built images: kubernetes.imageRegistry prefix)    |
 * | entrypoint / command   | containers[0].command / args                                           |
 * | env / secretEnv        | env[].value / env[].valueFrom.secretKeyRef (a Secret per service)       |
 * | ports, metrics.port    | containerPorts and a ClusterIP Service named after the service          |
 * | binds under dataDir    | PersistentVolumeClaims (retained on destroy)                            |
 * | volumes (named)        | PersistentVolumeClaims (retained on destroy)                            |
 * | other binds            | hostPath volumes (type Directory/Socket) on the pinned node             |
 * | files / secret files   | ConfigMap / Secret keys mounted with subPath at each path               |
 * | healthcheck            | startupProbe + readinessProbe + livenessProbe (exec, probes.ts)         |
 * | dependsOn              | Pulumi dependsOn on the dependency's workload + NetworkPolicy ingress   |
 * | gpuDeviceIds           | nvidia.com/gpu limit = request, nodeSelector on the GPU's node          |
 * | limits.memoryMiB       | memory limit = request (no swap: the container is OOM-killed)          |
 * | limits.cpus            | cpu limit; request = limit x kubernetes.cpuRequestFraction              |
 * | user / groupAdd        | runAsUser, runAsGroup / supplementalGroups                              |
 * | capabilities           | capabilities.drop/add (unset: drop ALL, add back DEFAULT_KEPT_CAPS)     |
 * | securityOpts no-new-p. | allowPrivilegeEscalation: false; seccompProfile RuntimeDefault          |
 * | readOnlyRootfs / tmpfs | readOnlyRootFilesystem / emptyDir medium Memory                         |
 * | restart unless-stopped | restartPolicy Always (plus liveness restarts)                           |
 * | lifecycle.stopGraceSec | terminationGracePeriodSeconds                                           |
 * | lifecycle.createTimeo. | Pulumi customTimeouts and progressDeadlineSeconds                       |
 * | deleteBeforeReplace    | strategy Recreate (GPU or claims) / StatefulSet one-at-a-time           |
 * | labels                 | pod labels (the service and stack labels select the pods)              |
 * | logging                | the kubelet's log rotation (not set per pod)                            |
 */
import { GPU_RESOURCE, GPU_TAINT_KEY, HOSTNAME_LABEL, NAME_LABEL, selectorLabels, SKIP_AWAIT_ANNOTATION, stackLabels } from "./labels";
import type { KubernetesPlan, KubernetesServicePlan } from "./plan";
import { cpuQuantity, memoryQuantity, storageQuantity } from "./quantities";
import { IMAGE_FS_GROUP, type ClaimPlan } from "./storage";
import type {
  ObjectMeta,
  ConfigMapObject,
  Container,
  EnvVar,
  NamespaceObject,
  NetworkPolicyObject,
  PersistentVolumeClaimObject,
  PodTemplate,
  ServiceObject,
  Volume,
  VolumeMount,
  WorkloadObject,
} from "./types";

/**
 * What a container keeps of the runtime's default capabilities (Docker's and
 * containerd's: the same list) when its spec states none: all but NET_RAW,
 * MKNOD, AUDIT_WRITE, SETFCAP and SYS_CHROOT, which no service here uses.
 */
export const DEFAULT_KEPT_CAPS = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "NET_BIND_SERVICE", "SETGID", "SETPCAP", "SETUID"] as const;

/** The names of the objects the components autoname (so a content change rolls the pods). */
export interface NameRefs<N> {
  configMap?: N;
  secret?: N;
}

export const portName = (port: number) => `tcp-${port}`;
const CONFIG_VOLUME = "config";
const SECRET_VOLUME = "secrets";

function annotations(k: KubernetesPlan): Record<string, string> | undefined {
  return k.settings.skipAwait ? { [SKIP_AWAIT_ANNOTATION]: "true" } : undefined;
}

function meta(k: KubernetesPlan, name: string, extraLabels: Record<string, string> = {}, awaited = false) {
  const notes = awaited ? annotations(k) : undefined;
  return { name, namespace: k.namespace, labels: { ...stackLabels(k.stack), ...extraLabels }, ...(notes ? { annotations: notes } : {}) };
}

/** `user: "1000:1000"` -> uid and gid; a user name cannot be mapped (Kubernetes takes numbers). */
function userIds(s: KubernetesServicePlan): { runAsUser?: number; runAsGroup?: number } {
  const user = s.spec.user;
  if (user === undefined) return {};
  const match = /^(\d+)(?::(\d+))?$/.exec(user);
  if (!match) throw new Error(`${s.service}: user "${user}" is not numeric ("uid[:gid]"); Kubernetes runAsUser takes numbers`);
  return { runAsUser: Number(match[1]), ...(match[2] !== undefined ? { runAsGroup: Number(match[2]) } : {}) };
}

const canonicalCap = (cap: string) => cap.toUpperCase().replace(/^CAP_/, "");

function container<N>(k: KubernetesPlan, s: KubernetesServicePlan, refs: NameRefs<N>): Container<N> {
  const { spec } = s;
  const secretRef = (key: string): EnvVar<N>["valueFrom"] => {
    if (refs.secret === undefined) throw new Error(`${s.service} needs its Secret's name for ${key}`);
    return { secretKeyRef: { name: refs.secret, key } };
  };
  const env: EnvVar<N>[] = [
    ...Object.entries(spec.env).map(([name, value]) => ({ name, value })),
    ...s.secrets.filter((e) => e.env).map((e) => ({ name: e.env!, valueFrom: secretRef(e.key) })),
  ];
  const gpu: Record<string, string> = s.placement.gpuCount > 0 ? { [GPU_RESOURCE]: String(s.placement.gpuCount) } : {};
  const volumeMounts: VolumeMount[] = [
    ...s.mounts.map((m) => ({ name: m.volume, mountPath: m.containerPath, ...(m.readOnly ? { readOnly: true } : {}) })),
    ...s.configFiles.map((f) => ({ name: CONFIG_VOLUME, mountPath: f.path, subPath: f.key, readOnly: true })),
    ...s.secrets.filter((e) => e.path).map((e) => ({ name: SECRET_VOLUME, mountPath: e.path!, subPath: e.key, readOnly: true })),
  ];
  const caps = spec.capabilities
    ? { drop: spec.capabilities.drop.map(canonicalCap), ...(spec.capabilities.add.length ? { add: spec.capabilities.add.map(canonicalCap) } : {}) }
    : { drop: ["ALL"], add: [...DEFAULT_KEPT_CAPS] };
  return {
    name: s.service,
    image: s.image,
    imagePullPolicy: "IfNotPresent",
    ...(spec.entrypoint ? { command: spec.entrypoint } : {}),
    ...(spec.command ? { args: spec.command } : {}),
    env,
    ports: s.ports.map((port) => ({ name: portName(port), containerPort: port, protocol: "TCP" as const })),
    resources: {
      limits: { cpu: cpuQuantity(spec.limits.cpus), memory: memoryQuantity(spec.limits.memoryMiB), ...gpu },
      requests: { cpu: cpuQuantity(spec.limits.cpus * k.settings.cpuRequestFraction), memory: memoryQuantity(spec.limits.memoryMiB), ...gpu },
    },
    ...(s.probes ?? {}),
    volumeMounts,
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: spec.readOnlyRootfs,
      ...userIds(s),
      capabilities: caps,
    },
  };
}

function volumes<N>(s: KubernetesServicePlan, refs: NameRefs<N>): Volume<N>[] {
  const out: Volume<N>[] = [];
  const seen = new Set<string>();
  for (const m of s.mounts) {
    if (seen.has(m.volume)) continue;
    seen.add(m.volume);
    if (m.source.kind === "claim") out.push({ name: m.volume, persistentVolumeClaim: { claimName: m.source.claim, ...(m.readOnly && s.mounts.filter((x) => x.volume === m.volume).every((x) => x.readOnly) ? { readOnly: true } : {}) } });
    else if (m.source.kind === "hostPath") out.push({ name: m.volume, hostPath: { path: m.source.path, type: m.source.type } });
    else out.push({ name: m.volume, emptyDir: { medium: "Memory", ...(m.source.sizeLimit ? { sizeLimit: m.source.sizeLimit } : {}) } });
  }
  if (s.configFiles.length) {
    if (refs.configMap === undefined) throw new Error(`${s.service} needs its ConfigMap's name`);
    out.push({ name: CONFIG_VOLUME, configMap: { name: refs.configMap, defaultMode: 0o644 } });
  }
  if (s.secrets.some((e) => e.path)) {
    if (refs.secret === undefined) throw new Error(`${s.service} needs its Secret's name`);
    out.push({ name: SECRET_VOLUME, secret: { secretName: refs.secret, defaultMode: 0o444 } });
  }
  return out;
}

export function podTemplate<N>(k: KubernetesPlan, s: KubernetesServicePlan, refs: NameRefs<N>): PodTemplate<N> {
  const { spec, placement } = s;
  const ids = userIds(s);
  const fsGroup = ids.runAsGroup ?? ids.runAsUser ?? IMAGE_FS_GROUP[spec.service];
  const hasClaims = s.mounts.some((m) => m.source.kind === "claim");
  const gpu = placement.gpuCount > 0;
  return {
    metadata: { labels: { ...spec.labels, ...selectorLabels(k.stack, s.service), [NAME_LABEL]: s.service, ...stackLabels(k.stack) } },
    spec: {
      containers: [container(k, s, refs)],
      volumes: volumes(s, refs),
      ...(placement.node ? { nodeSelector: { [HOSTNAME_LABEL]: placement.node } } : {}),
      ...(gpu ? { tolerations: [{ key: GPU_TAINT_KEY, operator: "Exists" as const, effect: "NoSchedule" as const }] } : {}),
      ...(gpu && k.settings.gpuRuntimeClass ? { runtimeClassName: k.settings.gpuRuntimeClass } : {}),
      terminationGracePeriodSeconds: spec.lifecycle.stopGraceSec,
      restartPolicy: "Always",
      // No SERVICE_PORT-style variables injected for every Service in the namespace
      // (EMBEDDING_PORT=tcp://... would shadow a service's own setting).
      enableServiceLinks: false,
      // No service here talks to the Kubernetes API.
      automountServiceAccountToken: false,
      securityContext: {
        seccompProfile: { type: "RuntimeDefault" },
        ...(hasClaims && fsGroup !== undefined ? { fsGroup, fsGroupChangePolicy: "OnRootMismatch" as const } : {}),
        ...(spec.groupAdd?.length ? { supplementalGroups: spec.groupAdd.map(Number) } : {}),
      },
    },
  };
}

export function workloadObject<N = string>(k: KubernetesPlan, s: KubernetesServicePlan, refs: NameRefs<N> = {}): WorkloadObject<N> {
  const metadata = meta(k, s.name, { [NAME_LABEL]: s.service }, true);
  const selector = { matchLabels: selectorLabels(k.stack, s.service) };
  const template = podTemplate(k, s, refs);
  if (s.kind === "StatefulSet") {
    return {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata,
      spec: {
        replicas: 1,
        revisionHistoryLimit: 3,
        ...(s.ports.length ? { serviceName: s.service } : {}),
        podManagementPolicy: "OrderedReady",
        updateStrategy: { type: "RollingUpdate" },
        selector,
        template,
      },
    };
  }
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata,
    spec: {
      replicas: 1,
      revisionHistoryLimit: 3,
      progressDeadlineSeconds: s.timeoutSec,
      selector,
      strategy: s.strategy === "Recreate" ? { type: "Recreate" } : { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template,
    },
  };
}

/** The ClusterIP Service giving the pods their DNS name (the Docker network alias); none for a service with no port. */
export function serviceObject(k: KubernetesPlan, s: KubernetesServicePlan): ServiceObject | undefined {
  if (s.ports.length === 0) return undefined;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(k, s.service, { [NAME_LABEL]: s.service }, true),
    spec: {
      type: "ClusterIP",
      selector: selectorLabels(k.stack, s.service),
      ports: s.ports.map((port) => ({ name: portName(port), port, targetPort: port, protocol: "TCP" as const })),
    },
  };
}

/** The service's own ingress: its declared callers on its ports, Prometheus on its metrics port; none when nobody may connect. */
export function networkPolicyObject(k: KubernetesPlan, s: KubernetesServicePlan): NetworkPolicyObject | undefined {
  if (s.ingress.length === 0) return undefined;
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: meta(k, `${s.name}-ingress`, { [NAME_LABEL]: s.service }),
    spec: {
      podSelector: { matchLabels: selectorLabels(k.stack, s.service) },
      policyTypes: ["Ingress"],
      ingress: s.ingress.map((rule) => ({
        from: rule.from.map((caller) => ({ podSelector: { matchLabels: selectorLabels(k.stack, caller) } })),
        ports: rule.ports.map((port) => ({ port, protocol: "TCP" as const })),
      })),
    },
  };
}

/** Denies all ingress to the stack's pods; each service's policy then admits its callers. */
export function defaultDenyObject(k: KubernetesPlan): NetworkPolicyObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: meta(k, `${k.prefix}default-deny-ingress`),
    spec: { podSelector: { matchLabels: stackLabels(k.stack) }, policyTypes: ["Ingress"], ingress: [] },
  };
}

export function claimObject(k: KubernetesPlan, c: ClaimPlan): PersistentVolumeClaimObject {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    // Not awaited when the class binds on first consumer (the provider sees it); an Immediate class is awaited until Bound.
    metadata: meta(k, c.name),
    spec: {
      accessModes: ["ReadWriteOnce"],
      ...(c.storageClass ? { storageClassName: c.storageClass } : {}),
      resources: { requests: { storage: storageQuantity(c.sizeGiB) } },
    },
  };
}

export function namespaceObject(k: KubernetesPlan): NamespaceObject {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name: k.namespace, labels: stackLabels(k.stack) } };
}

/** The service's rendered config files (no name: the component autonames it); none without files. */
export function configMapObject(k: KubernetesPlan, s: KubernetesServicePlan): ConfigMapObject | undefined {
  if (s.configFiles.length === 0) return undefined;
  const { name: _name, ...metadata } = meta(k, "", { [NAME_LABEL]: s.service });
  return { apiVersion: "v1", kind: "ConfigMap", metadata, data: Object.fromEntries(s.configFiles.map((f) => [f.key, f.content])) };
}

/** The service's Secret without its values (the component fills `stringData` from Pulumi secrets; no name: autonamed); none without secrets. */
export function secretObject(k: KubernetesPlan, s: KubernetesServicePlan): { apiVersion: "v1"; kind: "Secret"; type: "Opaque"; metadata: ObjectMeta; keys: KubernetesServicePlan["secrets"] } | undefined {
  if (s.secrets.length === 0) return undefined;
  const { name: _name, ...metadata } = meta(k, "", { [NAME_LABEL]: s.service });
  return { apiVersion: "v1", kind: "Secret", type: "Opaque", metadata, keys: s.secrets };
}
