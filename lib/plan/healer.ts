/**
 * The healer (services/healer): restarts this stack's containers that turn
 * unhealthy, within a restart budget, and counts each restart for the alerts.
 * It holds no socket: it reaches the Docker API through its proxy
 * (lib/plan/docker-api-proxy.ts), which allows its three calls and nothing
 * else, on a network only the two share. It runs as an unprivileged user with
 * every capability dropped on a read-only rootfs, publishes no port, and is on
 * the stack network only so that Prometheus can scrape it.
 */
import { AUTOHEAL_LABEL, defineService, imageFromSource, NODE_IMAGE_USER, type PlanContext } from "./define-service";
import { DOCKER_API_NETWORK, DOCKER_API_PROXY_SERVICE, DOCKER_API_PROXY_URL } from "./docker-api-proxy";
import { nodeProbe } from "./health";
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
        HEALER_DOCKER_API: DOCKER_API_PROXY_URL,
      },
      dependsOn: [DOCKER_API_PROXY_SERVICE],
      privateNetworks: [DOCKER_API_NETWORK],
      healthcheck: nodeProbe("/app/healer/src/healthcheck.ts", { startPeriodSec: 30 }),
      metrics: { port: HEALER_PORT, path: "/metrics" },
      limits: { memoryMiB: healer.memoryMiB, cpus: healer.cpus },
      // The node user of the Node base image; nothing it needs is root's.
      user: NODE_IMAGE_USER,
      capabilities: { drop: ["ALL"], add: [] },
      readOnlyRootfs: true,
      // Who would restart the healer? Docker's restart policy, if it exits.
      restartWhenUnhealthy: false,
    }),
  ];
}
