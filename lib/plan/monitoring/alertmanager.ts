/** Alertmanager: one node (no gossip cluster), a no-op receiver unless a webhook is configured. */
import { renderAlertmanagerConfig } from "../../monitoring/alertmanager";
import { defineService, publishedHost, type PlanContext } from "../define-service";
import { wgetProbe } from "../health";
import type { ServiceSpec } from "../service-spec";
import { ALERTMANAGER, VOLUMES } from "./service-addresses";

export const ALERTMANAGER_CONFIG = "/etc/alertmanager/alertmanager.yml";

export function planAlertmanager(ctx: PlanContext): ServiceSpec {
  const { config } = ctx;
  const am = config.monitoring.alertmanager;
  return defineService(ctx, {
    service: ALERTMANAGER.service,
    group: "monitoring",
    image: { kind: "registry", ref: am.image },
    command: [
      `--config.file=${ALERTMANAGER_CONFIG}`,
      "--storage.path=/alertmanager",
      `--web.listen-address=0.0.0.0:${ALERTMANAGER.port}`,
      `--web.external-url=http://${publishedHost(config)}:${am.hostPort}/`,
      // A single instance: no gossip listener on 9094.
      "--cluster.listen-address=",
    ],
    ports: [{ internal: ALERTMANAGER.port, external: am.hostPort, configKey: "monitoring.alertmanager.hostPort" }],
    volumes: [{ volume: VOLUMES.alertmanager, containerPath: "/alertmanager", readOnly: false }],
    files: [{ path: ALERTMANAGER_CONFIG, content: renderAlertmanagerConfig({ webhookUrl: am.webhookUrl }) }],
    healthcheck: wgetProbe(`http://127.0.0.1:${ALERTMANAGER.port}/-/ready`, { startPeriodSec: 60 }),
    metrics: { port: ALERTMANAGER.port, path: "/metrics" },
    limits: { memoryMiB: am.memoryMiB, cpus: am.cpus },
    capabilities: { drop: ["ALL"], add: [] },
  });
}
