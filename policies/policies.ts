/** Every policy of the pack, importable without starting the policy server (index.ts does that). */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { containerDeleteBeforeReplace } from "./container-delete-before-replace";
import { containerHealthchecks } from "./container-healthchecks";
import { containerHostMounts } from "./container-host-mounts";
import { containerImageRuntime } from "./container-image-runtime";
import { containerImagePinned } from "./container-image-pinned";
import { containerLimitsAndRestart } from "./container-limits-and-restart";
import { containerPortsLoopback } from "./container-ports-loopback";
import { containerPrivileges } from "./container-privileges";
import { containerPublishedCredentials } from "./container-published-credentials";
import { containerSecrets } from "./container-secrets";
import { gpuVramBudget } from "./gpu-vram-budget";
import { healthGatedOrdering } from "./health-gated-ordering";
import { kubernetesExposure } from "./kubernetes-exposure";
import { kubernetesGpuVramBudget } from "./kubernetes-gpu-vram-budget";
import { kubernetesHealthGatedOrdering } from "./kubernetes-health-gated-ordering";
import { kubernetesHostPaths } from "./kubernetes-host-paths";
import { kubernetesImagePinned } from "./kubernetes-image-pinned";
import { kubernetesNetworkPolicies } from "./kubernetes-network-policies";
import { kubernetesPodSecurity } from "./kubernetes-pod-security";
import { kubernetesProbes } from "./kubernetes-probes";
import { kubernetesResources } from "./kubernetes-resources";
import { kubernetesSecrets } from "./kubernetes-secrets";
import { startupCriticalPath, startupCriticalPathReport } from "./startup-critical-path";

type Policy = ResourceValidationPolicy | StackValidationPolicy;

/** The Docker target's policies (docker.Container and its images). */
export const dockerPolicies: Policy[] = [
  containerHealthchecks,
  healthGatedOrdering,
  startupCriticalPath,
  startupCriticalPathReport,
  gpuVramBudget,
  containerImagePinned,
  containerImageRuntime,
  containerPrivileges,
  containerHostMounts,
  containerPortsLoopback,
  containerPublishedCredentials,
  containerLimitsAndRestart,
  containerSecrets,
  containerDeleteBeforeReplace,
];

/** The Kubernetes target's policies (pods, Services, NetworkPolicies, ConfigMaps, Secrets), from the same lib/ rules. */
export const kubernetesPolicies: Policy[] = [
  kubernetesProbes,
  kubernetesHealthGatedOrdering,
  kubernetesGpuVramBudget,
  kubernetesImagePinned,
  kubernetesPodSecurity,
  kubernetesHostPaths,
  kubernetesExposure,
  kubernetesResources,
  kubernetesSecrets,
  kubernetesNetworkPolicies,
];

/** One pack for both targets: each policy is not applicable to the other target's resources. */
export const policies: Policy[] = [...dockerPolicies, ...kubernetesPolicies];
