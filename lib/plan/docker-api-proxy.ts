/**
 * The healer's Docker API proxy: the one container that mounts the Docker
 * socket. It sits on a private internal network that only the healer shares
 * (not the stack network, no published port) and lets through exactly the
 * healer's calls: list, events, and a restart of this stack's opted-in
 * containers, by name (lib/docker/api-proxy-config.ts). Whoever takes the
 * healer gets those three calls, not root on the host.
 */
import { DOCKER_API_PROXY_CONFIG_PATH, DOCKER_API_PROXY_PORT, renderDockerApiProxyConfig } from "../docker/api-proxy-config";
import { containerNameOf, defineService, imageFromSource, serviceUrl, type PlanContext } from "./define-service";
import { bashHttpProbe } from "./health";
import { DOCKER_SOCKET } from "./mcp";
import type { ObservedService } from "./monitoring/observed";
import type { ServiceSpec } from "./service-spec";

export const DOCKER_API_PROXY_SERVICE = "docker-api-proxy";
/** The internal network the healer and the proxy share, and nothing else. */
export const DOCKER_API_NETWORK = "docker-api";
/** Where the healer reaches the proxy. */
export const DOCKER_API_PROXY_URL = serviceUrl(DOCKER_API_PROXY_SERVICE, DOCKER_API_PROXY_PORT);

/**
 * The proxy as monitoring sees it (no metrics: watched as a container), before its spec exists: its
 * allowlist names the monitoring containers, so it is planned after them.
 */
export function dockerApiProxyWatched(ctx: PlanContext): ObservedService[] {
  if (!ctx.config.healer.enabled) return [];
  return [{ service: DOCKER_API_PROXY_SERVICE, containerName: containerNameOf(ctx.config, DOCKER_API_PROXY_SERVICE), group: "healer" }];
}

/** The proxy for the healer, allowing restarts of the opted-in containers among `services`; none without the healer. */
export function planDockerApiProxy(ctx: PlanContext, services: readonly ServiceSpec[]): ServiceSpec[] {
  const { healer } = ctx.config;
  if (!healer.enabled) return [];
  const restartable = services.filter((s) => s.lifecycle.restartWhenUnhealthy).map((s) => s.containerName);
  return [
    defineService(ctx, {
      service: DOCKER_API_PROXY_SERVICE,
      group: "healer",
      image: imageFromSource(ctx, DOCKER_API_PROXY_SERVICE, healer.dockerApiProxy.source, "healer.dockerApiProxy.source"),
      files: [
        {
          path: DOCKER_API_PROXY_CONFIG_PATH,
          content: renderDockerApiProxyConfig({ restartable, socketPath: DOCKER_SOCKET, stack: ctx.stack }),
        },
      ],
      // The socket's mode is root:docker 660 and the docker group's id differs per host; `:ro` limits nothing (the allowlist does).
      binds: [{ hostPath: DOCKER_SOCKET, containerPath: DOCKER_SOCKET, readOnly: true }],
      // The allowlist lets _ping through from 127.0.0.1 alone: healthy means the daemon answers through the proxy.
      healthcheck: bashHttpProbe(DOCKER_API_PROXY_PORT, "/_ping", { startPeriodSec: 30 }),
      limits: { memoryMiB: healer.dockerApiProxy.memoryMiB, cpus: healer.dockerApiProxy.cpus },
      user: "0:0",
      capabilities: { drop: ["ALL"], add: [] },
      // Not read-only: Docker refuses to upload the rendered allowlist into a read-only root ("container rootfs is
      // marked read-only"), and HAProxy reads its config from nowhere else. It writes nothing itself.
      readOnlyRootfs: false,
      privateNetworks: [DOCKER_API_NETWORK],
      stackNetwork: false,
      // The healer does not restart its own way in; Docker's restart policy does, if it exits.
      restartWhenUnhealthy: false,
    }),
  ];
}
