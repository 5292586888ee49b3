/**
 * container-privileges: Kyverno's pod-security baseline and KICS's
 * privileged / host-namespace / no-new-privileges queries, on docker.Container.
 * The reference docker-compose files (sunbangamen/local-ai-suite) ran cAdvisor privileged.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containerCheck } from "./support/container-check";
import { describeContainer, type ContainerView } from "./support/container-view";
import { allowedFor, allowlistSchema, type ServiceAllowlist } from "./support/service-allowlist";

export interface PrivilegesConfig {
  /** Capabilities a service may add beyond Docker's default set, by service. */
  capabilityAllowlist: ServiceAllowlist<string>;
}

/** Docker's default capability set (Kyverno's baseline allows adding only these back). */
const DEFAULT_CAPABILITIES = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);
const HOST_NAMESPACES = [
  ["networkMode", "network"],
  ["pidMode", "PID"],
  ["ipcMode", "IPC"],
  ["usernsMode", "user"],
] as const;

export function privilegeProblems(c: ContainerView, config: PrivilegesConfig): string[] {
  const where = describeContainer(c);
  const problems: string[] = [];
  if (c.props.privileged) {
    problems.push(
      `${where} is privileged, which gives it every capability and every host device (root on the host). Fix: drop privileged and add only the capability or device it needs.`,
    );
  }
  for (const [field, namespace] of HOST_NAMESPACES) {
    if (c.props[field] === "host") {
      problems.push(
        `${where} shares the host's ${namespace} namespace (${field}: "host"). Fix: remove ${field}; use the stack network and published ports.`,
      );
    }
  }
  const allowed = allowedFor(config.capabilityAllowlist, c).map(normaliseCapability);
  for (const cap of (c.props.capabilities?.adds ?? []).map(normaliseCapability)) {
    if (!DEFAULT_CAPABILITIES.has(cap) && !allowed.includes(cap)) {
      problems.push(
        `${where} adds capability ${cap}. Fix: drop it, or allowlist it for ${c.service} under container-privileges.capabilityAllowlist in the stack's policy config with a reason in the PR.`,
      );
    }
  }
  if (!(c.props.securityOpts ?? []).some((o) => /^no-new-privileges(:true|=true)?$/.test(o))) {
    problems.push(
      `${where} does not set no-new-privileges, so setuid binaries inside can gain privileges. Fix: securityOpts: ["no-new-privileges:true"] (defineService sets it).`,
    );
  }
  return problems;
}

const normaliseCapability = (cap: string) => cap.toUpperCase().replace(/^CAP_/, "");

export const containerPrivileges: ResourceValidationPolicy = {
  name: "container-privileges",
  description:
    "Checks that no container is privileged, shares a host namespace, adds capabilities beyond Docker's defaults unless allowlisted, or runs without no-new-privileges.",
  enforcementLevel: "mandatory",
  severity: "critical",
  configSchema: { properties: { capabilityAllowlist: allowlistSchema({ type: "string" }) } },
  validateResource: containerCheck<PrivilegesConfig>(privilegeProblems, [
    "privileged",
    "networkMode",
    "pidMode",
    "ipcMode",
    "usernsMode",
    "capabilities",
    "securityOpts",
  ]),
};
