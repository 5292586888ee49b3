/**
 * The healer (services/healer): restarts this stack's containers that turn
 * unhealthy, within a restart budget, and counts each restart for the alerts.
 * It holds the Docker socket, so it is the one service the policy config
 * allowlists for it; everything else about it is as narrow as it gets: root
 * for the socket's mode but every capability dropped, a read-only rootfs, no
 * published port, and the stack network only so that Prometheus can scrape it.
 */
import { AUTOHEAL_LABEL, defineService, imageFromSource, type PlanContext } from "./define-service";
import { nodeProbe } from "./health";
import { DOCKER_SOCKET } from "./mcp";
import type { ServiceSpec } from "./service-spec";

export const HEALER_SERVICE = "healer";
export const HEALER_PORT = 8007;

export function planHealer(ctx: PlanContext): ServiceSpec[] {
  const { healer } = ctx.config;
  if (!healer.enabled) return [];
  return [
    defineService(ctx, {
      service: HEALER_SERVICE,
      group: "healer",
      image: imageFromSource(ctx, HEALER_SERVICE, healer.source, "healer.source"),
      env: {
        HEALER_STACK: ctx.stack,
        HEALER_OPT_IN_LABEL: AUTOHEAL_LABEL,
        HEALER_MAX_RESTARTS: String(healer.maxRestarts),
        HEALER_WINDOW_SEC: String(healer.windowSec),
        HEALER_PORT: String(HEALER_PORT),
      },
      // The socket's mode is root:docker 660; `:ro` does not limit the Docker API (the allowlist entry is the decision).
      binds: [{ hostPath: DOCKER_SOCKET, containerPath: DOCKER_SOCKET, readOnly: true }],
      healthcheck: nodeProbe("/app/healer/src/healthcheck.ts", { startPeriodSec: 30 }),
      metrics: { port: HEALER_PORT, path: "/metrics" },
      limits: { memoryMiB: healer.memoryMiB, cpus: healer.cpus },
      user: "0:0",
      capabilities: { drop: ["ALL"], add: [] },
      readOnlyRootfs: true,
      // Who would restart the healer? Docker's restart policy, if it exits.
      restartWhenUnhealthy: false,
    }),
  ];
}
