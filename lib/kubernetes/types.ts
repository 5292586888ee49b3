/**
 * The Kubernetes objects the mapping produces, as plain data: the subset of
 * the API this suite uses, with field names as the API spells them. `N` is the
 * type of a reference to an object whose name is only known at deploy time
 * (the ConfigMap and Secret the components autoname, so a content change rolls
 * the pods): a string in tests, a Pulumi Output in the components.
 */
import type { ExecProbe } from "./probes";

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface EnvVar<N = string> {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef: { name: N; key: string } };
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}

export interface ResourceRequirements {
  limits: Record<string, string>;
  requests: Record<string, string>;
}

export interface ContainerSecurityContext {
  allowPrivilegeEscalation: false;
  privileged: false;
  readOnlyRootFilesystem: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  capabilities: { drop: string[]; add?: string[] };
}

export interface Container<N = string> {
  name: string;
  image: string;
  imagePullPolicy: "IfNotPresent";
  command?: string[];
  args?: string[];
  env: EnvVar<N>[];
  ports: { name: string; containerPort: number; protocol: "TCP" }[];
  resources: ResourceRequirements;
  startupProbe?: ExecProbe;
  readinessProbe?: ExecProbe;
  livenessProbe?: ExecProbe;
  volumeMounts: VolumeMount[];
  securityContext: ContainerSecurityContext;
}

export interface Volume<N = string> {
  name: string;
  configMap?: { name: N; defaultMode: number };
  secret?: { secretName: N; defaultMode: number };
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  hostPath?: { path: string; type: "Directory" | "Socket" | "File" };
  emptyDir?: { medium: "Memory"; sizeLimit?: string };
}

export interface Toleration {
  key: string;
  operator: "Exists";
  effect: "NoSchedule";
}

export interface PodSpec<N = string> {
  containers: Container<N>[];
  volumes: Volume<N>[];
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  runtimeClassName?: string;
  terminationGracePeriodSeconds: number;
  restartPolicy: "Always";
  enableServiceLinks: false;
  automountServiceAccountToken: false;
  securityContext: {
    seccompProfile: { type: "RuntimeDefault" };
    fsGroup?: number;
    fsGroupChangePolicy?: "OnRootMismatch";
    supplementalGroups?: number[];
  };
}

export interface PodTemplate<N = string> {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec<N>;
}

export interface DeploymentObject<N = string> {
  apiVersion: "apps/v1";
  kind: "Deployment";
  metadata: ObjectMeta;
  spec: {
    replicas: 1;
    revisionHistoryLimit: number;
    progressDeadlineSeconds: number;
    selector: { matchLabels: Record<string, string> };
    strategy: { type: "Recreate" } | { type: "RollingUpdate"; rollingUpdate: { maxSurge: number; maxUnavailable: number } };
    template: PodTemplate<N>;
  };
}

export interface StatefulSetObject<N = string> {
  apiVersion: "apps/v1";
  kind: "StatefulSet";
  metadata: ObjectMeta;
  spec: {
    replicas: 1;
    revisionHistoryLimit: number;
    serviceName?: string;
    podManagementPolicy: "OrderedReady";
    updateStrategy: { type: "RollingUpdate" };
    selector: { matchLabels: Record<string, string> };
    template: PodTemplate<N>;
  };
}

export type WorkloadObject<N = string> = DeploymentObject<N> | StatefulSetObject<N>;

export interface ServiceObject {
  apiVersion: "v1";
  kind: "Service";
  metadata: ObjectMeta;
  spec: {
    type: "ClusterIP";
    selector: Record<string, string>;
    ports: { name: string; port: number; targetPort: number; protocol: "TCP" }[];
  };
}

export interface NetworkPolicyPeer {
  podSelector: { matchLabels: Record<string, string> };
}

export interface NetworkPolicyObject {
  apiVersion: "networking.k8s.io/v1";
  kind: "NetworkPolicy";
  metadata: ObjectMeta;
  spec: {
    podSelector: { matchLabels: Record<string, string> };
    policyTypes: ["Ingress"];
    ingress: { from: NetworkPolicyPeer[]; ports: { port: number; protocol: "TCP" }[] }[];
  };
}

export interface PersistentVolumeClaimObject {
  apiVersion: "v1";
  kind: "PersistentVolumeClaim";
  metadata: ObjectMeta;
  spec: {
    accessModes: ["ReadWriteOnce"];
    storageClassName?: string;
    resources: { requests: { storage: string } };
  };
}

export interface NamespaceObject {
  apiVersion: "v1";
  kind: "Namespace";
  metadata: ObjectMeta;
}

export interface ConfigMapObject {
  apiVersion: "v1";
  kind: "ConfigMap";
  metadata: ObjectMeta;
  data: Record<string, string>;
}
