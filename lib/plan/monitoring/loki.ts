/** Loki: single node, filesystem storage on a named volume, compactor retention. */
import { renderLokiConfig } from "../../monitoring/loki";
import { defineService, type PlanContext } from "../define-service";
import type { ServiceSpec } from "../service-spec";
import { LOKI, VOLUMES } from "./service-addresses";
import { lokiHealthProbe } from "./probes";

export const LOKI_CONFIG = "/etc/loki/loki.yaml";

export function planLoki(ctx: PlanContext): ServiceSpec {
  const loki = ctx.config.monitoring.loki;
  return defineService(ctx, {
    service: LOKI.service,
    group: "monitoring",
    image: { kind: "registry", ref: loki.image },
    command: [`-config.file=${LOKI_CONFIG}`],
    ports: [{ internal: LOKI.port, external: loki.hostPort, configKey: "monitoring.loki.hostPort" }],
    volumes: [{ volume: VOLUMES.loki, containerPath: "/loki", readOnly: false }],
    files: [{ path: LOKI_CONFIG, content: renderLokiConfig({ httpPort: LOKI.port, dataDir: "/loki", retentionDays: loki.retentionDays }) }],
    // /ready answers 503 for about 15 s after the ring settles.
    healthcheck: lokiHealthProbe(`http://127.0.0.1:${LOKI.port}/ready`, { startPeriodSec: 120 }),
    metrics: { port: LOKI.port, path: "/metrics" },
    limits: { memoryMiB: loki.memoryMiB, cpus: loki.cpus },
    capabilities: { drop: ["ALL"], add: [] },
  });
}
