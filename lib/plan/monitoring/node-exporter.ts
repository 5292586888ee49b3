/** node-exporter: host CPU, memory and filesystems, from the host's /proc, /sys and / mounted read-only. */
import { defineService, type PlanContext } from "../define-service";
import { wgetProbe } from "../health";
import type { ServiceSpec } from "../service-spec";
import { NODE_EXPORTER } from "./service-addresses";

export function planNodeExporter(ctx: PlanContext): ServiceSpec {
  const exporter = ctx.config.monitoring.nodeExporter;
  return defineService(ctx, {
    service: NODE_EXPORTER.service,
    group: "monitoring",
    image: { kind: "registry", ref: exporter.image },
    command: [
      "--path.procfs=/host/proc",
      "--path.sysfs=/host/sys",
      "--path.rootfs=/rootfs",
      "--collector.filesystem.mount-points-exclude=^/(sys|proc|dev|host|etc)($|/)",
      `--web.listen-address=:${NODE_EXPORTER.port}`,
    ],
    binds: [
      { hostPath: "/proc", containerPath: "/host/proc", readOnly: true },
      { hostPath: "/sys", containerPath: "/host/sys", readOnly: true },
      { hostPath: "/", containerPath: "/rootfs", readOnly: true },
    ],
    // No published port: Prometheus scrapes it on the stack network.
    healthcheck: wgetProbe(`http://127.0.0.1:${NODE_EXPORTER.port}/metrics`, { startPeriodSec: 30 }),
    metrics: { port: NODE_EXPORTER.port, path: "/metrics" },
    limits: { memoryMiB: exporter.memoryMiB, cpus: exporter.cpus },
    capabilities: { drop: ["ALL"], add: [] },
    // Writes nothing: no uploads, so the root filesystem can be read-only.
    readOnlyRootfs: true,
  });
}
