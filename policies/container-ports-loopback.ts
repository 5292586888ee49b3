/**
 * container-ports-loopback: KICS "Container Traffic Not Bound To Host
 * Interface". Every published port of the reference bound 0.0.0.0, including
 * Qdrant and LiteLLM without keys (in the reference docker-compose files, sunbangamen/local-ai-suite). A port may bind elsewhere only when
 * the policy config allowlists that host port for the service.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containerCheck } from "./support/container-check";
import { describeContainer, type ContainerView } from "./support/container-view";
import { allowedFor, allowlistSchema, type ServiceAllowlist } from "./support/service-allowlist";

export interface PortsConfig {
  /** Host ports a service may publish on a non-loopback address, by service. */
  allow: ServiceAllowlist<number>;
}

export function isLoopback(ip: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip) || ip === "::1" || ip === "[::1]" || ip === "localhost";
}

export function portProblems(c: ContainerView, config: PortsConfig): string[] {
  const where = describeContainer(c);
  const allowed = allowedFor(config.allow, c);
  const problems: string[] = [];
  if (c.props.publishAllPorts) {
    problems.push(
      `${where} sets publishAllPorts, which publishes every exposed port on all interfaces. Fix: remove it and list ports with ip "127.0.0.1".`,
    );
  }
  for (const p of c.props.ports ?? []) {
    const ip = p.ip ?? "0.0.0.0";
    const external = p.external ?? p.internal;
    if (isLoopback(ip) || allowed.includes(external)) continue;
    problems.push(
      `${where} publishes host port ${external} -> ${p.internal} on ${ip}${p.ip ? "" : " (no ip: Docker binds every interface)"}, reachable from the network. ` +
        `Fix: bind it to 127.0.0.1 (config bindAddress), or allowlist port ${external} for ${c.service} under container-ports-loopback.allow in the stack's policy config.`,
    );
  }
  return problems;
}

export const containerPortsLoopback: ResourceValidationPolicy = {
  name: "container-ports-loopback",
  description: "Checks that every published host port binds a loopback address unless the port is allowlisted for its service.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: { properties: { allow: allowlistSchema({ type: "integer" }) } },
  validateResource: containerCheck<PortsConfig>(portProblems, ["ports", "publishAllPorts"]),
};
