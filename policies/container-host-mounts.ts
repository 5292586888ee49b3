/**
 * container-host-mounts: Kyverno disallow-container-sock-mounts and KICS
 * "Docker Socket Mounted" / "Volume Has Sensitive Host Directory". The
 * reference mounted docker.sock and the host root read-write into the MCP
 * server and the host root into four more services (in the reference docker-compose files, sunbangamen/local-ai-suite). A mount of either
 * kind needs a per-service allowlist entry in the policy config, and even then
 * must be read-only (for docker.sock, :ro does not limit the Docker API, so the
 * allowlist entry is the real decision).
 */
import * as path from "node:path";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containerCheck } from "./support/container-check";
import { describeContainer, type ContainerView } from "./support/container-view";
import { allowedFor, allowlistSchema, type ServiceAllowlist } from "./support/service-allowlist";

export interface HostMountsConfig {
  /** Host paths a service may mount (read-only), by service. */
  allow: ServiceAllowlist<string>;
  /** Why each allowlisted service needs its mounts: an exception is reviewed with its reason, or it is not one. */
  reasons: Record<string, string>;
}

export interface HostMount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
  field: string;
}

const SOCKET = /(^|\/)(docker|containerd|crio|podman)\.sock$/;
/** Host directories whose contents are the host (KICS's sensitive list, plus the socket directories). */
const SENSITIVE = [
  "/etc",
  "/proc",
  "/sys",
  "/dev",
  "/boot",
  "/root",
  "/usr",
  "/lib",
  "/lib64",
  "/bin",
  "/sbin",
  "/var/lib/docker",
  "/var/run",
  "/run",
];

export function hostMountsOf(c: ContainerView): HostMount[] {
  return [
    ...(c.props.volumes ?? [])
      .filter((v) => typeof v.hostPath === "string")
      .map((v, i) => ({
        hostPath: v.hostPath!,
        containerPath: v.containerPath ?? "?",
        readOnly: v.readOnly === true,
        field: `volumes[${i}]`,
      })),
    ...(c.props.mounts ?? [])
      .map((m, i) => ({ m, i }))
      .filter(({ m }) => m.type === "bind" && typeof m.source === "string")
      .map(({ m, i }) => ({ hostPath: m.source!, containerPath: m.target, readOnly: m.readOnly === true, field: `mounts[${i}]` })),
  ];
}

/** "the Docker socket", "the host root", "host directory /proc", or undefined for an ordinary data path. */
export function sensitiveKind(hostPath: string): string | undefined {
  const p = path.posix.normalize(hostPath).replace(/(.)\/+$/, "$1");
  if (SOCKET.test(p)) return "the container runtime socket (root on the host)";
  if (p === "/") return "the host root filesystem";
  const dir = SENSITIVE.find((d) => p === d || p.startsWith(`${d}/`));
  return dir ? `host system directory ${dir}` : undefined;
}

export function hostMountProblems(c: ContainerView, config: HostMountsConfig): string[] {
  const where = describeContainer(c);
  const allowed = allowedFor(config.allow, c).map((p) => path.posix.normalize(p));
  const problems: string[] = [];
  for (const m of hostMountsOf(c)) {
    const kind = sensitiveKind(m.hostPath);
    if (!kind) continue;
    const mount = `${m.hostPath}:${m.containerPath} (${m.field})`;
    if (!allowed.includes(path.posix.normalize(m.hostPath))) {
      problems.push(
        `${where} mounts ${kind}: ${mount}. Fix: remove the mount, or allowlist "${m.hostPath}" for ${c.service} under container-host-mounts.allow in policies/config/<stack>.json and mount it read-only.`,
      );
    } else if (!m.readOnly) {
      problems.push(`${where} mounts allowlisted ${kind} read-write: ${mount}. Fix: set readOnly: true on the mount.`);
    } else if (!config.reasons?.[c.service]?.trim()) {
      problems.push(
        `${where} mounts allowlisted ${kind} (${mount}), but the allowlist gives no reason for ${c.service}. Fix: add container-host-mounts.reasons.${c.service} ("why it needs this access") in policies/config/<stack>.json.`,
      );
    }
  }
  return problems;
}

export const containerHostMounts: ResourceValidationPolicy = {
  name: "container-host-mounts",
  description:
    "Checks that no container mounts the Docker socket, the host root or a host system directory unless allowlisted for its service, and that allowlisted mounts are read-only.",
  enforcementLevel: "mandatory",
  severity: "critical",
  configSchema: {
    properties: {
      allow: allowlistSchema({ type: "string" }),
      reasons: { type: "object", additionalProperties: { type: "string", minLength: 1 }, default: {} },
    },
  },
  validateResource: containerCheck<HostMountsConfig>(hostMountProblems, ["volumes", "mounts"]),
};
