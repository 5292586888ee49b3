/**
 * NVIDIA's DCGM exporter: GPU memory (DCGM_FI_DEV_FB_USED / FB_FREE), utilisation,
 * temperature, power. It reads the GPUs through NVML and allocates no framebuffer,
 * so its VRAM claim is 0; no SYS_ADMIN (only the profiling metrics need it).
 */
import { defineService, type PlanContext } from "../define-service";
import { bashHttpProbe } from "../health";
import type { ServiceSpec } from "../service-spec";
import { DCGM_EXPORTER } from "./service-addresses";

export function planDcgmExporter(ctx: PlanContext): ServiceSpec {
  const { config } = ctx;
  const dcgm = config.monitoring.dcgmExporter;
  return defineService(ctx, {
    service: DCGM_EXPORTER.service,
    group: "monitoring",
    image: { kind: "registry", ref: dcgm.image },
    env: {
      DCGM_EXPORTER_LISTEN: `:${DCGM_EXPORTER.port}`,
      DCGM_EXPORTER_KUBERNETES: "false",
      // NVML only: no compute context.
      NVIDIA_DRIVER_CAPABILITIES: "utility",
    },
    // The image has bash but neither curl nor wget.
    healthcheck: bashHttpProbe(DCGM_EXPORTER.port, "/health", { startPeriodSec: 120 }),
    metrics: { port: DCGM_EXPORTER.port, path: "/metrics" },
    gpuDeviceIds: config.gpus.map((g) => g.id),
    vramMiB: 0,
    limits: { memoryMiB: dcgm.memoryMiB, cpus: dcgm.cpus },
  });
}
