/**
 * Grafana Alloy, the log shipper (Promtail is end-of-life): reads Docker's log
 * files read-only instead of the Docker socket, and keeps its read positions on
 * a named volume (the reference kept them in /tmp and re-shipped after restarts).
 */
import { renderAlloyConfig } from "../../monitoring/alloy";
import { defineService, serviceUrl, type PlanContext } from "../define-service";
import { bashHttpProbe } from "../health";
import type { ServiceSpec } from "../service-spec";
import { ALLOY, LOKI, SERVICE_LABEL, VOLUMES } from "./service-addresses";

export const ALLOY_CONFIG = "/etc/alloy/config.alloy";
export const DOCKER_CONTAINERS_MOUNT = "/var/lib/docker/containers";
/** Outside /var/lib/alloy, which the image makes group-only for its own uid: root without capabilities could not write there. */
export const ALLOY_STORAGE = "/alloy-data";

export function planAlloy(ctx: PlanContext): ServiceSpec {
  const { monitoring } = ctx.config;
  return defineService(ctx, {
    service: ALLOY.service,
    group: "monitoring",
    image: { kind: "registry", ref: monitoring.alloy.image },
    entrypoint: ["/bin/alloy"],
    command: [
      "run",
      `--server.http.listen-addr=0.0.0.0:${ALLOY.port}`,
      `--storage.path=${ALLOY_STORAGE}`,
      "--disable-reporting",
      ALLOY_CONFIG,
    ],
    binds: [{ hostPath: `${monitoring.dockerDataRoot}/containers`, containerPath: DOCKER_CONTAINERS_MOUNT, readOnly: true }],
    volumes: [{ volume: VOLUMES.alloy, containerPath: ALLOY_STORAGE, readOnly: false }],
    files: [
      {
        path: ALLOY_CONFIG,
        content: renderAlloyConfig({
          containersDir: DOCKER_CONTAINERS_MOUNT,
          serviceAttr: SERVICE_LABEL,
          lokiPushUrl: serviceUrl(LOKI.service, LOKI.port, "/loki/api/v1/push"),
        }),
      },
    ],
    healthcheck: bashHttpProbe(ALLOY.port, "/-/ready", { startPeriodSec: 60 }),
    metrics: { port: ALLOY.port, path: "/metrics" },
    dependsOn: [LOKI.service],
    limits: { memoryMiB: monitoring.alloy.memoryMiB, cpus: monitoring.alloy.cpus },
    // Root (Docker's log files are root-only) but without capabilities: it only reads files root owns.
    capabilities: { drop: ["ALL"], add: [] },
  });
}
