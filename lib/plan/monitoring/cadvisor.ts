/**
 * cAdvisor: per-container CPU, memory and restarts. Not privileged and no
 * /dev/kmsg (the reference had both; kmsg only feeds OOM events): read-only
 * mounts of /, /sys, Docker's data root and /dev/disk. The Docker socket (for
 * container names) only where `monitoring.cadvisor.dockerSocket` asks for it:
 * off by default, since the socket is root on the host.
 */
import { defineService, type PlanContext } from "../define-service";
import { wgetProbe } from "../health";
import { DOCKER_SOCKET } from "../mcp";
import type { BindSpec, ServiceSpec } from "../service-spec";
import { CADVISOR, SERVICE_LABEL } from "./service-addresses";

export function planCadvisor(ctx: PlanContext): ServiceSpec {
  const { monitoring } = ctx.config;
  const cadvisor = monitoring.cadvisor;
  const binds: BindSpec[] = [
    { hostPath: "/", containerPath: "/rootfs", readOnly: true },
    { hostPath: "/sys", containerPath: "/sys", readOnly: true },
    { hostPath: monitoring.dockerDataRoot, containerPath: "/var/lib/docker", readOnly: true },
    { hostPath: "/dev/disk", containerPath: "/dev/disk", readOnly: true },
  ];
  if (cadvisor.dockerSocket) binds.push({ hostPath: DOCKER_SOCKET, containerPath: DOCKER_SOCKET, readOnly: true });
  return defineService(ctx, {
    service: CADVISOR.service,
    group: "monitoring",
    image: { kind: "registry", ref: cadvisor.image },
    command: [
      `--port=${CADVISOR.port}`,
      "--housekeeping_interval=15s",
      // Without the Docker API cAdvisor cannot tell Docker containers apart; report raw cgroups instead.
      `--docker_only=${cadvisor.dockerSocket}`,
      // Only the suite's service label becomes a metric label (all labels would explode cardinality).
      "--store_container_labels=false",
      `--whitelisted_container_labels=${SERVICE_LABEL}`,
      "--disable_metrics=advtcp,cpu_topology,cpuset,disk,diskIO,hugetlb,memory_numa,percpu,perf_event,process,referenced_memory,resctrl,sched,tcp,udp",
    ],
    binds,
    healthcheck: wgetProbe(`http://127.0.0.1:${CADVISOR.port}/healthz`, { startPeriodSec: 60 }),
    metrics: { port: CADVISOR.port, path: "/metrics" },
    limits: { memoryMiB: cadvisor.memoryMiB, cpus: cadvisor.cpus },
    // Runs as root to read root-owned cgroup and Docker files; needs no capability beyond owning them.
    capabilities: { drop: ["ALL"], add: [] },
  });
}
