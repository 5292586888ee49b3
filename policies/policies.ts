/** Every policy of the pack, importable without starting the policy server (index.ts does that). */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { containerDeleteBeforeReplace } from "./container-delete-before-replace";
import { containerHealthchecks } from "./container-healthchecks";
import { containerHostMounts } from "./container-host-mounts";
import { containerImagePinned } from "./container-image-pinned";
import { containerLimitsAndRestart } from "./container-limits-and-restart";
import { containerPortsLoopback } from "./container-ports-loopback";
import { containerPrivileges } from "./container-privileges";
import { containerSecrets } from "./container-secrets";
import { gpuVramBudget } from "./gpu-vram-budget";
import { healthGatedOrdering } from "./health-gated-ordering";
import { startupCriticalPath, startupCriticalPathReport } from "./startup-critical-path";

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  containerHealthchecks,
  healthGatedOrdering,
  startupCriticalPath,
  startupCriticalPathReport,
  gpuVramBudget,
  containerImagePinned,
  containerPrivileges,
  containerHostMounts,
  containerPortsLoopback,
  containerLimitsAndRestart,
  containerSecrets,
  containerDeleteBeforeReplace,
];
