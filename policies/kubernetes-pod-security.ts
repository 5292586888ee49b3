/**
 * kubernetes-pod-security: the Pod Security Standards' baseline, minus what
 * this stack needs (hostPath, judged by kubernetes-host-paths), plus the
 * securityContext the mapping always sets: no privileged container, no host
 * network, PID, IPC or user namespace, no privilege escalation (stated, since
 * the API's default allows it), every capability dropped and only the kept
 * defaults (or an allowlisted one) added back, no Unmasked /proc, no
 * Unconfined seccomp, and no service-account token for pods that never talk
 * to the API.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { DEFAULT_KEPT_CAPS } from "../lib/kubernetes/objects";
import { podCheck } from "./support/kubernetes-check";
import { allowedForService, describePod, type PodView } from "./support/kubernetes-view";
import { allowlistSchema } from "./support/service-allowlist";

export interface PodSecurityConfig {
  /** Capabilities a service may add beyond DEFAULT_KEPT_CAPS, by service. */
  capabilityAllowlist: Record<string, string[]>;
}

const cap = (c: string) => c.toUpperCase().replace(/^CAP_/, "");

export function podSecurityProblems(pod: PodView, config: PodSecurityConfig): string[] {
  const where = describePod(pod);
  const problems: string[] = [];
  for (const [field, what] of [["hostNetwork", "network"], ["hostPID", "PID"], ["hostIPC", "IPC"]] as const) {
    if (pod.pod[field] === true) problems.push(`${where} shares the node's ${what} namespace (${field}: true). Fix: remove ${field}; pods reach each other through Services.`);
  }
  if (pod.pod.hostUsers === true) problems.push(`${where} sets hostUsers: true explicitly. Fix: remove it.`);
  if (pod.pod.securityContext?.seccompProfile?.type === "Unconfined") problems.push(`${where} runs without seccomp (Unconfined). Fix: seccompProfile RuntimeDefault.`);
  if (pod.pod.automountServiceAccountToken !== false) {
    problems.push(`${where} mounts a service-account token (automountServiceAccountToken is not false), which no service of the suite needs. Fix: automountServiceAccountToken: false (the mapping sets it).`);
  }
  const allowed = new Set([...DEFAULT_KEPT_CAPS, ...allowedForService(config.capabilityAllowlist, pod.service).map(cap)]);
  for (const c of pod.containers) {
    const name = `${where}, container "${c.name ?? "?"}"`;
    const sc = c.securityContext ?? {};
    if (sc.privileged === true) problems.push(`${name} is privileged: every capability and every device of the node (root on the node). Fix: drop privileged; add only what it needs.`);
    if (sc.allowPrivilegeEscalation !== false) {
      problems.push(`${name} does not set allowPrivilegeEscalation: false, so setuid binaries can gain privileges (Docker's no-new-privileges). Fix: securityContext.allowPrivilegeEscalation: false.`);
    }
    if (!(sc.capabilities?.drop ?? []).map(cap).includes("ALL")) {
      problems.push(`${name} keeps the runtime's default capabilities (NET_RAW, MKNOD, ...): capabilities.drop does not include ALL. Fix: drop ALL and add back only what it needs.`);
    }
    for (const added of (sc.capabilities?.add ?? []).map(cap)) {
      if (!allowed.has(added)) {
        problems.push(`${name} adds capability ${added}. Fix: drop it, or allowlist it for ${pod.service} under kubernetes-pod-security.capabilityAllowlist in the stack's policy config with a reason in the PR.`);
      }
    }
    if (sc.procMount === "Unmasked") problems.push(`${name} mounts /proc unmasked. Fix: remove procMount.`);
    if (sc.seccompProfile?.type === "Unconfined") problems.push(`${name} runs without seccomp (Unconfined). Fix: remove it or use RuntimeDefault.`);
  }
  return problems;
}

export const kubernetesPodSecurity: ResourceValidationPolicy = {
  name: "kubernetes-pod-security",
  description:
    "Checks that no Kubernetes pod is privileged, shares a host namespace, allows privilege escalation, keeps default capabilities or adds unlisted ones, runs unconfined, or mounts a service-account token.",
  enforcementLevel: "mandatory",
  severity: "critical",
  configSchema: { properties: { capabilityAllowlist: allowlistSchema({ type: "string" }) } },
  validateResource: podCheck<PodSecurityConfig>(podSecurityProblems),
};
