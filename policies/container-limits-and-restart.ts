/**
 * container-limits-and-restart: KICS "Memory Not Limited" and "Restart Policy".
 * A runaway container (a llama-server with a huge context, a leaking Python
 * service) must not take the workstation down, and a crashed one must come back.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containerCheck } from "./support/container-check";
import { describeContainer, type ContainerView } from "./support/container-view";

export interface LimitsConfig {
  allowedRestartPolicies: string[];
  /** Largest memory limit for one container, in MiB. */
  maxMemoryMiB: number;
}

export function limitsProblems(c: ContainerView, config: LimitsConfig): string[] {
  const where = describeContainer(c);
  const problems: string[] = [];
  const memory = c.props.memory;
  if (memory === undefined || memory <= 0) {
    problems.push(
      `${where} has no memory limit, so it can exhaust the host's RAM. Fix: set limits.memoryMiB in its ServiceSpec (memory in MiB).`,
    );
  } else if (memory > config.maxMemoryMiB) {
    problems.push(
      `${where} has a memory limit of ${memory} MiB, above the ${config.maxMemoryMiB} MiB ceiling. Fix: lower its memoryMiB, or raise maxMemoryMiB in the stack's policy config.`,
    );
  }
  const restart = c.props.restart ?? "no";
  if (!config.allowedRestartPolicies.includes(restart)) {
    problems.push(
      `${where} has restart policy "${restart}", so a crash leaves it down. Fix: use one of ${config.allowedRestartPolicies.map((r) => `"${r}"`).join(", ")}.`,
    );
  }
  return problems;
}

export const containerLimitsAndRestart: ResourceValidationPolicy = {
  name: "container-limits-and-restart",
  description:
    "Checks that every container has a memory limit within the configured ceiling and a restart policy that brings it back after a crash.",
  enforcementLevel: "mandatory",
  severity: "medium",
  configSchema: {
    properties: {
      allowedRestartPolicies: {
        type: "array",
        items: { type: "string", enum: ["no", "on-failure", "always", "unless-stopped"] },
        default: ["unless-stopped", "on-failure", "always"],
      },
      maxMemoryMiB: { type: "integer", minimum: 1, default: 16384 },
    },
  },
  validateResource: containerCheck<LimitsConfig>(limitsProblems, ["memory", "restart"]),
};
